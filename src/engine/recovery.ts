/**
 * Brings the local database and the remote folder back in line after an interrupted run (a crash,
 * kill -9, power loss). Volumes are recorded as `Uploading` (with size and hash) before they are
 * sent, so every file a run may have put on the remote is known here:
 * - a dlist that reached the remote completely seals its version;
 * - everything else not confirmed as uploaded is deleted remotely and forgotten locally, together
 *   with the blocks, blocksets and unfinished versions that depended on it.
 * Completed versions never depend on unconfirmed volumes (the dlist is always uploaded last), so
 * they are untouched.
 */
import type { LocalDatabase } from "../db/local_database.ts";
import { VolumeState, VolumeType } from "../db/schema.ts";
import { deleteVolumeRow, setVolumeState, type VolumeRow } from "../db/volumes.ts";
import type { RemoteEntry } from "../backends/backend.ts";
import type { Session } from "./session.ts";

/** What the clean-up did. */
export interface RecoveryReport {
  sealedVersions: string[];
  removedRemote: string[];
  forgottenVolumes: number;
}

/** Cleans up after an interrupted run. `remote` is a fresh listing of the destination. */
export async function recoverInterrupted(
  session: Session,
  db: LocalDatabase,
  remote: RemoteEntry[],
): Promise<RecoveryReport> {
  const report: RecoveryReport = { sealedVersions: [], removedRemote: [], forgottenVolumes: 0 };
  const unfinished = db.all<VolumeRow>(
    "SELECT * FROM Remotevolume WHERE State IN (?, ?)",
    VolumeState.Temporary,
    VolumeState.Uploading,
  );
  if (unfinished.length === 0) return report;
  const remoteByName = new Map(remote.map((r) => [r.name, r]));
  const drop: VolumeRow[] = [];
  for (const v of unfinished) {
    const r = remoteByName.get(v.Name);
    if (
      v.Type === VolumeType.Files && v.State === VolumeState.Uploading && r && v.Size >= 0 &&
      r.size === v.Size
    ) {
      // The dlist arrived whole: the version is complete.
      setVolumeState(db, v.ID, VolumeState.Uploaded);
      report.sealedVersions.push(v.Name);
      continue;
    }
    drop.push(v);
  }
  for (const v of drop) {
    if (remoteByName.has(v.Name)) {
      try {
        await session.backend.delete(v.Name);
        report.removedRemote.push(v.Name);
      } catch (err) {
        session.logger.warn(`Could not delete the leftover remote file ${v.Name}: ${err}`);
        continue;
      }
    }
  }
  db.transaction(() => {
    for (const v of drop) {
      if (v.Type === VolumeType.Blocks) db.run("DELETE FROM Block WHERE VolumeID=?", v.ID);
      if (v.Type === VolumeType.Files) {
        for (const f of db.all<{ ID: number }>("SELECT ID FROM Fileset WHERE VolumeID=?", v.ID)) {
          db.run("DELETE FROM FilesetEntry WHERE FilesetID=?", f.ID);
          db.run("DELETE FROM Fileset WHERE ID=?", f.ID);
        }
      }
      deleteVolumeRow(db, v.ID);
      report.forgottenVolumes++;
    }
    pruneDangling(db);
  });
  return report;
}

/**
 * Removes blocksets whose blocks or blocklists are gone, and everything that pointed at them
 * outside completed versions. Throws if a completed version would lose an entry (that would be
 * real damage, not a leftover).
 */
export function pruneDangling(db: LocalDatabase): void {
  db.db.exec(`
    DROP TABLE IF EXISTS temp.BrokenBlockset;
    CREATE TEMP TABLE BrokenBlockset(ID INTEGER PRIMARY KEY);
    INSERT OR IGNORE INTO BrokenBlockset
      SELECT DISTINCT be.BlocksetID FROM BlocksetEntry be
      WHERE NOT EXISTS (SELECT 1 FROM Block b WHERE b.ID = be.BlockID);
    INSERT OR IGNORE INTO BrokenBlockset
      SELECT DISTINCT bl.BlocksetID FROM BlocklistHash bl
      WHERE NOT EXISTS (SELECT 1 FROM Block b WHERE b.Hash = bl.Hash);
    INSERT OR IGNORE INTO BrokenBlockset
      SELECT bs.ID FROM Blockset bs WHERE bs.Length > 0
      AND NOT EXISTS (SELECT 1 FROM BlocksetEntry be WHERE be.BlocksetID = bs.ID);
  `);
  const used = db.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM FilesetEntry fe JOIN FileLookup f ON f.ID = fe.FileID
     JOIN Metadataset m ON m.ID = f.MetadataID
     WHERE f.BlocksetID IN (SELECT ID FROM temp.BrokenBlockset)
        OR m.BlocksetID IN (SELECT ID FROM temp.BrokenBlockset)`,
  )!.n;
  if (used > 0) {
    throw new Error(
      `The local database is inconsistent: ${used} entries of completed versions refer to data ` +
        `that is missing. Run "repair" to rebuild the database from the remote files.`,
    );
  }
  db.db.exec(`
    DELETE FROM BlocksetEntry WHERE BlocksetID IN (SELECT ID FROM temp.BrokenBlockset);
    DELETE FROM BlocklistHash WHERE BlocksetID IN (SELECT ID FROM temp.BrokenBlockset);
    DELETE FROM Blockset WHERE ID IN (SELECT ID FROM temp.BrokenBlockset);
    DELETE FROM Metadataset WHERE BlocksetID NOT IN (SELECT ID FROM Blockset);
    DELETE FROM FileLookup WHERE (BlocksetID >= 0 AND BlocksetID NOT IN (SELECT ID FROM Blockset))
      OR MetadataID NOT IN (SELECT ID FROM Metadataset);
    DROP TABLE temp.BrokenBlockset;
  `);
}
