/**
 * Queries for repairing a backup from its database: which dblocks lack an index, what an index
 * must hold, which versions are unfinished, and sealing an interrupted version as a partial one.
 */
import type { LocalDatabase } from "./local_database.ts";
import { VolumeState, VolumeType } from "./schema.ts";
import type { VolumeRow } from "./volumes.ts";
import type { FilesetRow } from "./filesets.ts";

const TRUSTED = `(${VolumeState.Uploaded}, ${VolumeState.Verified})`;

/** Trusted dblocks that no trusted dindex describes. */
export function blockVolumesWithoutIndex(db: LocalDatabase): VolumeRow[] {
  return db.all<VolumeRow>(
    `SELECT v.* FROM Remotevolume v WHERE v.Type = ? AND v.State IN ${TRUSTED}
     AND NOT EXISTS (SELECT 1 FROM IndexBlockLink l JOIN Remotevolume i ON i.ID = l.IndexVolumeID
       WHERE l.BlockVolumeID = v.ID AND i.State IN ${TRUSTED})`,
    VolumeType.Blocks,
  );
}

/** The index volumes describing a dblock. */
export function indexVolumesOf(db: LocalDatabase, blockVolumeId: number): VolumeRow[] {
  return db.all<VolumeRow>(
    `SELECT i.* FROM IndexBlockLink l JOIN Remotevolume i ON i.ID = l.IndexVolumeID
     WHERE l.BlockVolumeID = ?`,
    blockVolumeId,
  );
}

/** The dblocks an index volume describes. */
export function blockVolumesOfIndex(db: LocalDatabase, indexVolumeId: number): VolumeRow[] {
  return db.all<VolumeRow>(
    `SELECT b.* FROM IndexBlockLink l JOIN Remotevolume b ON b.ID = l.BlockVolumeID
     WHERE l.IndexVolumeID = ?`,
    indexVolumeId,
  );
}

/** The blocks stored in a volume (raw hash, size). */
export function blocksInVolume(
  db: LocalDatabase,
  volumeId: number,
): { Hash: Uint8Array; Size: number }[] {
  return db.all("SELECT Hash, Size FROM Block WHERE VolumeID = ? ORDER BY ID", volumeId);
}

/**
 * The blocklists stored as blocks in a volume, with their content rebuilt from the blockset
 * entries they list (`hpb` hashes per blocklist). A blocklist whose entries are incomplete is
 * left out.
 */
export function blocklistsInVolume(
  db: LocalDatabase,
  volumeId: number,
  hpb: number,
): { Hash: Uint8Array; Data: Uint8Array }[] {
  const out: { Hash: Uint8Array; Data: Uint8Array }[] = [];
  const lists = db.all<{ Hash: Uint8Array; BlocksetID: number; Idx: number; Size: number }>(
    `SELECT b.Hash AS Hash, MIN(bl.BlocksetID) AS BlocksetID, MIN(bl.Idx) AS Idx, b.Size AS Size
     FROM Block b JOIN BlocklistHash bl ON bl.Hash = b.Hash
     WHERE b.VolumeID = ? GROUP BY b.ID`,
    volumeId,
  );
  for (const l of lists) {
    const hashes = db.all<{ Hash: Uint8Array }>(
      `SELECT b.Hash AS Hash FROM BlocksetEntry be JOIN Block b ON b.ID = be.BlockID
       WHERE be.BlocksetID = ? AND be.Idx >= ? AND be.Idx < ? ORDER BY be.Idx`,
      l.BlocksetID,
      l.Idx * hpb,
      (l.Idx + 1) * hpb,
    );
    const data = new Uint8Array(hashes.reduce((n, h) => n + h.Hash.length, 0));
    if (data.length !== l.Size) continue;
    let o = 0;
    for (const h of hashes) {
      data.set(h.Hash, o);
      o += h.Hash.length;
    }
    out.push({ Hash: l.Hash, Data: data });
  }
  return out;
}

/** The fileset written by a dlist volume, if any. */
export function filesetOfVolume(db: LocalDatabase, volumeId: number): FilesetRow | undefined {
  return db.get<FilesetRow>(
    `SELECT f.*, v.Name AS Name, v.State AS State FROM Fileset f
     JOIN Remotevolume v ON v.ID = f.VolumeID WHERE f.VolumeID = ?`,
    volumeId,
  );
}

/** How many trusted dblocks an operation uploaded. */
export function uploadedBlockVolumesOf(db: LocalDatabase, operationId: number): number {
  return db.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM Remotevolume WHERE OperationID = ? AND Type = ?
     AND State IN ${TRUSTED}`,
    operationId,
    VolumeType.Blocks,
  )!.n;
}

/** The newest completed fileset strictly older than `timestamp`. */
export function completedFilesetBefore(
  db: LocalDatabase,
  timestamp: number,
): FilesetRow | undefined {
  return db.get<FilesetRow>(
    `SELECT f.*, v.Name AS Name, v.State AS State FROM Fileset f
     JOIN Remotevolume v ON v.ID = f.VolumeID
     WHERE v.State IN ${TRUSTED} AND f.Timestamp < ? ORDER BY f.Timestamp DESC, f.ID DESC LIMIT 1`,
    timestamp,
  );
}

/**
 * Turns an interrupted version into a partial one: marks it not full and adds, from `previousId`,
 * every path the interrupted run had not reached yet (as Duplicati's synthetic file list does).
 */
export function makePartialFileset(
  db: LocalDatabase,
  filesetId: number,
  previousId: number | undefined,
): void {
  db.run("UPDATE Fileset SET IsFullBackup = 0 WHERE ID = ?", filesetId);
  if (previousId === undefined) return;
  db.run(
    `INSERT OR IGNORE INTO FilesetEntry(FilesetID, FileID, Lastmodified)
     SELECT ?, fe.FileID, fe.Lastmodified FROM FilesetEntry fe JOIN FileLookup f ON f.ID = fe.FileID
     WHERE fe.FilesetID = ? AND NOT EXISTS (
       SELECT 1 FROM FileLookup f2 JOIN FilesetEntry fe2 ON fe2.FileID = f2.ID AND fe2.FilesetID = ?
       WHERE f2.PrefixID = f.PrefixID AND f2.Path = f.Path)`,
    filesetId,
    previousId,
    filesetId,
  );
}

/** Moves every block of one volume to another (a rebuilt dblock replaces a lost one). */
export function moveBlocks(db: LocalDatabase, fromVolumeId: number, toVolumeId: number): void {
  db.run("UPDATE Block SET VolumeID = ? WHERE VolumeID = ?", toVolumeId, fromVolumeId);
}

/**
 * Where a block can be read back from the source: a file path and offset of some file that
 * contains it (any version), or undefined.
 */
export function sourceLocationsOfBlock(
  db: LocalDatabase,
  blockId: number,
  blocksize: number,
): { Path: string; Offset: number; Length: number }[] {
  return db.all(
    `SELECT DISTINCT p.Prefix || f.Path AS Path, be.Idx * ? AS Offset, bs.Length AS Length
     FROM BlocksetEntry be JOIN FileLookup f ON f.BlocksetID = be.BlocksetID
     JOIN PathPrefix p ON p.ID = f.PrefixID JOIN Blockset bs ON bs.ID = be.BlocksetID
     WHERE be.BlockID = ? LIMIT 5`,
    blocksize,
    blockId,
  );
}

/** Block IDs, hashes and sizes of a volume. */
export function blockRowsInVolume(
  db: LocalDatabase,
  volumeId: number,
): { ID: number; Hash: Uint8Array; Size: number }[] {
  return db.all("SELECT ID, Hash, Size FROM Block WHERE VolumeID = ? ORDER BY ID", volumeId);
}

/**
 * Marks the blocks of a lost volume as stored nowhere (VolumeID -1): the files using them are
 * broken, and the next backup stores such a block again when it meets it in the source.
 */
export function markBlocksLost(db: LocalDatabase, volumeId: number): void {
  db.run("UPDATE Block SET VolumeID = -1 WHERE VolumeID = ?", volumeId);
}

const REWRITE_KEY = "dlist-rewrite:";

/** Marks a dlist as being rewritten in place (its version changed; the remote copy is stale). */
export function markDlistRewrite(db: LocalDatabase, volumeId: number, on: boolean): void {
  if (on) db.setConfig(`${REWRITE_KEY}${volumeId}`, String(Date.now()));
  else db.run("DELETE FROM Configuration WHERE Key = ?", `${REWRITE_KEY}${volumeId}`);
}

/** Volume IDs of dlists whose rewrite was interrupted. */
export function pendingDlistRewrites(db: LocalDatabase): number[] {
  return db.all<{ Key: string }>(
    "SELECT Key FROM Configuration WHERE Key LIKE ?",
    `${REWRITE_KEY}%`,
  ).map((r) => Number(r.Key.slice(REWRITE_KEY.length)));
}

/** Blocksets with a block or blocklist marked lost (see {@link markBlocksLost}); usually none. */
export function blocksetsWithLostBlocks(db: LocalDatabase): Set<number> {
  const rows = db.all<{ ID: number }>(
    `SELECT be.BlocksetID AS ID FROM Block b JOIN BlocksetEntry be ON be.BlockID = b.ID
     WHERE b.VolumeID = -1
     UNION SELECT bl.BlocksetID AS ID FROM Block b JOIN BlocklistHash bl ON bl.Hash = b.Hash
     WHERE b.VolumeID = -1`,
  );
  return new Set(rows.map((r) => r.ID));
}

/** Paths whose metadata blockset holds the block, with the block's offset in the metadata blob. */
export function metadataLocationsOfBlock(
  db: LocalDatabase,
  blockId: number,
  blocksize: number,
): { Path: string; Offset: number }[] {
  return db.all(
    `SELECT DISTINCT p.Prefix || f.Path AS Path, be.Idx * ? AS Offset
     FROM BlocksetEntry be JOIN Metadataset m ON m.BlocksetID = be.BlocksetID
     JOIN FileLookup f ON f.MetadataID = m.ID JOIN PathPrefix p ON p.ID = f.PrefixID
     WHERE be.BlockID = ? LIMIT 5`,
    blocksize,
    blockId,
  );
}

/** Metadata sets whose blockset has a block marked lost. */
export function metadatasetsWithLostBlocks(db: LocalDatabase, lost: Set<number>): Set<number> {
  if (lost.size === 0) return new Set();
  const out = new Set<number>();
  const q = db.stmt("SELECT ID FROM Metadataset WHERE BlocksetID = ?");
  for (const b of lost) {
    const r = q.get(b) as { ID: number } | undefined;
    if (r) out.add(r.ID);
  }
  return out;
}
