/**
 * Blocks, blocksets (file contents as ordered blocks) and metadata sets. Hashes are raw 32-byte
 * BLOBs here; the format layer speaks base64.
 */
import type { LocalDatabase } from "./local_database.ts";

/** Returns the ID of the block (hash, size), or undefined when it is not stored yet. */
export function findBlock(db: LocalDatabase, hash: Uint8Array, size: number): number | undefined {
  const r = db.get<{ ID: number }>("SELECT ID FROM Block WHERE Hash=? AND Size=?", hash, size);
  return r?.ID;
}

/** Finds a blockset by full hash and length. */
export function findBlockset(
  db: LocalDatabase,
  fullHash: Uint8Array,
  length: number,
): number | undefined {
  return db.get<{ ID: number }>(
    "SELECT ID FROM Blockset WHERE FullHash=? AND Length=?",
    fullHash,
    length,
  )?.ID;
}

/** Returns the metadata set using blockset `blocksetId`, creating it when needed. */
export function metadatasetFor(db: LocalDatabase, blocksetId: number): number {
  const ins = db.run("INSERT OR IGNORE INTO Metadataset(BlocksetID) VALUES(?)", blocksetId);
  if (ins.changes > 0) return Number(ins.lastInsertRowid);
  return db.get<{ ID: number }>("SELECT ID FROM Metadataset WHERE BlocksetID=?", blocksetId)!.ID;
}

/** Blocklist hashes of a blockset, in order. */
export function blocklistHashes(db: LocalDatabase, blocksetId: number): Uint8Array[] {
  return db.all<{ Hash: Uint8Array }>(
    "SELECT Hash FROM BlocklistHash WHERE BlocksetID=? ORDER BY Idx",
    blocksetId,
  ).map((r) => r.Hash);
}

/**
 * Records block (hash, size) in volume `volumeId` unless it is already known; returns its ID and
 * whether it is new (the caller must then store its bytes). A known block stored nowhere
 * (VolumeID -1, its volume was lost) counts as new and moves to `volumeId`.
 */
export function insertBlockIfNew(
  db: LocalDatabase,
  hash: Uint8Array,
  size: number,
  volumeId: number,
): { id: number; isNew: boolean } {
  const r = db.run(
    "INSERT OR IGNORE INTO Block(Hash, Size, VolumeID) VALUES(?, ?, ?)",
    hash,
    size,
    volumeId,
  );
  if (r.changes > 0) return { id: Number(r.lastInsertRowid), isNew: true };
  const row = db.get<{ ID: number; VolumeID: number }>(
    "SELECT ID, VolumeID FROM Block WHERE Hash=? AND Size=?",
    hash,
    size,
  )!;
  if (row.VolumeID < 0 && volumeId >= 0) {
    // A block known but stored nowhere (its volume was lost): store it again.
    db.run("UPDATE Block SET VolumeID=? WHERE ID=?", volumeId, row.ID);
    return { id: row.ID, isNew: true };
  }
  return { id: row.ID, isNew: false };
}

/**
 * Returns the blockset (fullHash, length), adding it with its blocks and blocklists when it is
 * new. Synchronous, so a blockset is never committed without its entries.
 */
export function blocksetFor(
  db: LocalDatabase,
  fullHash: Uint8Array,
  length: number,
  blockIds: readonly number[],
  blocklistHashes: readonly Uint8Array[],
): number {
  const r = db.run(
    "INSERT OR IGNORE INTO Blockset(Length, FullHash) VALUES(?, ?)",
    length,
    fullHash,
  );
  if (r.changes === 0) return findBlockset(db, fullHash, length)!;
  const id = Number(r.lastInsertRowid);
  const ins = db.stmt("INSERT INTO BlocksetEntry(BlocksetID, Idx, BlockID) VALUES(?, ?, ?)");
  for (let i = 0; i < blockIds.length; i++) ins.run(id, i, blockIds[i]);
  const insL = db.stmt("INSERT INTO BlocklistHash(BlocksetID, Idx, Hash) VALUES(?, ?, ?)");
  for (let i = 0; i < blocklistHashes.length; i++) insL.run(id, i, blocklistHashes[i]);
  return id;
}
