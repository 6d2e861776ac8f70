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
