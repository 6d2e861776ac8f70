/**
 * Starts pure-ftpd on 127.0.0.1 (a free control port and a free passive range) with one virtual
 * user and explicit TLS (AUTH TLS, optional unless `tlsRequired`). State lives in a temp folder;
 * nothing under /etc is touched. Needs the Debian package `pure-ftpd`. As root, pure-ftpd maps
 * the virtual user to `nobody` (it refuses uid 0), so the data folder is chowned to it.
 */
import { join } from "node:path";
import { freePort, portOpen, run, type ServerProcess, startProcess } from "./process.ts";
import { freePortRange, isRoot, makeCert, type TestCert } from "./util.ts";

const PASSIVE_PORTS = 20;

/** A running (or stopped) pure-ftpd owned by a test. */
export class PureFtpd {
  readonly user = "test";
  readonly pass = "secret";
  cert!: TestCert;
  #proc?: ServerProcess;
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly passiveBase: number,
    readonly tlsLevel: number,
  ) {}

  /** The user's home folder (the FTP root `/`). */
  get root(): string {
    return join(this.dir, "root");
  }

  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }

  /**
   * Configures and starts the server. `tlsRequired` refuses plain logins (pure-ftpd `-Y 2`);
   * otherwise TLS is offered but optional (`-Y 1`).
   */
  static async start(o: { tlsRequired?: boolean } = {}): Promise<PureFtpd> {
    const dir = await Deno.makeTempDir({ prefix: "pure-ftpd-" });
    await Deno.chmod(dir, 0o755);
    const s = new PureFtpd(dir, freePort(), freePortRange(PASSIVE_PORTS), o.tlsRequired ? 2 : 1);
    try {
      await s.configure();
      await s.resume();
    } catch (e) {
      await s.dispose();
      throw e;
    }
    return s;
  }

  private async configure(): Promise<void> {
    const d = this.dir;
    await Deno.mkdir(this.root);
    const uid = isRoot() ? (await run("id", ["-u", "nobody"])).trim() : String(Deno.uid());
    const gid = isRoot() ? (await run("id", ["-g", "nobody"])).trim() : String(Deno.gid());
    if (isRoot()) await run("chown", ["-R", `${uid}:${gid}`, this.root]);
    // A sha512-crypt line written directly: `pure-pw useradd` hashes with argon2id so slowly
    // that every login takes about 2 s.
    const hash = (await run("openssl", ["passwd", "-6", this.pass])).trim();
    await Deno.writeTextFile(
      join(d, "pureftpd.passwd"),
      `${this.user}:${hash}:${uid}:${gid}::${this.root}/./::::::::::::\n`,
    );
    await run("pure-pw", ["mkdb", join(d, "pureftpd.pdb"), "-f", join(d, "pureftpd.passwd")]);
    this.cert = await makeCert(d);
  }

  /** Starts the server (again) on the same ports and folder. */
  async resume(): Promise<void> {
    const d = this.dir;
    this.#proc = await startProcess("pure-ftpd", [
      "-S",
      `127.0.0.1,${this.port}`,
      "-l",
      `puredb:${d}/pureftpd.pdb`,
      "-E", // no anonymous logins
      "-A", // chroot everyone
      "-H", // no DNS lookups
      "-u",
      "1",
      "-p",
      `${this.passiveBase}:${this.passiveBase + PASSIVE_PORTS - 1}`,
      "-P",
      "127.0.0.1",
      "-c",
      "50",
      "-C",
      "50",
      "-Y",
      String(this.tlsLevel),
      "-2",
      this.cert.both,
    ], { ready: () => portOpen(this.port), name: "pure-ftpd" });
  }

  /** Stops the server and every open session (each session is a child in its process group). */
  async stop(): Promise<void> {
    await this.#proc?.stop();
    this.#proc = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
