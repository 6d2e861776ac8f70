/**
 * Removing remote volumes safely: the database records `Deleting` (committed) before anything is
 * removed remotely, and forgets the volume only once it is gone. An interruption at any point
 * leaves a `Deleting` row that the next operation finishes ({@link finishPendingDeletes}).
 */
import { FileMissingError, type RemoteEntry } from "../backends/backend.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import type { VolumeRow } from "../db/volumes.ts";
import { deletingVolumes, forgetDeletedVolumes, markDeleting } from "../db/deletion.ts";
import type { Session } from "./session.ts";

/** Commits what the open transaction holds (and opens a new one), or does nothing in autocommit. */
export function commitNow(db: LocalDatabase): void {
  if (db.inTransaction) db.checkpoint();
}

/** What a deletion removed. */
export interface DeletedVolumes {
  names: string[];
  bytes: number;
}

/**
 * Deletes `volumes` from the remote and forgets them. Failed remote deletions stay `Deleting`
 * (retried by the next operation) and are reported as warnings.
 */
export async function deleteRemoteVolumes(
  session: Session,
  db: LocalDatabase,
  volumes: readonly VolumeRow[],
  signal?: AbortSignal,
): Promise<DeletedVolumes> {
  const out: DeletedVolumes = { names: [], bytes: 0 };
  if (volumes.length === 0) return out;
  markDeleting(db, volumes.map((v) => v.ID));
  commitNow(db);
  const gone: number[] = [];
  for (const v of volumes) {
    if (signal?.aborted) break;
    try {
      await session.backend.delete(v.Name);
    } catch (err) {
      if (!(err instanceof FileMissingError)) {
        session.logger.warn(
          `Could not delete the remote file ${v.Name}: ${(err as Error).message}. ` +
            `The next operation tries again.`,
        );
        continue;
      }
    }
    gone.push(v.ID);
    out.names.push(v.Name);
    out.bytes += Math.max(0, v.Size);
  }
  forgetDeletedVolumes(db, gone);
  commitNow(db);
  return out;
}

/**
 * Finishes deletions an earlier run recorded but did not complete. `remote` is a fresh listing;
 * returns the names removed from the remote.
 */
export async function finishPendingDeletes(
  session: Session,
  db: LocalDatabase,
  remote: readonly RemoteEntry[],
): Promise<string[]> {
  const pending = deletingVolumes(db);
  if (pending.length === 0) return [];
  const present = new Set(remote.map((r) => r.name));
  const removed: string[] = [];
  const gone: number[] = [];
  for (const v of pending) {
    if (present.has(v.Name)) {
      try {
        await session.backend.delete(v.Name);
        removed.push(v.Name);
      } catch (err) {
        if (!(err instanceof FileMissingError)) {
          session.logger.warn(
            `Could not delete the remote file ${v.Name}: ${(err as Error).message}`,
          );
          continue;
        }
      }
    }
    gone.push(v.ID);
  }
  db.transaction(() => forgetDeletedVolumes(db, gone));
  return removed;
}
