/**
 * Runs a child process and measures it: wall time, CPU time (user + sys of the child and its
 * descendants) and peak RSS.
 *
 * With GNU time (/usr/bin/time) the child runs as `/usr/bin/time -f '%e %U %S %M' -o <tmp> cmd…`
 * (peak RSS = ru_maxrss, the largest single process). Without it, it runs under bash's `time`
 * keyword (TIMEFORMAT) and the peak RSS comes from polling VmHWM in /proc/<pid>/status of the
 * process tree every 50 ms.
 */

export interface Measured {
  /** "ok", "failed" (unexpected exit code), "timeout", "skipped", or "error" (could not start). */
  status: "ok" | "failed" | "timeout" | "skipped" | "error";
  code: number | null;
  wallS: number;
  userS: number | null;
  sysS: number | null;
  cpuS: number | null;
  rssMB: number | null;
  /** Last lines of stderr (and stdout) when the run did not succeed, or a note. */
  note?: string;
  /** Last lines of stderr (always; callers may inspect and drop it). */
  stderrTail?: string;
}

export interface MeasureOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutS: number;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
}

const GNU_TIME = "/usr/bin/time";

let gnuTime: boolean | null = null;

/** True when /usr/bin/time is GNU time (supports -f and -o). Set BENCH_NO_GNU_TIME=1 to test the fallback. */
export function hasGnuTime(): boolean {
  if (gnuTime !== null) return gnuTime;
  gnuTime = false;
  if (Deno.env.get("BENCH_NO_GNU_TIME")) return gnuTime;
  try {
    const r = new Deno.Command(GNU_TIME, {
      args: ["-f", "%e %U %S %M", "true"],
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    gnuTime = r.success &&
      /^[\d.]+ [\d.]+ [\d.]+ \d+\s*$/m.test(new TextDecoder().decode(r.stderr));
  } catch {
    gnuTime = false;
  }
  return gnuTime;
}

/** Pids of all descendants of `pid` (children first, then their children…). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    let tasks: string[] = [];
    try {
      tasks = [...Deno.readDirSync(`/proc/${p}/task`)].map((e) => e.name);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const kids = Deno.readTextFileSync(`/proc/${p}/task/${t}/children`).trim();
        for (const k of kids ? kids.split(/\s+/) : []) {
          const c = Number(k);
          if (!out.includes(c)) {
            out.push(c);
            queue.push(c);
          }
        }
      } catch { /* gone */ }
    }
  }
  return out;
}

/** Kills a process we started and all its descendants (deepest first), by pid. */
export function killTree(pid: number): void {
  const all = [pid, ...descendants(pid)];
  for (const p of all.reverse()) {
    try {
      Deno.kill(p, "SIGKILL");
    } catch { /* already gone */ }
  }
}

function vmHwmKB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+)\s*kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function tail(s: string, lines = 25): string {
  const ls = s.trimEnd().split("\n");
  return ls.slice(-lines).join("\n");
}

/** Runs `cmd` and measures it. Never throws for a failing child. */
export async function measure(cmd: string[], o: MeasureOptions): Promise<Measured> {
  const okCodes = o.okCodes ?? [0];
  const timeFile = await Deno.makeTempFile({ prefix: "bench-time-" });
  const gnu = hasGnuTime();
  const args = gnu
    ? ["-f", "%e %U %S %M", "-o", timeFile, ...cmd]
    : ["-c", 'exec 4>&2; { time "$@" 2>&4 4>&-; } 2>"$BENCH_TIME_FILE"', "bench-time", ...cmd];
  const env: Record<string, string> = { ...o.env };
  if (!gnu) {
    env.TIMEFORMAT = "%R %U %S";
    env.BENCH_TIME_FILE = timeFile;
  }
  const t0 = performance.now();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(gnu ? GNU_TIME : "bash", {
      args,
      cwd: o.cwd,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    await Deno.remove(timeFile).catch(() => {});
    return {
      status: "error",
      code: null,
      wallS: 0,
      userS: null,
      sysS: null,
      cpuS: null,
      rssMB: null,
      note: String(e),
    };
  }
  let timedOut = false;
  let peakKB = 0;
  const poll = gnu ? undefined : setInterval(() => {
    for (const p of [child.pid, ...descendants(child.pid)]) peakKB = Math.max(peakKB, vmHwmKB(p));
  }, 50);
  const timer = setTimeout(() => {
    timedOut = true;
    killTree(child.pid);
  }, o.timeoutS * 1000);
  const out = await child.output();
  const wallS = (performance.now() - t0) / 1000;
  clearTimeout(timer);
  if (poll !== undefined) clearInterval(poll);

  let userS: number | null = null, sysS: number | null = null, rssMB: number | null = null;
  try {
    const lines = (await Deno.readTextFile(timeFile)).trim().split("\n");
    const last = lines[lines.length - 1].trim().split(/\s+/).map(Number);
    if (last.length >= 3 && last.every((x) => Number.isFinite(x))) {
      userS = last[1];
      sysS = last[2];
      if (gnu && last.length >= 4) rssMB = last[3] / 1024;
    }
  } catch { /* no timing */ }
  await Deno.remove(timeFile).catch(() => {});
  if (!gnu && peakKB > 0) rssMB = peakKB / 1024;

  const code = out.code;
  const dec = new TextDecoder();
  const status: Measured["status"] = timedOut
    ? "timeout"
    : okCodes.includes(code)
    ? "ok"
    : "failed";
  const res: Measured = {
    status,
    code,
    wallS,
    userS,
    sysS,
    cpuS: userS !== null && sysS !== null ? userS + sysS : null,
    rssMB,
  };
  const err = tail(dec.decode(out.stderr));
  res.stderrTail = err;
  if (status !== "ok") {
    const so = tail(dec.decode(out.stdout), 10);
    res.note = (timedOut ? `killed after ${o.timeoutS} s\n` : `exit code ${code}\n`) +
      (err ? `stderr:\n${err}\n` : "") + (so ? `stdout:\n${so}` : "");
  }
  return res;
}

/** A placeholder result for a step that was not run. */
export function skipped(note: string): Measured {
  return {
    status: "skipped",
    code: null,
    wallS: 0,
    userS: null,
    sysS: null,
    cpuS: null,
    rssMB: null,
    note,
  };
}
