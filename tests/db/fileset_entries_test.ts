/** A fileset's entries written in batches give the same rows as one statement per entry. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LocalDatabase } from "../../src/db/local_database.ts";
import { addFilesetEntry, FilesetEntryWriter } from "../../src/db/filesets.ts";
import { tempDir } from "../helpers/tree.ts";

Deno.test("FilesetEntryWriter writes what addFilesetEntry writes, later entries replacing earlier", async () => {
  const [dir, cleanup] = await tempDir("dup-fileset-entries-");
  const a = LocalDatabase.open(join(dir, "a.sqlite"));
  const b = LocalDatabase.open(join(dir, "b.sqlite"));
  try {
    // 1,000 entries (several full batches and a rest), with repeated file IDs whose later
    // times must win, in two filesets.
    const rows: [number, number, number][] = [];
    for (let i = 0; i < 1000; i++) rows.push([1 + (i % 2), (i * 7) % 600, 1_700_000_000_000 + i]);
    const writers = new Map([1, 2].map((f) => [f, new FilesetEntryWriter(b, f)]));
    a.begin();
    b.begin();
    for (const [f, id, t] of rows) {
      addFilesetEntry(a, f, id, t);
      writers.get(f)!.add(id, t);
    }
    const dump = (db: LocalDatabase) =>
      db.all("SELECT FilesetID, FileID, Lastmodified FROM FilesetEntry ORDER BY FilesetID, FileID");
    assert.ok(dump(b).length < 1000, "rows wait for flush");
    for (const w of writers.values()) w.flush();
    a.commit();
    b.commit();
    const want = dump(a);
    assert.ok(want.length > 500);
    assert.deepEqual(dump(b), want);
  } finally {
    a.close();
    b.close();
    await cleanup();
  }
});
