/** Reading the log tables of a local database (`LogData`, `RemoteOperation`) page by page. */
import type { LocalDatabase } from "./local_database.ts";

/** A page of `RemoteOperation` rows, newest first; `beforeId` pages further back. */
export function remoteOperations(
  db: LocalDatabase,
  beforeId: number | undefined,
  pageSize: number,
): Record<string, unknown>[] {
  return beforeId === undefined
    ? db.all("SELECT * FROM RemoteOperation ORDER BY ID DESC LIMIT ?", pageSize)
    : db.all(
      "SELECT * FROM RemoteOperation WHERE ID < ? ORDER BY ID DESC LIMIT ?",
      beforeId,
      pageSize,
    );
}

/** One `RemoteOperation` row to add (Timestamp in ms; Data is JSON or null). */
export interface RemoteOperationRow {
  Timestamp: number;
  Operation: string;
  Path: string;
  Data: string | null;
}

/**
 * Adds the remote operations of one run: they belong to the first operation row after
 * `lastOperationBefore` (the newest row when the run began, so the run's own), or to a new
 * `description` row stamped `startedAt` when the run made none.
 */
export function addRemoteOperations(
  db: LocalDatabase,
  rows: readonly RemoteOperationRow[],
  description: string,
  startedAt: number,
  lastOperationBefore: number,
): void {
  if (rows.length === 0) return;
  db.transaction(() => {
    const own = db.get<{ ID: number }>(
      "SELECT ID FROM Operation WHERE ID > ? ORDER BY ID LIMIT 1",
      lastOperationBefore,
    );
    const opId = own?.ID ?? db.addOperation(description, startedAt);
    for (const r of rows) {
      db.run(
        "INSERT INTO RemoteOperation(OperationID, Timestamp, Operation, Path, Data) VALUES(?,?,?,?,?)",
        opId,
        r.Timestamp,
        r.Operation,
        r.Path,
        r.Data,
      );
    }
  });
}

/**
 * Deletes log rows (`LogData`, `RemoteOperation`) older than `cutoff` (ms since the epoch), as
 * `--log-retention` asks; returns how many went.
 */
export function purgeLogsBefore(db: LocalDatabase, cutoff: number): number {
  return db.transaction(() =>
    Number(db.run("DELETE FROM RemoteOperation WHERE Timestamp < ?", cutoff).changes) +
    Number(db.run("DELETE FROM LogData WHERE Timestamp < ?", cutoff).changes)
  );
}
