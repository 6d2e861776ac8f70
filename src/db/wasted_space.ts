/**
 * Queries for compacting: how much of each dblock is still used, which blocks of a volume are
 * live, and moving live blocks to the volume they were repacked into.
 */
import { toBase64 } from "../core/bytes.ts";
import type { LocalDatabase } from "./local_database.ts";
import { VolumeState, VolumeType } from "./schema.ts";

/** Usage of one uploaded dblock. Sizes are uncompressed block bytes except `compressedSize`. */
export interface VolumeUsage {
  id: number;
  name: string;
  /** Live plus wasted bytes. */
  dataSize: number;
  /** Bytes of blocks no version uses. */
  wastedSize: number;
  /** Size of the remote file. */
  compressedSize: number;
  hash: string | null;
}

/** Usage of every uploaded dblock, oldest first. */
export function volumeUsage(db: LocalDatabase): VolumeUsage[] {
  return db.all<
    { ID: number; Name: string; Size: number; Hash: string | null; A: number; W: number }
  >(
    `SELECT v.ID, v.Name, v.Size, v.Hash,
       COALESCE((SELECT SUM(b.Size) FROM Block b WHERE b.VolumeID = v.ID), 0) AS A,
       COALESCE((SELECT SUM(d.Size) FROM DeletedBlock d WHERE d.VolumeID = v.ID), 0) AS W
     FROM Remotevolume v WHERE v.Type = ? AND v.State IN (?, ?) ORDER BY v.ID`,
    VolumeType.Blocks,
    VolumeState.Uploaded,
    VolumeState.Verified,
  ).map((r) => ({
    id: r.ID,
    name: r.Name,
    dataSize: r.A + r.W,
    wastedSize: r.W,
    compressedSize: r.Size,
    hash: r.Hash,
  }));
}

/** A live block of a volume: its ID and whether it is a blocklist (copied into the dindex). */
export interface LiveBlock {
  ID: number;
  Size: number;
  IsList: number;
}

/**
 * The live blocks of a volume, keyed by `<base64 hash>:<size>`, for matching the volume's zip
 * entries.
 */
export function liveBlocksOf(db: LocalDatabase, volumeId: number): Map<string, LiveBlock> {
  const out = new Map<string, LiveBlock>();
  for (
    const r of db.iterate<{ ID: number; Hash: Uint8Array; Size: number; IsList: number }>(
      `SELECT b.ID, b.Hash, b.Size,
         EXISTS(SELECT 1 FROM temp.ListHash l WHERE l.Hash = b.Hash) AS IsList
       FROM Block b WHERE b.VolumeID = ?`,
      volumeId,
    )
  ) {
    out.set(`${toBase64(r.Hash)}:${r.Size}`, r);
  }
  return out;
}

/** Collects the hashes of every blocklist into a temp table (for {@link liveBlocksOf}). */
export function prepareListHashes(db: LocalDatabase): void {
  db.db.exec(`DROP TABLE IF EXISTS temp.ListHash;
    CREATE TEMP TABLE ListHash(Hash BLOB PRIMARY KEY) WITHOUT ROWID;
    INSERT OR IGNORE INTO temp.ListHash SELECT Hash FROM BlocklistHash;`);
}

/** Drops the temp table of {@link prepareListHashes}. */
export function dropListHashes(db: LocalDatabase): void {
  db.db.exec("DROP TABLE IF EXISTS temp.ListHash");
}

/**
 * Points blocks at the volume they were repacked into; only blocks still in `fromVolume` move.
 * Returns how many moved.
 */
export function moveBlocks(
  db: LocalDatabase,
  moves: readonly { blockId: number; from: number }[],
  toVolume: number,
): number {
  const st = db.stmt("UPDATE Block SET VolumeID=? WHERE ID=? AND VolumeID=?");
  let n = 0;
  for (const m of moves) n += Number(st.run(toVolume, m.blockId, m.from).changes);
  return n;
}

/** Time of the last compact (ms), from the configuration. */
export function lastCompactTime(db: LocalDatabase): number {
  return Number(db.getConfig("last-compact") ?? 0);
}

/** Records the time of a compact. */
export function setLastCompactTime(db: LocalDatabase, at: number): void {
  db.setConfig("last-compact", String(at));
}
