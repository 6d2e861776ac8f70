/**
 * Deleting versions and remote volumes from the database: dropping filesets with everything only
 * they used (blocks they alone needed move to DeletedBlock: still in a remote dblock until compact
 * repacks it), marking volumes `Deleting` before they are removed remotely, and forgetting them
 * afterwards.
 */
import type { LocalDatabase } from "./local_database.ts";
import { VolumeState, VolumeType } from "./schema.ts";
import type { VolumeRow } from "./volumes.ts";

const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");

/**
 * Removes the given filesets and everything no remaining version uses; marks their dlists
 * `Deleting`. Returns those dlist volumes. Call inside a transaction.
 */
export function dropFilesets(db: LocalDatabase, filesetIds: readonly number[]): VolumeRow[] {
  if (filesetIds.length === 0) return [];
  const ids = [...filesetIds];
  const vols = db.all<VolumeRow>(
    `SELECT v.* FROM Remotevolume v JOIN Fileset f ON f.VolumeID = v.ID
     WHERE f.ID IN (${marks(ids.length)})`,
    ...ids,
  );
  db.run(`DELETE FROM FilesetEntry WHERE FilesetID IN (${marks(ids.length)})`, ...ids);
  db.run(`DELETE FROM Fileset WHERE ID IN (${marks(ids.length)})`, ...ids);
  for (const v of vols) {
    db.run("UPDATE Remotevolume SET State=? WHERE ID=?", VolumeState.Deleting, v.ID);
    v.State = VolumeState.Deleting;
  }
  pruneUnused(db);
  return vols;
}

/**
 * Removes paths, metadata, blocksets and blocks no fileset uses any more. Blocks leave the Block
 * table (so new backups store their data again) and are remembered in DeletedBlock, which is how
 * compact knows the wasted space of each volume.
 */
export function pruneUnused(db: LocalDatabase): void {
  db.db.exec(`
    DELETE FROM FileLookup WHERE ID NOT IN (SELECT FileID FROM FilesetEntry);
    DELETE FROM Metadataset WHERE ID NOT IN (SELECT MetadataID FROM FileLookup);
    DELETE FROM Blockset WHERE ID NOT IN
      (SELECT BlocksetID FROM FileLookup UNION SELECT BlocksetID FROM Metadataset);
    DELETE FROM BlocksetEntry WHERE BlocksetID NOT IN (SELECT ID FROM Blockset);
    DELETE FROM BlocklistHash WHERE BlocksetID NOT IN (SELECT ID FROM Blockset);
    DROP TABLE IF EXISTS temp.UnusedBlock;
    CREATE TEMP TABLE UnusedBlock AS SELECT ID FROM Block WHERE ID NOT IN
      (SELECT BlockID FROM BlocksetEntry
       UNION SELECT b.ID FROM BlocklistHash bl JOIN Block b ON b.Hash = bl.Hash);
    INSERT INTO DeletedBlock(Hash, Size, VolumeID)
      SELECT Hash, Size, VolumeID FROM Block WHERE ID IN (SELECT ID FROM temp.UnusedBlock);
    DELETE FROM Block WHERE ID IN (SELECT ID FROM temp.UnusedBlock);
    DROP TABLE temp.UnusedBlock;
  `);
}

/** Volumes in state `Deleting` (a deletion that was interrupted, or is under way). */
export function deletingVolumes(db: LocalDatabase): VolumeRow[] {
  return db.all<VolumeRow>("SELECT * FROM Remotevolume WHERE State=?", VolumeState.Deleting);
}

/** Number of live blocks recorded in a volume. */
export function liveBlockCount(db: LocalDatabase, volumeId: number): number {
  return db.get<{ n: number }>("SELECT COUNT(*) AS n FROM Block WHERE VolumeID=?", volumeId)!.n;
}

/**
 * The index volumes that only describe volumes in `blockVolumeIds` (they go when those go).
 */
export function indexVolumesOnlyFor(
  db: LocalDatabase,
  blockVolumeIds: readonly number[],
): VolumeRow[] {
  if (blockVolumeIds.length === 0) return [];
  const set = new Set(blockVolumeIds);
  const candidates = db.all<VolumeRow & { B: number }>(
    `SELECT v.*, l.BlockVolumeID AS B FROM Remotevolume v
     JOIN IndexBlockLink l ON l.IndexVolumeID = v.ID
     WHERE v.Type = ? AND v.ID IN (SELECT IndexVolumeID FROM IndexBlockLink
       WHERE BlockVolumeID IN (${marks(blockVolumeIds.length)}))`,
    VolumeType.Index,
    ...blockVolumeIds,
  );
  const byId = new Map<number, { row: VolumeRow; ok: boolean }>();
  for (const c of candidates) {
    const e = byId.get(c.ID) ?? { row: c, ok: true };
    if (!set.has(c.B)) e.ok = false;
    byId.set(c.ID, e);
  }
  return [...byId.values()].filter((e) => e.ok).map((e) => {
    const { B: _b, ...row } = e.row as VolumeRow & { B: number };
    return row;
  });
}

/** Marks volumes `Deleting`. */
export function markDeleting(db: LocalDatabase, ids: readonly number[]): void {
  for (const id of ids) {
    db.run("UPDATE Remotevolume SET State=? WHERE ID=?", VolumeState.Deleting, id);
  }
}

/**
 * Forgets volumes that are gone from the remote: their rows, index links, deleted-block records
 * and (for dlists) any fileset still pointing at them. Blocks still recorded in them are removed
 * too; callers check {@link liveBlockCount} first.
 */
export function forgetDeletedVolumes(db: LocalDatabase, ids: readonly number[]): void {
  for (const id of ids) {
    db.run("DELETE FROM DeletedBlock WHERE VolumeID=?", id);
    db.run("DELETE FROM Block WHERE VolumeID=?", id);
    for (const f of db.all<{ ID: number }>("SELECT ID FROM Fileset WHERE VolumeID=?", id)) {
      db.run("DELETE FROM FilesetEntry WHERE FilesetID=?", f.ID);
      db.run("DELETE FROM Fileset WHERE ID=?", f.ID);
    }
    db.run("DELETE FROM IndexBlockLink WHERE IndexVolumeID=? OR BlockVolumeID=?", id, id);
    db.run("DELETE FROM Remotevolume WHERE ID=?", id);
  }
}
