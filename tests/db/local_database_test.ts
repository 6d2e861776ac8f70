import assert from "node:assert/strict";
import { join } from "node:path";
import { LocalDatabase } from "../../src/db/local_database.ts";

Deno.test("local database: WAL, a bounded page cache, temporary data in a file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dup-ldb-" });
  try {
    const db = LocalDatabase.open(join(dir, "x.sqlite"));
    try {
      const pragma = (name: string) => Object.values(db.db.prepare(`PRAGMA ${name}`).get()!)[0];
      assert.equal(pragma("journal_mode"), "wal");
      // Memory must not grow with the number of files: large sorts (a dlist's, a restore plan's)
      // spill to a temporary file once they outgrow the 4 MiB page cache.
      assert.equal(pragma("cache_size"), -4096);
      assert.equal(pragma("temp_store"), 1); // 1 = FILE
    } finally {
      db.db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
