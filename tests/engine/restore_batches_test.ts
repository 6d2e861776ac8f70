/**
 * Restore batches of encrypted volumes: a block just under the batch size that follows another
 * in the volume starts a new batch, whose buffer must hold its whole extent and the cipher block
 * before it. (Sizing that buffer by the bytes still to read failed only when the buffer pool had
 * no larger buffer free, which this test cannot force.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { backup } from "../../src/engine/backup.ts";
import { restore } from "../../src/engine/restore.ts";
import { OptionValues } from "../../src/core/option_values.ts";
import { FilterList } from "../../src/core/filters.ts";
import { diffSnapshots, prng, put, snapshot, tempDir } from "../helpers/tree.ts";

Deno.test("restore: stored blocks close to the batch size after a full block restore whole", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    const src = join(dir, "src");
    // Random data is stored, not deflated: each file is a 1 MiB block, then a block a little
    // under 1 MiB, whose zip extent falls on every side of the batch size.
    for (let i = 0; i < 16; i++) put(src, `f${i}.bin`, prng(100 + i, 2 * 1048576 - 16 - 8 * i));
    const filters = FilterList.fromArgs([]);
    const base = new OptionValues({ passphrase: "p", dbpath: join(dir, "db.sqlite") });
    const url = `file://${join(dir, "remote")}`;
    assert.equal((await backup({ url, sources: [src], options: base, filters })).exitCode, 0);
    for (const noDb of [false, true]) {
      const out = join(dir, `out-${noDb}`);
      const r = await restore({
        url,
        patterns: [],
        options: base.with({ "restore-path": out, ...(noDb ? { "no-local-db": "true" } : {}) }),
        filters,
      });
      assert.equal(r.exitCode, 0, JSON.stringify(r.errors));
      assert.deepEqual(diffSnapshots(snapshot(src), snapshot(out)), [], `noDb=${noDb}`);
    }
  } finally {
    await cleanup();
  }
});
