/**
 * Queries for filling a database from remote files (restore without a database, recreate):
 * where blocks live, which blocklists are still unknown, and expanding a blocklist into the
 * block entries of every blockset that uses it.
 */
import type { LocalDatabase } from "./local_database.ts";
import { insertBlockIfNew } from "./blocks.ts";

/** Records that block (hash, size) is stored in volume `volumeId`. */
export function placeBlock(
  db: LocalDatabase,
  hash: Uint8Array,
  size: number,
  volumeId: number,
): void {
  const upd = db.run("UPDATE Block SET VolumeID=? WHERE Hash=? AND Size=?", volumeId, hash, size);
  if (upd.changes === 0) {
    db.run(
      "INSERT OR IGNORE INTO Block(Hash, Size, VolumeID) VALUES(?, ?, ?)",
      hash,
      size,
      volumeId,
    );
  }
}

/** Sets the recorded size and hash of a volume. */
export function setVolumeSize(
  db: LocalDatabase,
  volumeId: number,
  size: number,
  hash?: string | null,
): void {
  if (hash === undefined) db.run("UPDATE Remotevolume SET Size=? WHERE ID=?", size, volumeId);
  else db.run("UPDATE Remotevolume SET Size=?, Hash=? WHERE ID=?", size, hash, volumeId);
}

/** How many blocklists are known by hash only, with their block entries still missing. */
export function missingBlocklistCount(db: LocalDatabase, hashesPerBlocklist: number): number {
  return db.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM BlocklistHash bl WHERE NOT EXISTS
       (SELECT 1 FROM BlocksetEntry be WHERE be.BlocksetID = bl.BlocksetID AND be.Idx = bl.Idx * ?)`,
    hashesPerBlocklist,
  )!.n;
}

/** True when some blockset needs the blocklist with this hash. */
export function isWantedBlocklist(db: LocalDatabase, hash: Uint8Array): boolean {
  return db.get("SELECT 1 AS x FROM BlocklistHash WHERE Hash=? LIMIT 1", hash) !== undefined;
}

/**
 * Fills the block entries of every blockset that uses blocklist `hash` (whose content is `data`,
 * raw hashes of `hashSize` bytes). Block i of a file has size min(blocksize, length - i·blocksize).
 */
export function expandBlocklist(
  db: LocalDatabase,
  blocksize: number,
  hashSize: number,
  hash: Uint8Array,
  data: Uint8Array,
): void {
  const hpb = blocksize / hashSize;
  const users = db.all<{ BlocksetID: number; Idx: number; Length: number }>(
    `SELECT bl.BlocksetID, bl.Idx, b.Length FROM BlocklistHash bl
     JOIN Blockset b ON b.ID = bl.BlocksetID WHERE bl.Hash = ?`,
    hash,
  );
  const n = data.length / hashSize;
  const ins = db.stmt(
    "INSERT OR IGNORE INTO BlocksetEntry(BlocksetID, Idx, BlockID) VALUES(?, ?, ?)",
  );
  for (const u of users) {
    for (let j = 0; j < n; j++) {
      const idx = u.Idx * hpb + j;
      const h = data.subarray(j * hashSize, (j + 1) * hashSize);
      const size = Math.min(blocksize, u.Length - idx * blocksize);
      ins.run(u.BlocksetID, idx, insertBlockIfNew(db, h, size, -1).id);
    }
  }
}

/** Names of the dblocks an index volume (by name) was found to describe. */
export function blockVolumesOfIndexName(db: LocalDatabase, indexName: string): string[] {
  return db.all<{ Name: string }>(
    `SELECT b.Name AS Name FROM Remotevolume i JOIN IndexBlockLink l ON l.IndexVolumeID = i.ID
     JOIN Remotevolume b ON b.ID = l.BlockVolumeID WHERE i.Name = ?`,
    indexName,
  ).map((r) => r.Name);
}

/** Names of the volumes holding blocklists whose entries are still unknown. */
export function volumesHoldingMissingBlocklists(
  db: LocalDatabase,
  hashesPerBlocklist: number,
): string[] {
  return db.all<{ Name: string }>(
    `SELECT DISTINCT v.Name AS Name FROM BlocklistHash bl
     JOIN Block b ON b.Hash = bl.Hash JOIN Remotevolume v ON v.ID = b.VolumeID
     WHERE NOT EXISTS (SELECT 1 FROM BlocksetEntry be
       WHERE be.BlocksetID = bl.BlocksetID AND be.Idx = bl.Idx * ?)`,
    hashesPerBlocklist,
  ).map((r) => r.Name);
}

/** True when an earlier import already read this dblock completely. */
export function isScanned(db: LocalDatabase, dblockName: string): boolean {
  return db.getConfig(`recreate-scanned:${dblockName}`) !== undefined;
}

/** Marks a dblock as read by the import (so a resumed import skips it). */
export function markScanned(db: LocalDatabase, dblockName: string): void {
  db.setConfig(`recreate-scanned:${dblockName}`, "1");
}

/** Forgets the import's progress marks once it has finished. */
export function clearScanMarks(db: LocalDatabase): void {
  db.run("DELETE FROM Configuration WHERE Key LIKE 'recreate-scanned:%'");
}
