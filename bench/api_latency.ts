/**
 * API latency while a backup runs, and the same backup through the server and the CLI.
 *
 * Starts the server (`main.ts server`, a separate process as in use, with the program's V8 flags),
 * stores five idle backup configurations (schedules anchored a year ahead, so none of them runs),
 * then `--repeat` times, interleaved:
 * - server: stores a backup of the generated set with a fresh destination, runs it, and times
 *   `GET /api/v1/backups` and `GET /api/v1/progressstate` one request after the other until it
 *   ends; records the backup's wall time (request to end) and the server's CPU time (user + sys
 *   of all its threads, from /proc) during the run;
 * - CLI: `main.ts backup` of the same set into a fresh destination and database, wall and CPU time.
 * Before the first run it times 200 of each request while the server is idle. Prints p50/p90/p99/
 * max per route and state, the backup times as min–max (median), and writes everything to
 * bench/work/api-latency-<date>.json.
 *
 *   deno run -A bench/api_latency.ts [--set=mixed] [--scale=0.25] [--seed=1] [--repeat=3]
 *                                    [--poll-gap=10]
 */
import { fileURLToPath } from "node:url";
import { V8_FLAGS } from "../src/core/memory.ts";
import { defaultWorkDir, ensureDataSet, type SetName } from "./datasets.ts";
import { measure } from "./measure.ts";
import { rmrf } from "./tree.ts";

const args = Object.fromEntries(
  Deno.args.map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]),
);
const setName = (args.set ?? "mixed") as SetName;
const scale = Number(args.scale ?? "0.25");
const seed = Number(args.seed ?? "1");
const repeat = Math.max(1, Number(args.repeat ?? "3"));
/** Pause between two rounds of requests during a backup (ms). */
const pollGap = Math.max(0, Number(args["poll-gap"] ?? "10"));
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const DENO_FLAGS = ["run", "-A", `--v8-flags=${V8_FLAGS.join(",")}`];
const PASSWORD = "bench-password";
const PASSPHRASE = "bench-pass";
const ROUTES = ["/backups", "/progressstate"] as const;
type Route = typeof ROUTES[number];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))];
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: round(percentile(s, 50)),
    p90: round(percentile(s, 90)),
    p99: round(percentile(s, 99)),
    max: round(s[s.length - 1] ?? NaN),
  };
}

/** min, median and max of a few repeated measurements. */
function spread(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return {
    min: round(s[0], 1),
    median: round(s[Math.floor(s.length / 2)], 1),
    max: round(s.at(-1)!, 1),
  };
}

function fmtSpread(xs: number[], unit = "s"): string {
  const s = spread(xs);
  return xs.length === 1 ? `${s.min} ${unit}` : `${s.min}–${s.max} ${unit} (median ${s.median})`;
}

/** CPU seconds (user + sys, all threads) a process has used so far. */
function cpuSeconds(pid: number): { user: number; sys: number } {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of proc(5) (utime, stime), in clock ticks of 1/100 s on Linux.
  return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}

interface ServerRun {
  wallS: number;
  taskS: number;
  cpuS: number;
  userS: number;
  sysS: number;
  status: string;
  latency: Record<Route, ReturnType<typeof stats>>;
}

interface CliRun {
  wallS: number;
  cpuS: number | null;
  rssMB: number | null;
  status: string;
}

async function main() {
  const workDir = defaultWorkDir();
  const ds = ensureDataSet(setName, seed, scale, workDir);
  const run = `${workDir}/run/api-latency`;
  rmrf(run);
  Deno.mkdirSync(`${run}/empty`, { recursive: true });
  const mb = ds.manifest.bytes / 1e6;
  console.log(
    `Data: ${ds.manifest.files} files, ${mb.toFixed(1)} MB (${setName}, scale ${scale}); ` +
      `${repeat} run(s) each through the server and the CLI; load average ${loadAverage()}`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...DENO_FLAGS,
      MAIN,
      "server",
      `--server-datafolder=${run}/data`,
      "--webservice-port=0",
      `--webservice-password=${PASSWORD}`,
    ],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(
    new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>,
  ).getReader();
  let out = "";
  while (!/port (\d+)/.test(out)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server ended: ${out}`);
    out += value;
  }
  const base = `http://127.0.0.1:${out.match(/port (\d+)/)![1]}/api/v1`;
  const drain = (async () => {
    while (!(await reader.read()).done) { /* keep the pipe flowing */ }
  })();
  try {
    const login = await (await fetch(`${base}/auth/login`, {
      method: "POST",
      body: JSON.stringify({ Password: PASSWORD }),
    })).json();
    const headers = { Authorization: `Bearer ${login.AccessToken}` };
    const call = async (path: string, init: RequestInit = {}) => {
      const t0 = performance.now();
      const r = await fetch(base + path, { ...init, headers: { ...headers, ...init.headers } });
      const body = await r.json();
      const ms = performance.now() - t0;
      // No task running: /progressstate answers 404 "No active backup", as Duplicati does.
      const idleProgress = r.status === 404 && path === "/progressstate";
      if (!r.ok && !idleProgress) throw new Error(`${path}: ${r.status} ${JSON.stringify(body)}`);
      return { ms, body };
    };
    /** Fails when anything runs or waits: the numbers would not be about our backup. */
    const assertQueueEmpty = async (when: string) => {
      const s = (await call("/serverstate")).body;
      if (s.ActiveTask !== null || s.SchedulerQueueIds.length > 0) {
        throw new Error(`${when}, the server is busy: ${JSON.stringify(s)}`);
      }
    };
    // Five more configurations so the list has some weight. Their schedules start a year from
    // now: an anchor in the past counts as a missed run, which the server starts at once.
    const anchor = new Date(Date.now() + 365 * 86_400_000).toISOString();
    for (let i = 0; i < 5; i++) {
      await call("/backups", {
        method: "POST",
        body: JSON.stringify({
          Backup: {
            Name: `other ${i}`,
            TargetURL: `file://${run}/other${i}`,
            Sources: [`${run}/empty/`],
          },
          Schedule: { Repeat: "1D", Time: anchor },
        }),
      });
    }
    await assertQueueEmpty("Before the idle measurement");
    const idle: Record<Route, number[]> = { "/backups": [], "/progressstate": [] };
    for (let i = 0; i < 200; i++) for (const r of ROUTES) idle[r].push((await call(r)).ms);

    const busyAll: Record<Route, number[]> = { "/backups": [], "/progressstate": [] };
    const serverRuns: ServerRun[] = [];
    const cliRuns: CliRun[] = [];
    for (let rep = 1; rep <= repeat; rep++) {
      await assertQueueEmpty(`Before server run ${rep}`);
      const id = (await call("/backups", {
        method: "POST",
        body: JSON.stringify({
          Backup: {
            Name: `bench ${rep}`,
            TargetURL: `file://${run}/server-repo-${rep}`,
            Sources: [ds.root + "/"],
            Settings: [{ Name: "passphrase", Value: PASSPHRASE }],
          },
        }),
      })).body.ID;
      const busy: Record<Route, number[]> = { "/backups": [], "/progressstate": [] };
      const cpu0 = cpuSeconds(child.pid);
      const t0 = performance.now();
      const taskId = (await call(`/backup/${id}/run`, { method: "POST" })).body.ID;
      let task = { Status: "Waiting" } as Record<string, unknown>;
      while (task.Status === "Waiting" || task.Status === "Running") {
        for (const r of ROUTES) {
          const { ms, body } = await call(r);
          if (r === "/progressstate" && body.TaskID !== undefined && body.TaskID !== taskId) {
            throw new Error(`Another task (${body.TaskID}) ran during the measurement`);
          }
          busy[r].push(ms);
        }
        task = (await call(`/task/${taskId}`)).body;
        if (pollGap > 0) await new Promise((res) => setTimeout(res, pollGap));
      }
      const wallS = (performance.now() - t0) / 1000;
      const cpu1 = cpuSeconds(child.pid);
      if (task.Status !== "Completed") {
        throw new Error(`Server run ${rep} ended ${task.Status}: ${task.ErrorMessage}`);
      }
      const taskS = (Date.parse(String(task.TaskFinished)) - Date.parse(String(task.TaskStarted))) /
        1000;
      for (const r of ROUTES) busyAll[r].push(...busy[r]);
      const sr: ServerRun = {
        wallS: round(wallS),
        taskS: round(taskS),
        userS: round(cpu1.user - cpu0.user),
        sysS: round(cpu1.sys - cpu0.sys),
        cpuS: round(cpu1.user - cpu0.user + cpu1.sys - cpu0.sys),
        status: String(task.Status),
        latency: {
          "/backups": stats(busy["/backups"]),
          "/progressstate": stats(busy["/progressstate"]),
        },
      };
      serverRuns.push(sr);
      rmrf(`${run}/server-repo-${rep}`);

      const cli = await measure([
        Deno.execPath(),
        ...DENO_FLAGS,
        MAIN,
        "backup",
        `file://${run}/cli-repo-${rep}`,
        ds.root + "/",
        `--passphrase=${PASSPHRASE}`,
        `--dbpath=${run}/cli-db-${rep}.sqlite`,
      ], { timeoutS: 600, okCodes: [0, 2], env: { NO_COLOR: "1" } });
      if (cli.status !== "ok") throw new Error(`CLI run ${rep} failed: ${cli.note}`);
      cliRuns.push({
        wallS: round(cli.wallS),
        cpuS: cli.cpuS === null ? null : round(cli.cpuS),
        rssMB: cli.rssMB === null ? null : round(cli.rssMB, 0),
        status: cli.status,
      });
      rmrf(`${run}/cli-repo-${rep}`);
      console.log(
        `run ${rep}: server ${sr.wallS} s wall (task ${sr.taskS} s), ${sr.cpuS} s CPU; ` +
          `CLI ${cliRuns.at(-1)!.wallS} s wall, ${cliRuns.at(-1)!.cpuS} s CPU; ` +
          `p99 /progressstate ${sr.latency["/progressstate"].p99} ms; load ${loadAverage()}`,
      );
    }

    const result = {
      date: new Date().toISOString(),
      set: setName,
      scale,
      seed,
      files: ds.manifest.files,
      bytes: ds.manifest.bytes,
      repeat,
      pollGapMs: pollGap,
      loadAverageAtEnd: loadAverage(),
      server: serverRuns,
      cli: cliRuns,
      summary: {
        serverWallS: spread(serverRuns.map((r) => r.wallS)),
        serverCpuS: spread(serverRuns.map((r) => r.cpuS)),
        cliWallS: spread(cliRuns.map((r) => r.wallS)),
        cliCpuS: spread(cliRuns.map((r) => r.cpuS ?? NaN)),
      },
      idle: Object.fromEntries(ROUTES.map((r) => [r, stats(idle[r])])),
      duringBackup: Object.fromEntries(ROUTES.map((r) => [r, stats(busyAll[r])])),
    };
    console.log("");
    console.log(`Backup of ${ds.manifest.files} files (${mb.toFixed(1)} MB), ${repeat} run(s):`);
    console.log(
      `  server: ${fmtSpread(serverRuns.map((r) => r.wallS))} wall, ` +
        `${fmtSpread(serverRuns.map((r) => r.cpuS))} CPU (user+sys)`,
    );
    console.log(
      `  CLI:    ${fmtSpread(cliRuns.map((r) => r.wallS))} wall, ` +
        `${fmtSpread(cliRuns.map((r) => r.cpuS ?? NaN))} CPU (user+sys, incl. start-up)`,
    );
    console.log("");
    console.log("route            state    n      p50 ms  p90 ms  p99 ms  max ms");
    for (const [label, data] of [["idle", result.idle], ["backup", result.duringBackup]] as const) {
      for (const r of ROUTES) {
        const s = data[r];
        console.log(
          `${r.padEnd(16)} ${label.padEnd(8)} ${String(s.n).padEnd(6)} ${
            String(s.p50).padStart(7)
          } ${String(s.p90).padStart(7)} ${String(s.p99).padStart(7)} ${String(s.max).padStart(7)}`,
        );
      }
    }
    if (repeat > 1) {
      for (const r of ROUTES) {
        console.log(
          `p99 ${r} per run: ${serverRuns.map((x) => x.latency[r].p99).join(", ")} ms`,
        );
      }
    }
    console.log(`load average at the end: ${result.loadAverageAtEnd}`);
    const file = `${workDir}/api-latency-${result.date.slice(0, 19).replaceAll(":", "")}.json`;
    Deno.writeTextFileSync(file, JSON.stringify(result, null, 2) + "\n");
    console.log(`Written to ${file}`);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await drain.catch(() => {});
    rmrf(run);
  }
}

await main();
