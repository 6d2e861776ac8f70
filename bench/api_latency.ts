/**
 * API latency while a backup runs: starts the server (`main.ts server`, a separate process as in
 * use), creates a backup of a generated data set, and measures `GET /api/v1/backups` and
 * `GET /api/v1/progressstate` one request after the other, first idle and then during the backup.
 * Prints p50/p90/p99/max per route and writes the numbers to bench/work/api-latency-<date>.json.
 *
 *   deno run -A bench/api_latency.ts [--set=mixed] [--scale=0.25] [--seed=1]
 */
import { fileURLToPath } from "node:url";
import { defaultWorkDir, ensureDataSet, type SetName } from "./datasets.ts";
import { rmrf } from "./tree.ts";

const args = Object.fromEntries(
  Deno.args.map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]),
);
const setName = (args.set ?? "mixed") as SetName;
const scale = Number(args.scale ?? "0.25");
const seed = Number(args.seed ?? "1");
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const PASSWORD = "bench-password";

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))];
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: s.length,
    p50: r(percentile(s, 50)),
    p90: r(percentile(s, 90)),
    p99: r(percentile(s, 99)),
    max: r(s[s.length - 1] ?? NaN),
  };
}

async function main() {
  const workDir = defaultWorkDir();
  const ds = ensureDataSet(setName, seed, scale, workDir);
  const run = `${workDir}/run/api-latency`;
  rmrf(run);
  Deno.mkdirSync(run, { recursive: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--max-semi-space-size=1,--expose-gc",
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
      if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(body)}`);
      return { ms, body };
    };
    const id = (await call("/backups", {
      method: "POST",
      body: JSON.stringify({
        Backup: {
          Name: "bench",
          TargetURL: `file://${run}/repo`,
          Sources: [ds.root + "/"],
          Settings: [{ Name: "passphrase", Value: "bench-pass" }],
        },
      }),
    })).body.ID;
    // Five more configurations so the list has some weight.
    for (let i = 0; i < 5; i++) {
      await call("/backups", {
        method: "POST",
        body: JSON.stringify({
          Backup: { Name: `other ${i}`, TargetURL: `file://${run}/other${i}`, Sources: ["/tmp/"] },
          Schedule: { Repeat: "1D", Time: "2026-01-01T13:00:00Z" },
        }),
      });
    }
    const routes = ["/backups", "/progressstate"] as const;
    const idle: Record<string, number[]> = { "/backups": [], "/progressstate": [] };
    for (let i = 0; i < 200; i++) for (const r of routes) idle[r].push((await call(r)).ms);

    const busy: Record<string, number[]> = { "/backups": [], "/progressstate": [] };
    const t0 = performance.now();
    const taskId = (await call(`/backup/${id}/run`, { method: "POST" })).body.ID;
    let status = "Waiting";
    let lastPhase = "";
    while (status === "Waiting" || status === "Running") {
      for (const r of routes) {
        const { ms, body } = await call(r);
        if (r === "/progressstate" && body.TaskID === taskId) lastPhase = body.Phase;
        busy[r].push(ms);
      }
      status = (await call(`/task/${taskId}`)).body.Status;
      await new Promise((res) => setTimeout(res, 10));
    }
    const seconds = (performance.now() - t0) / 1000;
    const result = {
      date: new Date().toISOString(),
      set: setName,
      scale,
      files: ds.manifest.files,
      bytes: ds.manifest.bytes,
      backupStatus: status,
      backupSeconds: Math.round(seconds * 10) / 10,
      lastPhase,
      idle: Object.fromEntries(routes.map((r) => [r, stats(idle[r])])),
      duringBackup: Object.fromEntries(routes.map((r) => [r, stats(busy[r])])),
    };
    console.log(
      `Backup of ${ds.manifest.files} files (${
        (ds.manifest.bytes / 1e6).toFixed(0)
      } MB): ${status} in ${result.backupSeconds} s`,
    );
    console.log("route            state    n      p50 ms  p90 ms  p99 ms  max ms");
    for (const [label, data] of [["idle", result.idle], ["backup", result.duringBackup]] as const) {
      for (const r of routes) {
        const s = data[r];
        console.log(
          `${r.padEnd(16)} ${label.padEnd(8)} ${String(s.n).padEnd(6)} ${
            String(s.p50).padStart(7)
          } ${String(s.p90).padStart(7)} ${String(s.p99).padStart(7)} ${String(s.max).padStart(7)}`,
        );
      }
    }
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
