/**
 * Queries for filling a database from remote files (restore without a database, recreate):
 * where blocks live, which blocklists are still unknown, and expanding a blocklist into the
 * block entries of every blockset that uses it.
 */
import { Buffer } from "node:buffer";
import type { SQLInputValue } from "node:sqlite";
import type { LocalDatabase } from "./local_database.ts";
import { runRows } from "./batch.ts";

/** Records that block (hash, size) is stored in volume `volumeId`. */
export function placeBlock(
  db: LocalDatabase,
  hash: Uint8Array,
  size: number,
  volumeId: number,
): void {
  placeBlocks(db, [{ hash, size }], volumeId);
}

/**
 * Records that the blocks are stored in volume `volumeId`: a known block moves there, an unknown
 * one is added (in the order given, so IDs are as with one `placeBlock` per block).
 */
export function placeBlocks(
  db: LocalDatabase,
  blocks: readonly { hash: Uint8Array; size: number }[],
  volumeId: number,
): void {
  const values: SQLInputValue[] = [];
  for (const b of blocks) values.push(b.hash, b.size, volumeId);
  runRows(
    db,
    (l) =>
      `INSERT INTO Block(Hash, Size, VolumeID) VALUES ${l}
       ON CONFLICT(Hash, Size) DO UPDATE SET VolumeID = excluded.VolumeID`,
    3,
    values,
  );
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
  // Rows (blockset, index, hash, size) in the order one insert per block would take.
  const rows: { bs: number; idx: number; hash: Uint8Array; size: number }[] = [];
  for (const u of users) {
    for (let j = 0; j < n; j++) {
      const idx = u.Idx * hpb + j;
      const h = data.subarray(j * hashSize, (j + 1) * hashSize);
      rows.push({
        bs: u.BlocksetID,
        idx,
        hash: h,
        size: Math.min(blocksize, u.Length - idx * blocksize),
      });
    }
  }
  if (rows.length === 0) return;
  // Blocks not known yet are added stored nowhere (-1), as insertBlockIfNew does.
  runRows(
    db,
    (l) => `INSERT OR IGNORE INTO Block(Hash, Size, VolumeID) VALUES ${l}`,
    3,
    rows.flatMap((r) => [r.hash, r.size, -1]),
  );
  const key = (h: Uint8Array, size: number) =>
    `${Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString("latin1")}:${size}`;
  const ids = new Map<string, number>();
  const hashes = new Map<string, Uint8Array>();
  for (const r of rows) hashes.set(key(r.hash, 0), r.hash);
  runRows(
    db,
    (l) => `SELECT ID, Hash, Size FROM Block WHERE Hash IN (${l})`,
    1,
    [...hashes.values()],
    (r) => ids.set(key(r.Hash as Uint8Array, r.Size as number), r.ID as number),
  );
  runRows(
    db,
    (l) => `INSERT OR IGNORE INTO BlocksetEntry(BlocksetID, Idx, BlockID) VALUES ${l}`,
    3,
    rows.flatMap((r) => [r.bs, r.idx, ids.get(key(r.hash, r.size))!]),
  );
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
