/**
 * A backup's own files at its destination, as a whole: what they occupy (Duplicati's
 * BackendStatistics: the backup's files, other files in the folder, the number of versions, the
 * quota where the destination can tell) and deleting all of them. After a backup the statistics
 * come from the local database; `reportRemoteSize` lists the destination itself (the server's
 * `report-remote-size` task). A backup's files are those named like its volumes (`--prefix`) and
 * its verification file; nothing else in the folder is touched.
 */
import type { OptionValues } from "../core/option_values.ts";
import { Logger } from "../core/log.ts";
import { parseVolumeName } from "../format/volume_names.ts";
import { verificationFileName } from "../format/verification_json.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { VolumeState, VolumeType } from "../db/schema.ts";
import { storedVolumeTotals } from "../db/volumes.ts";
import { Session } from "./session.ts";
import { FolderMissingError, type RemoteEntry } from "../backends/backend.ts";

/** Sizes and counts at the destination; -1 where unknown. */
export interface BackendStatistics {
  /** Files of this backup (dblock, dindex, dlist) and their total size. */
  knownFileCount: number;
  knownFileSize: number;
  /** Other files in the destination folder (only known after listing it). */
  unknownFileCount: number;
  unknownFileSize: number;
  /** Versions (dlist files). */
  backupListCount: number;
  /** Quota of the destination: -1 when it cannot tell. */
  totalQuotaSpace: number;
  freeQuotaSpace: number;
}

/** The quota of the session's destination, or -1/-1; never throws. */
async function quotaOf(session: Session): Promise<{ total: number; free: number }> {
  try {
    const q = await session.backend.quota?.();
    if (q) return { total: q.total, free: q.free };
  } catch (err) {
    session.logger.verbose(`The destination did not report its quota: ${(err as Error).message}`);
  }
  return { total: -1, free: -1 };
}

/** Statistics from the local database's record of uploaded volumes, plus the quota. */
export async function statisticsFromDatabase(
  session: Session,
  db: LocalDatabase,
): Promise<BackendStatistics> {
  const stored = storedVolumeTotals(db);
  const lists = db.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM Remotevolume WHERE Type = ? AND State IN (?, ?)",
    VolumeType.Files,
    VolumeState.Uploaded,
    VolumeState.Verified,
  )!;
  const q = await quotaOf(session);
  return {
    knownFileCount: stored.count,
    knownFileSize: stored.size,
    unknownFileCount: -1,
    unknownFileSize: -1,
    backupListCount: Number(lists.n),
    totalQuotaSpace: q.total,
    freeQuotaSpace: q.free,
  };
}

/** Inputs of {@link reportRemoteSize}. */
export interface RemoteSizeRequest {
  url: string;
  options: OptionValues;
  logger?: Logger;
}

/** Lists the destination and sums up what the backup (files named with its prefix) occupies. */
export async function reportRemoteSize(req: RemoteSizeRequest): Promise<BackendStatistics> {
  const logger = req.logger ?? new Logger();
  const prefix = req.options.str("prefix") ?? "duplicati";
  const session = await Session.open(req.url, req.options, logger, "ListRemote");
  try {
    const listing = await session.backend.list();
    const s: BackendStatistics = {
      knownFileCount: 0,
      knownFileSize: 0,
      unknownFileCount: 0,
      unknownFileSize: 0,
      backupListCount: 0,
      totalQuotaSpace: -1,
      freeQuotaSpace: -1,
    };
    for (const e of listing) {
      if (e.isFolder) continue;
      const v = parseVolumeName(e.name, prefix);
      if (v) {
        s.knownFileCount++;
        s.knownFileSize += Math.max(0, e.size);
        if (v.type === "dlist") s.backupListCount++;
      } else {
        s.unknownFileCount++;
        s.unknownFileSize += Math.max(0, e.size);
      }
    }
    const q = await quotaOf(session);
    s.totalQuotaSpace = q.total;
    s.freeQuotaSpace = q.free;
    logger.info(
      `The destination holds ${s.knownFileCount} files of this backup (${s.knownFileSize} bytes) ` +
        `and ${s.unknownFileCount} other files`,
    );
    return s;
  } finally {
    await session.close();
  }
}

/** What {@link deleteRemoteFiles} removed. */
export interface RemoteDeletion {
  deleted: string[];
  bytes: number;
}

/**
 * Deletes every file of the backup at the destination (volumes with the backup's prefix and its
 * verification file). Throws on the first file that cannot be deleted, after which running it
 * again finishes the job.
 */
export async function deleteRemoteFiles(req: RemoteSizeRequest): Promise<RemoteDeletion> {
  const logger = req.logger ?? new Logger();
  const prefix = req.options.str("prefix") ?? "duplicati";
  const session = await Session.open(req.url, req.options, logger, "Delete");
  try {
    const out: RemoteDeletion = { deleted: [], bytes: 0 };
    const verification = verificationFileName(prefix);
    let listing: RemoteEntry[];
    try {
      listing = await session.backend.list();
    } catch (err) {
      // No folder, no files: there is nothing left to delete.
      if (err instanceof FolderMissingError) return out;
      throw err;
    }
    for (const e of listing) {
      if (e.isFolder) continue;
      if (!parseVolumeName(e.name, prefix) && e.name !== verification) continue;
      await session.backend.delete(e.name);
      out.deleted.push(e.name);
      out.bytes += Math.max(0, e.size);
    }
    logger.info(`Deleted ${out.deleted.length} remote files of the backup (${out.bytes} bytes)`);
    return out;
  } finally {
    await session.close();
  }
}
