/**
 * Backup progress totals: the source files and bytes are counted alongside the backup, with the
 * backup's own filters, and reported through the progress sink before the backup finishes; without
 * a sink nothing is counted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { backup } from "../../src/engine/backup.ts";
import { OptionValues } from "../../src/core/option_values.ts";
import { FilterList, parseFilterRule } from "../../src/core/filters.ts";
import type { ProgressEvent } from "../../src/core/progress.ts";
import { put, tempDir } from "../helpers/tree.ts";

Deno.test("a backup reports the counted file and byte totals before it finishes", async () => {
  const [dir, cleanup] = await tempDir("dup-progress-totals-");
  try {
    const src = join(dir, "src");
    let bytes = 0;
    for (let i = 0; i < 300; i++) {
      const body = "x".repeat(100 + i * 7);
      put(src, `d${i % 12}/sub${i % 3}/f${i}.txt`, body);
      bytes += body.length;
    }
    for (let i = 0; i < 20; i++) put(src, `d${i % 5}/skip${i}.tmp`, "left out by the filter");
    const opts = new OptionValues({ "no-encryption": "true", dbpath: join(dir, "db.sqlite") });
    const filters = FilterList.fromArgs([parseFilterRule("*.tmp", false)]);
    const events: ProgressEvent[] = [];
    const r = await backup({
      url: join(dir, "dest"),
      sources: [src],
      options: opts,
      filters,
      progress: (e) => events.push({ ...e }),
    });
    assert.equal(r.exitCode, 0);
    assert.equal(r.examinedFiles, 300);
    assert.equal(r.sizeOfExaminedFiles, bytes);

    const processing = events.filter((e) => e.phase === "Processing files");
    const counted = processing.find((e) => e.stillCounting === false);
    assert.ok(counted, "an event while processing files has the final totals");
    assert.equal(counted.filesTotal, 300);
    assert.equal(counted.bytesTotal, bytes);
    assert.ok(counted.filesDone < 300, `totals known before the last file (${counted.filesDone})`);
    for (const e of processing) {
      if (e.stillCounting) assert.ok((e.filesTotal ?? 0) <= 300, "counts so far stay below");
    }
    const last = events.findLast((e) => e.phase === "Uploading file list");
    assert.ok(last, "the file list upload is reported");
    assert.equal(last.filesTotal, 300);
    assert.equal(last.bytesTotal, bytes);
    assert.equal(last.stillCounting, false);
  } finally {
    await cleanup();
  }
});

Deno.test("without a progress sink the sources are walked once, not counted a second time", async () => {
  const [dir, cleanup] = await tempDir("dup-progress-none-");
  const lstat = Deno.lstatSync;
  try {
    const src = join(dir, "src");
    for (let i = 0; i < 200; i++) put(src, `d${i % 8}/f${i}.txt`, `file ${i}`);
    const stats = new Map<string, number>();
    Deno.lstatSync = (p: string | URL) => {
      const key = String(p);
      if (key.startsWith(src)) stats.set(key, (stats.get(key) ?? 0) + 1);
      return lstat(p);
    };
    const run = async (name: string, progress?: (e: ProgressEvent) => void) => {
      stats.clear();
      const opts = new OptionValues({
        "no-encryption": "true",
        dbpath: join(dir, `${name}.sqlite`),
      });
      const r = await backup({
        url: join(dir, name),
        sources: [src],
        options: opts,
        filters: new FilterList([]),
        ...(progress ? { progress } : {}),
      });
      assert.equal(r.examinedFiles, 200);
      return stats.get(join(src, "d3", "f11.txt")) ?? 0;
    };
    const watched = await run("watched", () => {});
    const unwatched = await run("unwatched");
    assert.equal(
      unwatched + 1,
      watched,
      `lstat per file: ${unwatched} unwatched, ${watched} watched`,
    );
  } finally {
    Deno.lstatSync = lstat;
    await cleanup();
  }
});
