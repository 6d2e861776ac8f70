/**
 * Starts Apache 2.4 with mod_dav_fs as a WebDAV server on 127.0.0.1 (a free port), with basic
 * auth and optionally TLS (a certificate made for the run). Everything lives in a temp folder;
 * nothing under /etc is read or written. Needs the Debian package `apache2`.
 */
import { join } from "node:path";
import { freePort, portOpen, run, type ServerProcess, startProcess } from "./process.ts";
import { isRoot, makeCert, type TestCert } from "./util.ts";

const MODULES = "/usr/lib/apache2/modules";

/** A running (or stopped) Apache WebDAV server owned by a test. */
export class ApacheWebdav {
  readonly user = "test";
  readonly pass = "secret";
  cert?: TestCert;
  #proc?: ServerProcess;
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly tls: boolean,
  ) {}

  /** The folder served at `/`. */
  get root(): string {
    return join(this.dir, "root");
  }

  /** `host:port` for building `webdav://` URLs. */
  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Creates the config and starts the server; resolves once it accepts connections. */
  static async start(o: { tls?: boolean } = {}): Promise<ApacheWebdav> {
    const dir = await Deno.makeTempDir({ prefix: "apache-dav-" });
    await Deno.chmod(dir, 0o755);
    const s = new ApacheWebdav(dir, freePort(), o.tls ?? false);
    try {
      await s.configure();
      await s.resume();
    } catch (e) {
      await s.stop();
      throw e;
    }
    return s;
  }

  private async configure(): Promise<void> {
    const d = this.dir;
    await Deno.mkdir(join(d, "root"));
    await Deno.mkdir(join(d, "lock"));
    await run("htpasswd", ["-bc", join(d, "htpasswd"), this.user, this.pass]);
    if (isRoot()) await run("chown", ["-R", "www-data:www-data", join(d, "root"), join(d, "lock")]);
    if (this.tls) this.cert = await makeCert(d);
    const M = MODULES;
    const lines = [
      "ServerName 127.0.0.1",
      `Listen 127.0.0.1:${this.port}`,
      `PidFile ${d}/httpd.pid`,
      "ErrorLog /dev/stderr",
      "LogLevel warn",
      `DefaultRuntimeDir ${d}`,
      `Mutex file:${d} default`,
      ...[
        "mpm_event",
        "authz_core",
        "authz_user",
        "authn_core",
        "authn_file",
        "auth_basic",
        "dav",
        "dav_fs",
        "autoindex",
        ...(this.tls ? ["socache_shmcb", "ssl"] : []),
      ].map((m) => `LoadModule ${m}_module ${M}/mod_${m}.so`),
      ...(isRoot() ? ["User www-data", "Group www-data"] : []),
      "StartServers 1",
      "ServerLimit 1",
      "ThreadsPerChild 16",
      "MaxRequestWorkers 16",
      `DAVLockDB ${d}/lock/DAVLock`,
      "LimitRequestBody 0",
      ...(this.tls
        ? [
          "SSLEngine on",
          `SSLCertificateFile ${this.cert!.crt}`,
          `SSLCertificateKeyFile ${this.cert!.key}`,
          `SSLSessionCache shmcb:${d}/ssl_scache(512000)`,
        ]
        : []),
      `DocumentRoot ${d}/root`,
      `<Directory ${d}/root>`,
      "  Dav On",
      "  Options +Indexes",
      "  AuthType Basic",
      '  AuthName "webdav"',
      `  AuthUserFile ${d}/htpasswd`,
      "  Require valid-user",
      "</Directory>",
    ];
    await Deno.writeTextFile(join(d, "httpd.conf"), lines.join("\n") + "\n");
  }

  /** Starts the server (again) on the same port and folder. */
  async resume(): Promise<void> {
    this.#proc = await startProcess(
      "/usr/sbin/apache2",
      ["-f", join(this.dir, "httpd.conf"), "-DFOREGROUND"],
      { ready: () => portOpen(this.port), name: "apache2" },
    );
  }

  /** Stops the server (all its processes); the folder stays until {@link dispose}. */
  async stop(): Promise<void> {
    await this.#proc?.stop();
    this.#proc = undefined;
  }

  /** Stops the server and removes its folder. */
  async dispose(): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
