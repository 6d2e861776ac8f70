/**
 * Starts OpenStack Swift with the s3api middleware (a real S3 implementation: it checks SigV4,
 * makes real multipart ETags) on 127.0.0.1: memcached, the object, container and account servers
 * and the proxy, each on a free port, all state in a temp folder (nothing under /etc/swift).
 * Needs the Debian packages `python3-swift` and `memcached`; runs with /usr/bin/python3.
 * Starting takes a few seconds, so start it once per test file.
 */
import { join } from "node:path";
import { freePort, portOpen, run, type ServerProcess, startProcess } from "./process.ts";

const LAUNCHER = `
import sys
DIR, ROLE = sys.argv[1], sys.argv[2]
from swift.common import utils
utils.set_swift_dir(DIR)
from swift.common import storage_policy
storage_policy.reload_storage_policies()
if ROLE == "rings":
    from swift.common.ring import RingBuilder
    ports = [int(p) for p in sys.argv[3:6]]
    for name, port in zip(("object", "container", "account"), ports):
        b = RingBuilder(6, 1, 1)
        b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port,
                   "device": "d1", "weight": 100, "meta": ""})
        b.rebalance()
        b.get_ring().save(f"{DIR}/{name}.ring.gz")
    sys.exit(0)
from swift.common.wsgi import run_wsgi
kwargs = {}
if ROLE == "object":
    from swift.obj import server as objserver
    kwargs["global_conf_callback"] = objserver.global_conf_callback
sys.exit(run_wsgi(f"{DIR}/{ROLE}-server.conf", ROLE + "-server", **kwargs))
`;

/** A running Swift + s3api owned by a test. */
export class SwiftS3 {
  #procs = new Map<string, ServerProcess>();
  readonly accessKey = "test:tester";
  readonly secretKey = "testing";
  readonly region = "us-east-1";
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly ports: { object: number; container: number; account: number; memcached: number },
  ) {}

  /** `127.0.0.1:port`, for `--s3-server-name`. */
  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }

  get endpoint(): string {
    return `http://${this.hostPort}`;
  }

  /**
   * Starts everything and waits for the proxy's health check. `storageDomain` enables
   * virtual-host addressing (`bucket.<domain>` in the Host header).
   */
  static async start(o: { storageDomain?: string } = {}): Promise<SwiftS3> {
    const dir = await Deno.makeTempDir({ prefix: "swift-s3-" });
    const s = new SwiftS3(dir, freePort(), {
      object: freePort(),
      container: freePort(),
      account: freePort(),
      memcached: freePort(),
    });
    try {
      await s.configure(o.storageDomain);
      await s.launch();
    } catch (e) {
      await s.dispose();
      throw e;
    }
    return s;
  }

  private async configure(storageDomain?: string): Promise<void> {
    const d = this.dir;
    for (const sub of ["srv/d1", "run", "cache"]) {
      await Deno.mkdir(join(d, sub), { recursive: true });
    }
    const user = (await run("id", ["-un"])).trim();
    await Deno.writeTextFile(
      join(d, "swift.conf"),
      `[swift-hash]\nswift_hash_path_suffix = throwaway-${crypto.randomUUID()}\n` +
        "[storage-policy:0]\nname = Policy-0\ndefault = yes\n",
    );
    const common = (port: number) =>
      [
        "[DEFAULT]",
        "bind_ip = 127.0.0.1",
        `bind_port = ${port}`,
        `swift_dir = ${d}`,
        `devices = ${d}/srv`,
        "mount_check = false",
        "disable_fallocate = true",
        `user = ${user}`,
        "workers = 1",
        "log_name = swift",
        "log_level = WARNING",
        "log_udp_host =",
        "",
      ].join("\n");
    for (const role of ["object", "container", "account"] as const) {
      await Deno.writeTextFile(
        join(d, `${role}-server.conf`),
        common(this.ports[role]) +
          `[pipeline:main]\npipeline = ${role}-server\n[app:${role}-server]\nuse = egg:swift#${role}\n`,
      );
    }
    const filters = [
      "catch_errors",
      "gatekeeper",
      "healthcheck",
      "listing_formats",
      "copy",
      "slo",
      "dlo",
    ].map((f) => `[filter:${f}]\nuse = egg:swift#${f}\n`).join("");
    await Deno.writeTextFile(
      join(d, "proxy-server.conf"),
      common(this.port) +
        "[pipeline:main]\npipeline = catch_errors gatekeeper healthcheck proxy-logging cache " +
        "listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server\n" +
        "[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n" +
        "allow_account_management = true\n" +
        "[filter:s3api]\nuse = egg:swift#s3api\nlocation = us-east-1\ns3_acl = false\n" +
        "dns_compliant_bucket_names = true\ncheck_bucket_owner = false\n" +
        "max_upload_part_num = 10000\nmin_segment_size = 5242880\n" +
        (storageDomain ? `storage_domain = ${storageDomain}\n` : "") +
        `[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = 127.0.0.1:${this.ports.memcached}\n` +
        "[filter:tempauth]\nuse = egg:swift#tempauth\nuser_test_tester = testing .admin\n" +
        "[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n" + filters,
    );
    await Deno.writeTextFile(join(d, "launch.py"), LAUNCHER);
    await run("/usr/bin/python3", [
      join(d, "launch.py"),
      d,
      "rings",
      String(this.ports.object),
      String(this.ports.container),
      String(this.ports.account),
    ]);
  }

  private async launch(): Promise<void> {
    const user = (await run("id", ["-un"])).trim();
    const mc = this.ports.memcached;
    this.#procs.set(
      "memcached",
      await startProcess(
        "memcached",
        ["-l", "127.0.0.1", "-p", String(mc), "-U", "0", "-m", "64", "-u", user],
        { ready: () => portOpen(mc), name: "memcached" },
      ),
    );
    await Promise.all(
      (["object", "container", "account"] as const).map((role) =>
        this.#spawn(role, () => portOpen(this.ports[role]))
      ),
    );
    await this.#spawn("proxy", () => this.#healthy());
  }

  async #healthy(): Promise<boolean> {
    try {
      const r = await fetch(`${this.endpoint}/healthcheck`, { signal: AbortSignal.timeout(2000) });
      await r.body?.cancel();
      return r.status === 200;
    } catch {
      return false;
    }
  }

  async #spawn(role: string, ready: () => Promise<boolean>): Promise<void> {
    const p = await startProcess(
      "/usr/bin/python3",
      [join(this.dir, "launch.py"), this.dir, role],
      {
        ready,
        name: `swift ${role} server`,
        timeoutMs: 60_000,
      },
    );
    this.#procs.set(role, p);
  }

  /** Stops every process (the proxy first). */
  async stop(): Promise<void> {
    for (const role of ["proxy", "account", "container", "object", "memcached"]) {
      await this.#procs.get(role)?.stop();
      this.#procs.delete(role);
    }
  }

  /** Stops only the S3 endpoint (the proxy), to cut a transfer short. */
  async stopProxy(): Promise<void> {
    await this.#procs.get("proxy")?.stop();
    this.#procs.delete("proxy");
  }

  /** Starts the S3 endpoint again after {@link stopProxy}. */
  async resumeProxy(): Promise<void> {
    await this.#spawn("proxy", () => this.#healthy());
  }

  async dispose(): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
