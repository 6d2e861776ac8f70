/**
 * Which files depend on which remote volumes: the files that cannot be restored because their data
 * (content, metadata or blocklists) is in a lost volume or in none at all (list-broken-files,
 * purge-broken-files), and the files that depend on given volumes (affected).
 */
import type { LocalDatabase } from "./local_database.ts";
import { VolumeState } from "./schema.ts";

/** One entry of a version that depends on the marked volumes. */
export interface DependentEntry {
  FilesetID: number;
  Timestamp: number;
  FileID: number;
  Path: string;
  /** Content length; null for folders and symlinks. */
  Length: number | null;
}

/**
 * Fills the temporary table of blocksets that depend on the given volumes; with `lostBlocks`
 * also on blocks stored in no volume, and blocksets whose block list is incomplete (their
 * blocklists were never found). Call {@link dropDependencyTables} when done.
 */
export function markDependentBlocksets(
  db: LocalDatabase,
  volumeIds: readonly number[],
  o: { lostBlocks: boolean; blocksize: number },
): void {
  db.db.exec(`
    DROP TABLE IF EXISTS temp.DepVolume;
    CREATE TEMP TABLE DepVolume(ID INTEGER PRIMARY KEY);
    DROP TABLE IF EXISTS temp.DepBlockset;
    CREATE TEMP TABLE DepBlockset(ID INTEGER PRIMARY KEY);
  `);
  const ins = db.db.prepare("INSERT OR IGNORE INTO temp.DepVolume(ID) VALUES(?)");
  for (const id of volumeIds) ins.run(id);
  const lost = o.lostBlocks
    ? `OR b.VolumeID < 0 OR NOT EXISTS (SELECT 1 FROM Remotevolume v WHERE v.ID = b.VolumeID
         AND v.State IN (${VolumeState.Uploaded}, ${VolumeState.Verified}))`
    : "";
  db.db.exec(`
    INSERT OR IGNORE INTO temp.DepBlockset
      SELECT DISTINCT be.BlocksetID FROM BlocksetEntry be JOIN Block b ON b.ID = be.BlockID
      WHERE b.VolumeID IN (SELECT ID FROM temp.DepVolume) ${lost};
    INSERT OR IGNORE INTO temp.DepBlockset
      SELECT DISTINCT bl.BlocksetID FROM BlocklistHash bl JOIN Block b ON b.Hash = bl.Hash
      WHERE b.VolumeID IN (SELECT ID FROM temp.DepVolume) ${lost};
  `);
  if (o.lostBlocks) {
    db.run(
      `INSERT OR IGNORE INTO temp.DepBlockset
       SELECT bs.ID FROM Blockset bs WHERE bs.Length > 0 AND
         (SELECT COUNT(*) FROM BlocksetEntry be WHERE be.BlocksetID = bs.ID)
           < CAST((bs.Length + ? - 1) / ? AS INTEGER)`,
      o.blocksize,
      o.blocksize,
    );
  }
}

/** Entries of every completed version whose content or metadata blockset is marked, by version then path. */
export function dependentEntries(db: LocalDatabase): DependentEntry[] {
  return db.db.prepare(
    `SELECT fs.ID AS FilesetID, fs.Timestamp AS Timestamp, fe.FileID AS FileID,
       p.Prefix || f.Path AS Path, bs.Length AS Length
     FROM FilesetEntry fe JOIN Fileset fs ON fs.ID = fe.FilesetID
     JOIN FileLookup f ON f.ID = fe.FileID JOIN PathPrefix p ON p.ID = f.PrefixID
     JOIN Metadataset m ON m.ID = f.MetadataID LEFT JOIN Blockset bs ON bs.ID = f.BlocksetID
     JOIN Remotevolume dl ON dl.ID = fs.VolumeID
     WHERE dl.State IN (${VolumeState.Uploaded}, ${VolumeState.Verified}) AND (f.BlocksetID IN (SELECT ID FROM temp.DepBlockset)
        OR m.BlocksetID IN (SELECT ID FROM temp.DepBlockset))
     ORDER BY fs.Timestamp DESC, Path`,
  ).all() as unknown as DependentEntry[];
}

export function dropDependencyTables(db: LocalDatabase): void {
  db.db.exec("DROP TABLE IF EXISTS temp.DepVolume; DROP TABLE IF EXISTS temp.DepBlockset;");
}

/** Removes entries from a version. */
export function deleteFilesetEntries(
  db: LocalDatabase,
  filesetId: number,
  fileIds: readonly number[],
): void {
  const del = db.stmt("DELETE FROM FilesetEntry WHERE FilesetID = ? AND FileID = ?");
  for (const f of fileIds) del.run(filesetId, f);
}
