/** Multi-row statements keep every row and its order, whatever the count. */
import assert from "node:assert/strict";
import { LocalDatabase } from "../../src/db/local_database.ts";
import { BATCH_ROWS, insertNewRows, runRows } from "../../src/db/batch.ts";

const SQL = (l: string) => `INSERT INTO PathPrefix(Prefix) VALUES ${l}`;

Deno.test("runRows and insertNewRows: every row, in order, consecutive IDs", () => {
  for (const n of [0, 1, 2, 7, BATCH_ROWS - 1, BATCH_ROWS, BATCH_ROWS + 1, 3 * BATCH_ROWS + 77]) {
    const db = LocalDatabase.open(":memory:");
    db.run("INSERT INTO PathPrefix(Prefix) VALUES ('before')");
    const names = Array.from({ length: n }, (_, i) => `p${i}/`);
    const first = insertNewRows(db, SQL, 1, names);
    const rows = db.all<{ ID: number; Prefix: string }>(
      "SELECT ID, Prefix FROM PathPrefix WHERE ID > 1 ORDER BY ID",
    );
    assert.deepEqual(rows.map((r) => r.Prefix), names, `${n} rows`);
    if (n > 0) assert.equal(first, 2);
    assert.deepEqual(rows.map((r) => r.ID), names.map((_, i) => i + 2));
    // Lookups return every matching row.
    const found: string[] = [];
    runRows(
      db,
      (l) => `SELECT Prefix FROM PathPrefix WHERE Prefix IN (${l})`,
      1,
      [...names, "missing/"],
      (r) => found.push(r.Prefix as string),
    );
    assert.deepEqual(found.sort(), [...names].sort());
    db.close();
  }
});

Deno.test("insertNewRows fails on a row that is not new instead of skipping it", () => {
  const db = LocalDatabase.open(":memory:");
  insertNewRows(db, SQL, 1, ["a/"]);
  assert.throws(() => insertNewRows(db, SQL, 1, ["b/", "a/"]), /UNIQUE/);
  assert.throws(() => runRows(db, SQL, 2, ["odd"]), RangeError);
  db.close();
});
