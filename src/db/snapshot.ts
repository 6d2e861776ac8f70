/** A consistent copy of a SQLite database that may be in use by another process. */
import { DatabaseSync } from "node:sqlite";

const HEADER = "SQLite format 3\0";

/** True when the file at `path` starts with the SQLite header. Never throws. */
export function isSqliteFile(path: string): boolean {
  try {
    const f = Deno.openSync(path, { read: true });
    try {
      const b = new Uint8Array(16);
      const n = f.readSync(b) ?? 0;
      return n === 16 && new TextDecoder().decode(b) === HEADER;
    } finally {
      f.close();
    }
  } catch {
    return false;
  }
}

/**
 * Writes a consistent copy of the database `from` to `to` (which must not exist) with
 * `VACUUM INTO`: it reads in one transaction, so a server writing at the same time cannot leave
 * a half-written copy, and committed WAL content is included. Waits up to `busyMs` for a lock.
 * Throws the SQLite error when the database cannot be read.
 */
export function snapshotDatabase(from: string, to: string, busyMs = 30_000): void {
  const db = new DatabaseSync(from, { timeout: busyMs });
  try {
    db.prepare("VACUUM INTO ?").run(to);
  } finally {
    db.close();
  }
}
