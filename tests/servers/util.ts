/**
 * Small tools for the test-server start helpers: free ports, readiness waits, stopping a process
 * by its pid (never by name), a throwaway TLS certificate for 127.0.0.1.
 */
import { join } from "node:path";

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** `count` consecutive free ports (for passive FTP ranges and multi-port servers). */
export function freePortRange(count: number): number {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 40000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = portFree(p);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** Waits until 127.0.0.1:`port` accepts a TCP connection. */
export async function waitPort(port: number, timeoutMs = 20_000, what = "server"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (true) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      if (Date.now() > end) throw new Error(`${what} did not listen on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Waits until `url` answers with any HTTP status. */
export async function waitHttp(url: string, timeoutMs = 30_000, init?: RequestInit): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (true) {
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
      await r.body?.cancel();
      return;
    } catch {
      if (Date.now() > end) throw new Error(`${url} did not answer`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/**
 * TERM, wait up to 5 s, then KILL. Quiet when the process is already gone. `group` signals the
 * whole process group led by `pid` (a daemon and the per-connection children it forked).
 */
export async function stopPid(pid: number, group = false): Promise<void> {
  const target = group ? -pid : pid;
  try {
    Deno.kill(target, "SIGTERM");
  } catch {
    return;
  }
  for (let i = 0; i < 50 && alive(target); i++) await new Promise((r) => setTimeout(r, 100));
  try {
    Deno.kill(target, "SIGKILL");
  } catch { /* gone */ }
}

/** Stops the process whose pid is in `pidFile` (and its group if `group`), removes the file. */
export async function stopPidFile(pidFile: string, group = false): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(pidFile);
  } catch {
    return;
  }
  const pid = Number(text.trim());
  if (pid > 1) await stopPid(pid, group);
  await Deno.remove(pidFile).catch(() => {});
}

/** Waits until a daemon has written its pid file (daemons write it once they listen). */
export async function waitFile(path: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (true) {
    try {
      if ((await Deno.readTextFile(path)).trim()) return;
    } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`${path} did not appear`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs a program to completion; throws with its output when it fails. */
export async function run(cmd: string, args: string[], env?: Record<string, string>) {
  const r = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!r.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${dec.decode(r.stderr)}${dec.decode(r.stdout)}`,
    );
  }
  return dec.decode(r.stdout);
}

/** A certificate for 127.0.0.1 in `dir`. */
export interface TestCert {
  /** The certificate alone (what a client trusts as its CA). */
  crt: string;
  /** The private key alone. */
  key: string;
  /** Key and certificate in one file (what pure-ftpd reads). */
  both: string;
  /** SHA-1 fingerprint, upper-case hex without separators (Duplicati's ssl hash form). */
  sha1: string;
}

/**
 * Makes a self-signed certificate for 127.0.0.1. CA:FALSE and serverAuth, because Deno's TLS
 * client refuses a self-signed CA certificate used as the server's own.
 */
export async function makeCert(dir: string): Promise<TestCert> {
  const key = join(dir, "key.pem"), crt = join(dir, "crt.pem"), both = join(dir, "cert.pem");
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-addext",
    "extendedKeyUsage=serverAuth",
    "-keyout",
    key,
    "-out",
    crt,
  ]);
  await Deno.writeTextFile(both, (await Deno.readTextFile(key)) + (await Deno.readTextFile(crt)));
  await Deno.chmod(key, 0o600);
  await Deno.chmod(both, 0o600);
  const fp = await run("openssl", ["x509", "-in", crt, "-noout", "-fingerprint", "-sha1"]);
  const sha1 = fp.split("=")[1].trim().replaceAll(":", "").toUpperCase();
  return { crt, key, both, sha1 };
}

/** Whether the tests run as root (servers then drop to www-data/nobody and need chowns). */
export function isRoot(): boolean {
  return Deno.uid() === 0;
}
