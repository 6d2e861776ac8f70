import assert from "node:assert/strict";
import { LocalDatabase } from "../../src/db/local_database.ts";
import {
  addRemoteOperations,
  purgeLogsBefore,
  remoteOperations,
} from "../../src/db/operation_log.ts";

const row = (at: number, op: string, path = "") => ({
  Timestamp: at,
  Operation: op,
  Path: path,
  Data: null,
});

Deno.test("remote operations join the run's own operation row, or a new one", () => {
  const db = LocalDatabase.open(":memory:");
  try {
    const before = db.addOperation("Backup", 1000);
    // The run made its own row after it began: the log joins that one.
    const own = db.addOperation("Backup", 2000);
    addRemoteOperations(db, [row(2100, "list"), row(2200, "put", "a")], "Backup", 2000, before);
    // A run without a row of its own (a restore) gets one with its name.
    addRemoteOperations(db, [row(3100, "get", "a")], "Restore", 3000, own);
    const rows = remoteOperations(db, undefined, 10);
    assert.deepEqual(rows.map((r) => [r.Operation, r.OperationID]), [
      ["get", own + 1],
      ["put", own],
      ["list", own],
    ]);
    assert.equal(
      db.get<{ Description: string }>("SELECT Description FROM Operation WHERE ID=?", own + 1)!
        .Description,
      "Restore",
    );
    // Nothing to add: no operation row either.
    addRemoteOperations(db, [], "Test", 4000, own + 1);
    assert.equal(db.get<{ n: number }>("SELECT COUNT(*) AS n FROM Operation")!.n, 3);
    // Paging backwards by ID.
    assert.deepEqual(
      remoteOperations(db, Number(rows[0].ID), 1).map((r) => r.Operation),
      ["put"],
    );
  } finally {
    db.close();
  }
});

Deno.test("purgeLogsBefore drops log rows older than the cutoff only", () => {
  const db = LocalDatabase.open(":memory:");
  try {
    const op = db.addOperation("Backup", 0);
    addRemoteOperations(db, [row(100, "list"), row(5000, "put", "b")], "Backup", 0, 0);
    db.run(
      "INSERT INTO LogData(OperationID, Timestamp, Type, Message) VALUES (?, 50, 'Info', 'old')",
      op,
    );
    assert.equal(purgeLogsBefore(db, 1000), 2);
    assert.deepEqual(remoteOperations(db, undefined, 10).map((r) => r.Operation), ["put"]);
    assert.equal(purgeLogsBefore(db, 1000), 0);
  } finally {
    db.close();
  }
});
