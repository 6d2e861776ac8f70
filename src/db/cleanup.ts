/**
 * Forgetting what never reached the remote: volumes of an interrupted run, with the blocks,
 * blocksets and unfinished versions that depended on them.
 */
import type { LocalDatabase } from "./local_database.ts";
import { VolumeState, VolumeType } from "./schema.ts";
import { deleteVolumeRow, type VolumeRow } from "./volumes.ts";

/**
 * Removes the given volumes and everything that depended on them, in one transaction, then
 * prunes blocksets left without their data. Throws (and changes nothing) if a completed version
 * would lose an entry.
 */
export function forgetVolumes(db: LocalDatabase, volumes: readonly VolumeRow[]): void {
  db.transaction(() => {
    for (const v of volumes) {
      if (v.Type === VolumeType.Blocks) db.run("DELETE FROM Block WHERE VolumeID=?", v.ID);
      if (v.Type === VolumeType.Files) {
        for (const f of db.all<{ ID: number }>("SELECT ID FROM Fileset WHERE VolumeID=?", v.ID)) {
          db.run("DELETE FROM FilesetEntry WHERE FilesetID=?", f.ID);
          db.run("DELETE FROM Fileset WHERE ID=?", f.ID);
        }
      }
      deleteVolumeRow(db, v.ID);
    }
    pruneDangling(db);
  });
}

/**
 * Removes blocksets whose blocks or blocklists are gone, and everything that pointed at them
 * outside completed versions (entries of unfinished versions included). Throws if a completed version would lose an entry (that would be
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
  // Unfinished versions (an interrupted run, to be sealed as a partial version) just lose the
  // entries whose data never reached the remote.
  db.db.exec(`
    DELETE FROM FilesetEntry WHERE FilesetID IN (
      SELECT f.ID FROM Fileset f JOIN Remotevolume v ON v.ID = f.VolumeID
      WHERE v.State NOT IN (${VolumeState.Uploaded}, ${VolumeState.Verified}))
    AND FileID IN (
      SELECT fl.ID FROM FileLookup fl JOIN Metadataset m ON m.ID = fl.MetadataID
      WHERE fl.BlocksetID IN (SELECT ID FROM temp.BrokenBlockset)
         OR m.BlocksetID IN (SELECT ID FROM temp.BrokenBlockset));
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
