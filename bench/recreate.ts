/**
 * Recreate benchmark: back up the `mixed` data set (about 1 GiB) once, then recreate the local
 * database from the remote files alone (`repair` with a fresh --dbpath) and compare:
 * wall time of the recreate vs the first backup (target: at least 10x faster), and what was
 * downloaded (target: no dblock at all). The recreated database is checked against the original
 * (same versions, blocks, blocksets, files and entries).
 *
 *   deno run -A bench/recreate.ts [--scale=1] [--seed=1] [--keep]
 *
 * Writes bench/work/recreate-<date>.json. Exit code 1 when a command fails or the recreated
 * database differs, 0 otherwise (a missed target is reported, not an error).
 */
import { DatabaseSync } from "node:sqlite";
import { defaultWorkDir, ensureDataSet } from "./datasets.ts";
import { rmrf, treeSize } from "./tree.ts";
import { runMain } from "./main_cli.ts";

const args = new Map(
  Deno.args.map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]),
);
const scale = Number(args.get("scale") ?? 1);
const seed = Number(args.get("seed") ?? 1);
const keep = args.has("keep");
const PASS = "bench recreate";

const work = defaultWorkDir();
const run = `${work}/run/recreate`;
rmrf(run);
Deno.mkdirSync(run, { recursive: true });
const repo = `${run}/repo`;
const db1 = `${run}/backup.sqlite`;
const db2 = `${run}/recreated.sqlite`;

const cli = runMain;

function fail(what: string, r: { code: number; out: string; err: string }): never {
  console.error(`${what} failed (exit ${r.code}):\n${r.out}\n${r.err}`);
  Deno.exit(1);
}

const ds = ensureDataSet("mixed", seed, scale);
console.log(
  `data set: mixed scale ${scale}, ${ds.manifest.files} files, ` +
    `${(ds.manifest.bytes / 2 ** 20).toFixed(0)} MiB`,
);
// Warm the module cache so neither timed step pays for loading the program.
await cli(["help"]);

const backup = await cli([
  "backup",
  `file://${repo}`,
  ds.root,
  `--passphrase=${PASS}`,
  `--dbpath=${db1}`,
]);
if (![0, 2].includes(backup.code)) fail("backup", backup);
const remote = [...Deno.readDirSync(repo)].map((e) => ({
  name: e.name,
  size: Deno.statSync(`${repo}/${e.name}`).size,
}));
const byType = (t: string) => remote.filter((r) => r.name.includes(`.${t}.`));
const sum = (l: { size: number }[]) => l.reduce((n, r) => n + r.size, 0);
console.log(
  `backup: ${backup.s.toFixed(1)} s; remote: ${byType("dblock").length} dblock ` +
    `(${(sum(byType("dblock")) / 2 ** 20).toFixed(0)} MiB), ${byType("dindex").length} dindex, ` +
    `${byType("dlist").length} dlist`,
);

new Deno.Command("sync").outputSync();
const rec = await cli(["repair", `file://${repo}`, `--passphrase=${PASS}`, `--dbpath=${db2}`]);
if (rec.code !== 0) fail("recreate", rec);
const m = /Downloaded:\s+(\d+) files, .*\((\d+) file lists, (\d+) index files, (\d+) data volumes\)/
  .exec(rec.out);
if (!m) fail("parsing the recreate output", rec);
const [files, dlists, dindex, dblocks] = m.slice(1).map(Number);
const expectBytes = sum(byType("dlist")) + sum(byType("dindex"));

// The recreated database holds what the original holds.
const TABLES = ["Remotevolume", "Block", "Blockset", "BlocksetEntry", "FileLookup", "FilesetEntry"];
const counts = (p: string) => {
  const d = new DatabaseSync(p, { readOnly: true });
  const out = Object.fromEntries(
    TABLES.map((t) => [t, (d.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]),
  );
  d.close();
  return out;
};
const c1 = counts(db1);
const c2 = counts(db2);
const same = TABLES.every((t) => c1[t] === c2[t]);

const speedup = backup.s / rec.s;
const result = {
  date: new Date().toISOString(),
  scale,
  seed,
  sourceFiles: ds.manifest.files,
  sourceBytes: ds.manifest.bytes,
  firstBackupS: Number(backup.s.toFixed(2)),
  recreateS: Number(rec.s.toFixed(2)),
  speedup: Number(speedup.toFixed(1)),
  downloaded: { files, dlists, dindex, dblocks, bytes: expectBytes },
  remote: {
    dblocks: byType("dblock").length,
    dblockBytes: sum(byType("dblock")),
    dindex: byType("dindex").length,
    dlists: byType("dlist").length,
  },
  databaseBytes: { backup: treeSize(db1).bytes, recreated: treeSize(db2).bytes },
  tables: { backup: c1, recreated: c2, same },
  targets: { speedupAtLeast10: speedup >= 10, noDblock: dblocks === 0 },
};
console.log(
  `recreate: ${rec.s.toFixed(1)} s (${speedup.toFixed(1)}x faster than the first backup; ` +
    `target >= 10x: ${speedup >= 10 ? "met" : "MISSED"})`,
);
console.log(
  `downloaded: ${files} files (${dlists} dlist, ${dindex} dindex, ${dblocks} dblock; ` +
    `target 0 dblock: ${dblocks === 0 ? "met" : "MISSED"}), ${
      (expectBytes / 2 ** 20).toFixed(1)
    } MiB`,
);
console.log(`recreated database matches the original: ${same ? "yes" : "NO"}`);
if (!same) console.log(JSON.stringify({ backup: c1, recreated: c2 }));
const out = `${work}/recreate-${result.date.replace(/[:.]/g, "-")}.json`;
Deno.writeTextFileSync(out, JSON.stringify(result, null, 2) + "\n");
console.log(`written: ${out}`);
if (!keep) rmrf(run);
Deno.exit(same ? 0 : 1);
