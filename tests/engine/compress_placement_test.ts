/**
 * Where a batch of blocks is compressed (by the worker that seals the volume, by the main thread
 * when that worker is behind, or by another worker) must not change what is stored: each placement
 * is forced in turn, with one and with two workers, and the backup must restore exactly.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { backup } from "../../src/engine/backup.ts";
import { restore } from "../../src/engine/restore.ts";
import { testBackup } from "../../src/engine/verify.ts";
import { setStealPolicy, type StealPolicy } from "../../src/engine/dblock_writer.ts";
import { OptionValues } from "../../src/core/option_values.ts";
import { FilterList } from "../../src/core/filters.ts";
import { diffSnapshots, prng, put, snapshot, tempDir } from "../helpers/tree.ts";

const noFilters = FilterList.fromArgs([]);

function makeTree(src: string) {
  const text = "a line of text that compresses well, number ";
  for (let i = 0; i < 40; i++) put(src, `small/t${i}.txt`, text.repeat(50 + i) + i);
  for (let i = 0; i < 10; i++) put(src, `small/r${i}.bin`, prng(100 + i, 3000 + i));
  put(src, "big/random.bin", prng(7, 2_500_000));
  put(src, "big/text.log", text.repeat(15_000));
}

const cases: [StealPolicy, number][] = [
  ["sealer", 1],
  ["here", 1],
  ["other", 2],
  ["auto", 2],
];

for (const [policy, workers] of cases) {
  Deno.test(`compression placed "${policy}" with ${workers} worker(s) restores exactly`, async () => {
    const [dir, cleanup] = await tempDir();
    setStealPolicy(policy);
    try {
      const src = join(dir, "src");
      makeTree(src);
      const url = join(dir, "remote");
      const opts = new OptionValues({
        passphrase: "pw",
        dbpath: join(dir, "db.sqlite"),
        blocksize: "16kb",
        "dblock-size": "1mb",
        "concurrency-compressors": String(workers),
      });
      const r = await backup({ url, sources: [src], options: opts, filters: noFilters });
      assert.equal(r.exitCode, 0, `backup: ${[...r.errors, ...r.warnings].join("; ")}`);
      // Several volumes, each with its own dindex, all of them sound.
      assert.ok(r.filesUploaded >= 5, `only ${r.filesUploaded} files uploaded`);
      const full = opts.with({ "full-remote-verification": "true" });
      const v = await testBackup({ url, options: full, samples: Infinity });
      assert.equal(v.exitCode, 0, JSON.stringify(v.verifications.filter((x) => x.findings.length)));
      assert.equal(v.examined, r.filesUploaded);
      const out = join(dir, "out");
      const back = await restore({
        url,
        patterns: [],
        options: opts.with({ "restore-path": out, "no-local-db": "true", dbpath: join(dir, "x") }),
        filters: noFilters,
      });
      assert.equal(back.exitCode, 0, back.errors.join("; "));
      assert.deepEqual(diffSnapshots(snapshot(src), snapshot(out)), []);
    } finally {
      setStealPolicy("auto");
      await cleanup();
    }
  });
}
