/**
 * Real SFTP servers for tests, on free ports with all state in a temp folder:
 * OpenSSH `sshd` with key logins (ed25519 and an RSA key in PEM form) and `rclone serve sftp`
 * with a password login. Both can be stopped and started again on the same port and data.
 */
import { join } from "node:path";
import { freePort, portOpen, run, type ServerProcess, startProcess } from "./process.ts";

/** A running SFTP server and what a client needs to reach it. */
export interface SftpServer {
  port: number;
  user: string;
  /** Absolute path on the server of the folder tests may use. */
  root: string;
  /** The host's public key line (`type base64`). */
  hostKeyPub: string;
  /** The temp folder holding config, keys and data. */
  dir: string;
  /** `ssh://user@127.0.0.1:port<root>/<sub>` */
  url(sub: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  dispose(): Promise<void>;
}

async function waitBanner(port: number): Promise<boolean> {
  if (!(await portOpen(port))) return false;
  try {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      const buf = new Uint8Array(4);
      const n = await c.read(buf);
      return n === 4 && new TextDecoder().decode(buf) === "SSH-";
    } finally {
      c.close();
    }
  } catch {
    return false;
  }
}

function server(
  dir: string,
  port: number,
  user: string,
  root: string,
  hostKeyPub: string,
  launch: () => Promise<ServerProcess>,
  proc: ServerProcess,
): SftpServer {
  let current: ServerProcess | undefined = proc;
  return {
    port,
    user,
    root,
    dir,
    hostKeyPub,
    url: (sub) => `ssh://${user}@127.0.0.1:${port}${root}/${sub}`,
    async stop() {
      await current?.stop();
      current = undefined;
    },
    async start() {
      if (!current) current = await launch();
    },
    async dispose() {
      await current?.stop();
      current = undefined;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Key files of the sshd server's clients. */
export interface SshdServer extends SftpServer {
  /** OpenSSH-format ed25519 private key (no passphrase). */
  keyEd25519: string;
  /** PEM RSA private key (no passphrase). */
  keyRsa: string;
  /** An ed25519 key the server does not accept. */
  keyUnknown: string;
}

/** Starts OpenSSH sshd (root login by key only, internal-sftp) on a free port. */
export async function startSshd(): Promise<SshdServer> {
  const dir = await Deno.makeTempDir({ prefix: "sshd-" });
  const root = join(dir, "root");
  await Deno.mkdir(root);
  await Deno.mkdir("/run/sshd", { recursive: true });
  const keygen = (file: string, ...extra: string[]) =>
    run("ssh-keygen", ["-q", "-N", "", "-f", join(dir, file), ...extra]);
  await Promise.all([
    keygen("host_ed25519", "-t", "ed25519"),
    keygen("client_ed25519", "-t", "ed25519"),
    keygen("client_rsa", "-t", "rsa", "-b", "2048", "-m", "PEM"),
    keygen("unknown_ed25519", "-t", "ed25519"),
  ]);
  const pub = (f: string) => Deno.readTextFile(join(dir, f));
  await Deno.writeTextFile(
    join(dir, "authorized_keys"),
    (await pub("client_ed25519.pub")) + (await pub("client_rsa.pub")),
  );
  await Deno.chmod(join(dir, "authorized_keys"), 0o600);
  const user = Deno.env.get("USER") === "root" || Deno.uid?.() === 0
    ? "root"
    : (Deno.env.get("USER") ?? "root");
  const port = freePort();
  await Deno.writeTextFile(
    join(dir, "sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_ed25519")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "StrictModes no",
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      "PermitRootLogin prohibit-password",
      `AllowUsers ${user}`,
      "Subsystem sftp internal-sftp",
      "ForceCommand internal-sftp",
      "X11Forwarding no",
      "AllowTcpForwarding no",
      "MaxStartups 100:30:200",
      "MaxSessions 100",
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  const hostKeyPub = (await pub("host_ed25519.pub")).trim().split(" ").slice(0, 2).join(" ");
  const launch = () =>
    startProcess("/usr/sbin/sshd", ["-D", "-e", "-f", join(dir, "sshd_config")], {
      name: "sshd",
      ready: () => waitBanner(port),
    });
  try {
    const s = server(dir, port, user, root, hostKeyPub, launch, await launch());
    return {
      ...s,
      keyEd25519: join(dir, "client_ed25519"),
      keyRsa: join(dir, "client_rsa"),
      keyUnknown: join(dir, "unknown_ed25519"),
    };
  } catch (err) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
}

/** A password-login SFTP server. */
export interface PasswordSftpServer extends SftpServer {
  password: string;
}

/** Starts `rclone serve sftp` (user `test`, a password login) on a free port. */
export async function startRcloneSftp(password = "secret pass"): Promise<PasswordSftpServer> {
  const dir = await Deno.makeTempDir({ prefix: "rclone-sftp-" });
  const data = join(dir, "data");
  await Deno.mkdir(data);
  await run("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-f", join(dir, "host_ed25519")]);
  const hostKeyPub = (await Deno.readTextFile(join(dir, "host_ed25519.pub"))).trim()
    .split(" ").slice(0, 2).join(" ");
  await Deno.writeTextFile(join(dir, "rclone.conf"), "");
  const port = freePort();
  const launch = () =>
    startProcess("rclone", [
      "serve",
      "sftp",
      data,
      "--addr",
      `127.0.0.1:${port}`,
      "--user",
      "test",
      "--pass",
      password,
      "--key",
      join(dir, "host_ed25519"),
      "--config",
      join(dir, "rclone.conf"),
      "--log-level",
      "ERROR",
    ], { name: "rclone serve sftp", ready: () => waitBanner(port) });
  try {
    const s = server(dir, port, "test", "", hostKeyPub, launch, await launch());
    return { ...s, password };
  } catch (err) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
}
