/**
 * The working state of one restore, kept in temporary tables rather than in memory so that a
 * version with millions of files restores in flat memory: every selected entry with its target
 * path and progress, the metadata blobs collected on the way, and the block plan that visits each
 * remote volume once.
 */
import type { StatementSync } from "node:sqlite";
import type { LocalDatabase } from "./local_database.ts";

/** Entry kinds. */
export const KIND_FILE = 0;
export const KIND_FOLDER = 1;
export const KIND_SYMLINK = 2;

/** Progress values of a target. */
export const TARGET_PENDING = 0;
export const TARGET_FOLDER_DONE = 1;
/** Already in place: identical file kept, or an empty file written. */
export const TARGET_DONE = 2;
export const TARGET_FAILED = 3;

/** One selected entry. */
export interface TargetRow {
  ID: number;
  Kind: number;
  Path: string;
  Target: string;
  BlocksetID: number;
  Length: number;
  FullHash: Uint8Array | null;
  MetaBlocksetID: number;
  Tmp: string | null;
  /** Progress: TARGET_PENDING, TARGET_FOLDER_DONE, TARGET_DONE or TARGET_FAILED. */
  Done: number;
}

/** An entry as the target pass needs it. */
export type SelectedRow = Pick<TargetRow, "ID" | "Kind" | "Path" | "Length" | "FullHash">;

/** A file still to put in place. */
export type PendingFileRow = Pick<
  TargetRow,
  "ID" | "Path" | "Target" | "Tmp" | "Length" | "FullHash"
>;

/** An entry with its metadata blob (`Meta`, null when it was not read). */
export type MetadataRow = Pick<TargetRow, "ID" | "Path" | "Target" | "Done"> & {
  Meta: Uint8Array | null;
};

/** One block to place: a file block (M = 0) or a metadata block (M = 1, F = its blockset). */
export interface PlanRow {
  M: number;
  F: number;
  Idx: number;
  Hash: Uint8Array;
  Size: number;
  V: number;
  Name: string | null;
  VSize: number | null;
  VHash: string | null;
  Target: string;
  Tmp: string | null;
  /** A file's length (M = 0), or the metadata blob's (M = 1). */
  Length: number;
  FullHash: Uint8Array;
}

/** A remote volume the plan needs. */
export interface PlanVolume {
  V: number;
  Name: string;
  VSize: number | null;
  VHash: string | null;
}

/** The temporary restore tables of one connection; `drop()` when done. */
export class RestoreTargets {
  private insert: StatementSync;
  private update: StatementSync;
  private getMeta: StatementSync;
  private setMeta: StatementSync;

  constructor(private db: LocalDatabase) {
    db.db.exec(`DROP TABLE IF EXISTS temp.RestoreTarget;
      CREATE TEMP TABLE RestoreTarget(ID INTEGER PRIMARY KEY, Kind INTEGER NOT NULL,
        Path TEXT NOT NULL, Target TEXT, BlocksetID INTEGER, Length INTEGER, FullHash BLOB,
        MetaBlocksetID INTEGER, Tmp TEXT, Done INTEGER NOT NULL DEFAULT 0);
      DROP TABLE IF EXISTS temp.RestoreMeta;
      CREATE TEMP TABLE RestoreMeta(BlocksetID INTEGER PRIMARY KEY, Data BLOB);`);
    this.insert = db.db.prepare(
      `INSERT INTO temp.RestoreTarget(Kind, Path, BlocksetID, Length, FullHash, MetaBlocksetID)
       VALUES(?, ?, ?, ?, ?, ?)`,
    );
    this.update = db.db.prepare("UPDATE temp.RestoreTarget SET Target=?, Tmp=?, Done=? WHERE ID=?");
    this.getMeta = db.db.prepare("SELECT Data FROM temp.RestoreMeta WHERE BlocksetID = ?");
    this.setMeta = db.db.prepare("UPDATE temp.RestoreMeta SET Data = ? WHERE BlocksetID = ?");
  }

  add(
    kind: number,
    path: string,
    blocksetId: number,
    length: number,
    fullHash: Uint8Array | null,
    metaBlocksetId: number,
  ): void {
    this.insert.run(kind, path, blocksetId, length, fullHash, metaBlocksetId);
  }

  /** Every entry, in insertion order. */
  all(): Iterable<SelectedRow> {
    return this.db.db.prepare(
      "SELECT ID, Kind, Path, Length, FullHash FROM temp.RestoreTarget ORDER BY ID",
    ).iterate() as Iterable<SelectedRow>;
  }

  setTarget(id: number, target: string, tmp: string | null, done: number): void {
    this.update.run(target, tmp, done, id);
  }

  /**
   * The blocks of every pending file and of every entry's metadata, ordered by volume so each
   * volume is read once. ORDER BY makes SQLite sort every row before returning the first, so
   * metadata may be stored while iterating.
   */
  plan(): Iterable<PlanRow> {
    this.db.db.exec(
      `INSERT OR IGNORE INTO temp.RestoreMeta(BlocksetID)
       SELECT DISTINCT MetaBlocksetID FROM temp.RestoreTarget`,
    );
    return this.db.db.prepare(
      `SELECT 0 AS M, rt.ID AS F, be.Idx AS Idx, b.Hash AS Hash, b.Size AS Size, b.VolumeID AS V,
         v.Name AS Name, v.Size AS VSize, v.Hash AS VHash, rt.Target AS Target, rt.Tmp AS Tmp,
         rt.Length AS Length, rt.FullHash AS FullHash
       FROM temp.RestoreTarget rt JOIN BlocksetEntry be ON be.BlocksetID = rt.BlocksetID
       JOIN Block b ON b.ID = be.BlockID LEFT JOIN Remotevolume v ON v.ID = b.VolumeID
       WHERE rt.Kind = ${KIND_FILE} AND rt.Done = ${TARGET_PENDING}
       UNION ALL
       SELECT 1 AS M, rm.BlocksetID AS F, be.Idx AS Idx, b.Hash AS Hash, b.Size AS Size,
         b.VolumeID AS V, v.Name AS Name, v.Size AS VSize, v.Hash AS VHash, '' AS Target,
         NULL AS Tmp, coalesce(bs.Length, 0) AS Length, NULL AS FullHash
       FROM temp.RestoreMeta rm JOIN BlocksetEntry be ON be.BlocksetID = rm.BlocksetID
       LEFT JOIN Blockset bs ON bs.ID = rm.BlocksetID
       JOIN Block b ON b.ID = be.BlockID LEFT JOIN Remotevolume v ON v.ID = b.VolumeID
       ORDER BY V, M, F, Idx`,
    ).iterate() as Iterable<PlanRow>;
  }

  /**
   * Names of the volumes holding the selected files and their metadata, in the order `plan()`
   * visits volumes. Callable right after the selection: it may include volumes of files that
   * later turn out to be in place already.
   */
  selectedVolumes(): string[] {
    return (this.db.db.prepare(
      `SELECT v.Name AS Name FROM Remotevolume v WHERE v.ID IN (
         SELECT b.VolumeID FROM temp.RestoreTarget rt
           JOIN BlocksetEntry be ON be.BlocksetID = rt.BlocksetID JOIN Block b ON b.ID = be.BlockID
           WHERE rt.Kind = ${KIND_FILE}
         UNION SELECT b.VolumeID FROM temp.RestoreTarget rt
           JOIN BlocksetEntry be ON be.BlocksetID = rt.MetaBlocksetID
           JOIN Block b ON b.ID = be.BlockID)
       ORDER BY v.ID`,
    ).all() as { Name: string }[]).map((r) => r.Name);
  }

  /** The volumes of {@link plan}, in the order it visits them (call after `plan()`). */
  volumes(): PlanVolume[] {
    return this.db.db.prepare(
      `SELECT DISTINCT v.ID AS V, v.Name AS Name, v.Size AS VSize, v.Hash AS VHash
       FROM Remotevolume v WHERE v.ID IN (
         SELECT b.VolumeID FROM temp.RestoreTarget rt
           JOIN BlocksetEntry be ON be.BlocksetID = rt.BlocksetID JOIN Block b ON b.ID = be.BlockID
           WHERE rt.Kind = ${KIND_FILE} AND rt.Done = ${TARGET_PENDING}
         UNION SELECT b.VolumeID FROM temp.RestoreMeta rm
           JOIN BlocksetEntry be ON be.BlocksetID = rm.BlocksetID JOIN Block b ON b.ID = be.BlockID)
       ORDER BY v.ID`,
    ).all() as unknown as PlanVolume[];
  }

  /**
   * Stores block `idx` of the metadata blob of `blocksetId`, which is `length` bytes long in
   * blocks of `blocksize`. The blocks of a longer blob may come in any order (a plan visits
   * volumes in their order, not the blocks'); the blob is whole once all have come.
   */
  addMetaBlock(
    blocksetId: number,
    idx: number,
    data: Uint8Array,
    length: number,
    blocksize: number,
  ): void {
    if (length <= blocksize) {
      this.setMeta.run(data, blocksetId);
      return;
    }
    let blob = this.metaBlob(blocksetId);
    if (blob?.length !== length) {
      const fresh = new Uint8Array(length);
      if (blob) fresh.set(blob.subarray(0, length));
      blob = fresh;
    }
    blob.set(data.subarray(0, Math.max(0, length - idx * blocksize)), idx * blocksize);
    this.setMeta.run(blob, blocksetId);
  }

  /** The metadata blob of a blockset, when it was read. */
  metaBlob(blocksetId: number): Uint8Array | undefined {
    return (this.getMeta.get(blocksetId) as { Data: Uint8Array | null } | undefined)?.Data ??
      undefined;
  }

  /**
   * Files not yet in place that are written to a temporary name; with `all`, the others (written
   * whole, or not at all) too.
   */
  pendingFiles(all: boolean): Iterable<PendingFileRow> {
    return this.db.db.prepare(
      `SELECT ID, Path, Target, Tmp, Length, FullHash FROM temp.RestoreTarget
       WHERE Kind = ${KIND_FILE} AND Target IS NOT NULL AND Done = ${TARGET_PENDING}
       ${all ? "" : "AND Tmp IS NOT NULL"} ORDER BY ID`,
    ).iterate() as Iterable<PendingFileRow>;
  }

  /** Entries of one kind with their metadata blobs; folders deepest first. */
  withMetadata(kind: number): Iterable<MetadataRow> {
    const order = kind === KIND_FOLDER ? "length(rt.Target) DESC" : "rt.ID";
    return this.db.db.prepare(
      `SELECT rt.ID AS ID, rt.Path AS Path, rt.Target AS Target, rt.Done AS Done, rm.Data AS Meta
       FROM temp.RestoreTarget rt LEFT JOIN temp.RestoreMeta rm
         ON rm.BlocksetID = rt.MetaBlocksetID
       WHERE rt.Kind = ${kind} AND rt.Target IS NOT NULL ORDER BY ${order}`,
    ).iterate() as Iterable<MetadataRow>;
  }

  /** Every temporary file name handed out. */
  tmpFiles(): Iterable<{ Tmp: string }> {
    return this.db.db.prepare("SELECT Tmp FROM temp.RestoreTarget WHERE Tmp IS NOT NULL")
      .iterate() as Iterable<{ Tmp: string }>;
  }

  drop(): void {
    this.db.db.exec(
      "DROP TABLE IF EXISTS temp.RestoreTarget; DROP TABLE IF EXISTS temp.RestoreMeta;",
    );
  }
}
