/**
 * `deno run -A bench/compact.ts [--scale=0.1] [--versions=6] [--seed=1] [--keep]`: compact after
 * deleting half the versions of the benchmark's mixed data set.
 *
 * Makes `--versions` backups of the mixed set (each later version after three edit steps, plus a
 * "dump" of a third of the set's size rewritten in every version, as a nightly database dump
 * would be: that is what deleting versions frees), deletes every other version (1, 3, 5, ...; 0 is the newest) without
 * compacting, then runs compact with the default settings and reports wall time, CPU time, peak
 * RSS and the bytes moved (downloaded, uploaded, deleted), plus the repository size before and
 * after. When the default thresholds find nothing to do, a second compact with `--threshold=5`
 * shows the cost of repacking. Runs the engine in this process.
 */
import process from "node:process";
import { applyEdit, defaultWorkDir, ensureDataSet } from "./datasets.ts";
import { makeContent, Rng } from "./content.ts";
import { rmrf, treeSize } from "./tree.ts";
import { backup } from "../src/engine/backup.ts";
import { deleteVersions } from "../src/engine/delete.ts";
import { compact, type CompactResult } from "../src/engine/compact.ts";
import { testBackup } from "../src/engine/verify.ts";
import { OptionValues } from "../src/core/option_values.ts";
import { FilterList } from "../src/core/filters.ts";

const arg = (name: string, dflt: string) =>
  Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const scale = Number(arg("scale", "0.1"));
const versions = Number(arg("versions", "6"));
const seed = Number(arg("seed", "1"));
const keep = Deno.args.includes("--keep");

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Runs `fn`, measuring wall time, CPU time of this process and peak RSS. */
async function timed<T>(fn: () => Promise<T>) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let peak = Deno.memoryUsage().rss;
  const timer = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 50);
  try {
    const value = await fn();
    const cpu = process.cpuUsage(cpu0);
    return {
      value,
      wallS: (performance.now() - t0) / 1000,
      cpuS: (cpu.user + cpu.system) / 1e6,
      peakMB: peak / 1e6,
    };
  } finally {
    clearInterval(timer);
  }
}

const set = ensureDataSet("mixed", seed, scale);
const run = `${defaultWorkDir()}/compact-run`;
rmrf(run);
Deno.mkdirSync(run, { recursive: true });
const src = `${run}/src`;
const cp = new Deno.Command("cp", { args: ["-a", set.root, src] }).outputSync();
if (!cp.success) throw new Error("copying the data set failed");
const repo = `${run}/repo`;
const url = `file://${repo}`;
const options = new OptionValues({
  passphrase: "bench compact",
  dbpath: `${run}/db.sqlite`,
  "no-auto-compact": "true",
  "backup-test-samples": "0",
});
const filters = FilterList.fromArgs([]);
console.log(
  `mixed set, scale ${scale}: ${set.manifest.files} files, ${mb(set.manifest.bytes)}; ` +
    `${versions} versions`,
);
for (let v = 0; v < versions; v++) {
  if (v > 0) { for (let e = 0; e < 3; e++) applyEdit(src, seed * 1000 + v * 10 + e); }
  Deno.mkdirSync(`${src}/dump`, { recursive: true });
  const dump = makeContent(new Rng(seed * 7919 + v), "data", Math.floor(set.manifest.bytes / 3));
  Deno.writeFileSync(`${src}/dump/nightly.csv`, dump);
  const t = await timed(() => backup({ url, sources: [src], options, filters }));
  console.log(
    `backup ${v}: ${t.wallS.toFixed(1)} s, uploaded ${
      mb(t.value.bytesUploaded)
    }, exit ${t.value.exitCode}`,
  );
  await new Promise((r) => setTimeout(r, 1100));
}
const before = treeSize(repo);
const odd = Array.from({ length: Math.floor(versions / 2) }, (_, i) => 2 * i + 1).join(",");
const del = await timed(() => deleteVersions({ url, options: options.with({ version: odd }) }));
const afterDelete = treeSize(repo);
console.log(
  `delete versions ${odd}: ${del.wallS.toFixed(2)} s; repository ${mb(before.bytes)} ` +
    `(${before.files} files) -> ${mb(afterDelete.bytes)} (${afterDelete.files} files)`,
);

function report(
  label: string,
  t: { value: CompactResult; wallS: number; cpuS: number; peakMB: number },
) {
  const r = t.value;
  const size = treeSize(repo);
  console.log(`${label}: ${r.reason}`);
  console.log(
    `  wall ${t.wallS.toFixed(2)} s, CPU ${t.cpuS.toFixed(2)} s, peak RSS ${
      t.peakMB.toFixed(0)
    } MB`,
  );
  console.log(
    `  downloaded ${r.downloadedFiles} files (${mb(r.downloadedBytes)}), uploaded ` +
      `${r.uploadedFiles} files (${mb(r.uploadedBytes)}), deleted ${r.deletedFiles} files ` +
      `(${mb(r.deletedBytes)}); repository now ${mb(size.bytes)} (${size.files} files)`,
  );
}

const c1 = await timed(() => compact({ url, options }));
report("compact (defaults)", c1);
if (!c1.value.uploadedFiles) {
  const c2 = await timed(() => compact({ url, options: options.with({ threshold: "5" }) }));
  report("compact --threshold=5", c2);
}
const t = await timed(() =>
  testBackup({
    url,
    options: options.with({ "full-remote-verification": "True" }),
    samples: Infinity,
  })
);
console.log(
  `test all (full): ${t.wallS.toFixed(1)} s, ${t.value.examined} files, exit ${t.value.exitCode}`,
);
if (!keep) rmrf(run);
