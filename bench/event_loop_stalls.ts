/**
 * How long a backup holds the event loop, measured so that the machine's load does not count:
 * runs the engine's backup in this process and, with a 1 ms timer, records each gap between two
 * turns of the event loop both as wall time and as CPU time of the main thread
 * (CLOCK_THREAD_CPUTIME_ID through FFI; Linux). A gap's CPU time is how long synchronous work held
 * the loop; its wall time adds whatever the operating system gave to other processes meanwhile.
 *
 * Runs `--repeat` pairs, interleaved: one with the server's event loop budget
 * (core/event_loop.ts) and one with yielding switched off (a budget of 10^9 ms), each into a fresh
 * destination and database. Prints per run the wall and main-thread CPU time and the gaps' p50/p99/
 * max, and writes bench/work/event-loop-stalls-<date>.json.
 *
 *   deno run -A bench/event_loop_stalls.ts [--set=mixed] [--scale=0.25] [--seed=1] [--repeat=2]
 */
import { backup } from "../src/engine/backup.ts";
import { OptionValues } from "../src/core/option_values.ts";
import { FilterList } from "../src/core/filters.ts";
import { eventLoopBudget, setEventLoopBudget } from "../src/core/event_loop.ts";
import { tuneAllocator } from "../src/core/memory.ts";
import { SERVER_EVENT_LOOP_BUDGET_MS } from "../src/server/server.ts";
import { defaultWorkDir, ensureDataSet, type SetName } from "./datasets.ts";
import { rmrf } from "./tree.ts";

const args = Object.fromEntries(
  Deno.args.map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]),
);
const setName = (args.set ?? "mixed") as SetName;
const scale = Number(args.scale ?? "0.25");
const seed = Number(args.seed ?? "1");
const repeat = Math.max(1, Number(args.repeat ?? "2"));
const OFF = 1e9;
const CLOCK_THREAD_CPUTIME_ID = 3;

/** CPU time of the calling thread in ms, or undefined where it cannot be read. */
function threadCpuClock(): (() => number) | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    const libc = Deno.dlopen("libc.so.6", {
      clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
    });
    const ts = new BigInt64Array(2);
    return () => {
      libc.symbols.clock_gettime(CLOCK_THREAD_CPUTIME_ID, ts);
      return Number(ts[0]) * 1000 + Number(ts[1]) / 1e6;
    };
  } catch {
    return undefined;
  }
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))] ?? NaN;
}

function gapStats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return {
    p50: round(pct(s, 50)),
    p99: round(pct(s, 99)),
    max: round(s.at(-1) ?? NaN),
    over30: s.filter((x) => x > 30).length,
  };
}

async function measuredBackup(root: string, dir: string, cpuNow: () => number) {
  const wallGaps: number[] = [];
  const cpuGaps: number[] = [];
  let lastWall = performance.now();
  let lastCpu = cpuNow();
  let running = true;
  const tick = () => {
    const w = performance.now();
    const c = cpuNow();
    wallGaps.push(w - lastWall);
    cpuGaps.push(c - lastCpu);
    lastWall = w;
    lastCpu = c;
    if (running) setTimeout(tick, 1);
  };
  const timer = setTimeout(tick, 1);
  const t0 = performance.now();
  const c0 = cpuNow();
  try {
    const r = await backup({
      url: `file://${dir}/repo`,
      sources: [root + "/"],
      options: new OptionValues({ passphrase: "bench-pass", dbpath: `${dir}/db.sqlite` }),
      filters: FilterList.fromArgs([]),
    });
    if (r.exitCode !== 0) throw new Error(`backup ended with exit code ${r.exitCode}`);
  } finally {
    running = false;
    clearTimeout(timer);
  }
  return {
    wallS: round((performance.now() - t0) / 1000, 2),
    mainThreadCpuS: round((cpuNow() - c0) / 1000, 2),
    gapCpuMs: gapStats(cpuGaps),
    gapWallMs: gapStats(wallGaps),
  };
}

async function main() {
  const cpuNow = threadCpuClock();
  if (!cpuNow) {
    console.error("This bench needs Linux (the main thread's CPU clock is read through libc).");
    Deno.exit(2);
  }
  tuneAllocator();
  const workDir = defaultWorkDir();
  const ds = ensureDataSet(setName, seed, scale, workDir);
  const run = `${workDir}/run/event-loop-stalls`;
  rmrf(run);
  console.log(
    `Data: ${ds.manifest.files} files, ${(ds.manifest.bytes / 1e6).toFixed(1)} MB; ` +
      `budget ${SERVER_EVENT_LOOP_BUDGET_MS} ms (server) against none; ${repeat} pair(s)`,
  );
  console.log(
    "budget   wall s  main CPU s  gap CPU ms p50/p99/max (>30)   gap wall ms p50/p99/max (>30)",
  );
  const before = eventLoopBudget();
  const runs: Record<string, unknown>[] = [];
  try {
    let i = 0;
    for (let rep = 0; rep < repeat; rep++) {
      for (const budget of [SERVER_EVENT_LOOP_BUDGET_MS, OFF]) {
        const dir = `${run}/${i++}`;
        Deno.mkdirSync(dir, { recursive: true });
        setEventLoopBudget(budget);
        const m = await measuredBackup(ds.root, dir, cpuNow);
        rmrf(dir);
        runs.push({ budgetMs: budget === OFF ? null : budget, ...m });
        const g = (s: ReturnType<typeof gapStats>) => `${s.p50}/${s.p99}/${s.max} (${s.over30})`;
        console.log(
          `${(budget === OFF ? "none" : `${budget} ms`).padEnd(8)} ${
            String(m.wallS).padStart(6)
          }  ${String(m.mainThreadCpuS).padStart(10)}  ${g(m.gapCpuMs).padEnd(31)} ${
            g(m.gapWallMs)
          }`,
        );
      }
    }
  } finally {
    setEventLoopBudget(before);
    rmrf(run);
  }
  const date = new Date().toISOString();
  const file = `${workDir}/event-loop-stalls-${date.slice(0, 19).replaceAll(":", "")}.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify(
      { date, set: setName, scale, seed, files: ds.manifest.files, bytes: ds.manifest.bytes, runs },
      null,
      2,
    ) + "\n",
  );
  console.log(`Written to ${file}`);
}

await main();
