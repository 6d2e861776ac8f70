/**
 * Starting real servers for tests: free ports, readiness waits, and stopping them for sure.
 *
 * Each server runs in its own process group (`setsid`); stopping it signals the group and every
 * descendant (sshd puts each login in a session of its own), so an open transfer really breaks.
 * Servers still running when the test process unloads are killed then too.
 */

/** A free TCP port on 127.0.0.1 (bound once and released; servers retry on a rare collision). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** True when 127.0.0.1:`port` accepts a TCP connection. */
export async function portOpen(port: number): Promise<boolean> {
  try {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    c.close();
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it returns true; throws `what` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A running server process. */
export interface ServerProcess {
  readonly pid: number;
  /** Stops the whole process group: TERM, up to 5 s grace, then KILL. Safe to call twice. */
  stop(): Promise<void>;
  /** The server's output so far (for failure messages). */
  log(): string;
}

/** Every process below `pid` (children first found by scanning /proc), deepest last. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e.name));
      children.set(ppid, list);
    } catch { /* exited meanwhile */ }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

const live = new Set<ServerProcess>();
globalThis.addEventListener("unload", () => {
  for (const s of live) {
    try {
      Deno.kill(-s.pid, "SIGKILL");
    } catch { /* already gone */ }
  }
});

/**
 * Starts `cmd args` in its own process group with output captured, then waits until `ready()`
 * is true. Fails (after stopping it) when the process exits first or readiness times out, with
 * the server's output in the message.
 */
export async function startProcess(
  cmd: string,
  args: string[],
  o: {
    ready: () => Promise<boolean>;
    env?: Record<string, string>;
    cwd?: string;
    name?: string;
    timeoutMs?: number;
  },
): Promise<ServerProcess> {
  const child = new Deno.Command("setsid", {
    args: [cmd, ...args],
    env: o.env,
    cwd: o.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const dec = new TextDecoder();
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) output = (output + dec.decode(c)).slice(-20_000);
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]).catch(() => {});
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  let stopped = false;
  const proc: ServerProcess = {
    pid: child.pid,
    log: () => output,
    async stop() {
      if (stopped) return;
      stopped = true;
      live.delete(proc);
      const kids = exited ? [] : descendants(child.pid);
      const signal = (sig: Deno.Signal) => {
        for (const p of [-child.pid, ...kids]) {
          try {
            Deno.kill(p, sig);
          } catch { /* gone */ }
        }
      };
      signal("SIGTERM");
      const t = setTimeout(() => signal("SIGKILL"), 5000);
      await status;
      clearTimeout(t);
      signal("SIGKILL"); // stragglers of the group
      await drained;
    },
  };
  live.add(proc);
  const name = o.name ?? cmd;
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`${name} exited before it was ready:\n${output}`);
        return await o.ready();
      },
      `${name} to be ready`,
      o.timeoutMs ?? 20_000,
    );
  } catch (err) {
    await proc.stop();
    if (err instanceof Error && !err.message.includes(output)) {
      err.message += `\n--- ${name} output ---\n${output}`;
    }
    throw err;
  }
  return proc;
}

/** Runs a command to completion; throws with its output when it fails. */
export async function run(
  cmd: string,
  args: string[],
  env?: Record<string, string>,
): Promise<string> {
  const r = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!r.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${r.code}):\n${dec.decode(r.stdout)}${
        dec.decode(r.stderr)
      }`,
    );
  }
  return dec.decode(r.stdout);
}
