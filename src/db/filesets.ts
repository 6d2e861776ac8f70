/**
 * Filesets (backup versions) and their entries: paths (split into a shared folder prefix and a
 * name), the content blockset and the metadata set of each entry.
 */
import type { LocalDatabase } from "./local_database.ts";
import { VolumeState } from "./schema.ts";

/** A fileset row plus its dlist name. */
export interface FilesetRow {
  ID: number;
  OperationID: number;
  VolumeID: number;
  IsFullBackup: number;
  Timestamp: number;
  Name: string;
  State: number;
}

/** Splits a path into (folder prefix with trailing separator, name). Folders keep their slash. */
export function splitPath(path: string): [string, string] {
  const trimmed = path.endsWith("/") || path.endsWith("\\") ? path.slice(0, -1) : path;
  const i = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
  return [path.slice(0, i + 1), path.slice(i + 1)];
}

/** Returns the ID of a path prefix, creating it when needed. */
export function prefixId(db: LocalDatabase, prefix: string): number {
  const r = db.get<{ ID: number }>("SELECT ID FROM PathPrefix WHERE Prefix=?", prefix);
  if (r) return r.ID;
  return Number(db.run("INSERT INTO PathPrefix(Prefix) VALUES(?)", prefix).lastInsertRowid);
}

/** Returns the FileLookup ID for (path, blockset, metadata), creating it when needed. */
export function fileId(
  db: LocalDatabase,
  prefixID: number,
  name: string,
  blocksetId: number,
  metadataId: number,
): number {
  const ins = db.run(
    "INSERT OR IGNORE INTO FileLookup(PrefixID, Path, BlocksetID, MetadataID) VALUES(?, ?, ?, ?)",
    prefixID,
    name,
    blocksetId,
    metadataId,
  );
  if (ins.changes > 0) return Number(ins.lastInsertRowid);
  return db.get<{ ID: number }>(
    "SELECT ID FROM FileLookup WHERE PrefixID=? AND Path=? AND BlocksetID=? AND MetadataID=?",
    prefixID,
    name,
    blocksetId,
    metadataId,
  )!.ID;
}

export function addFileset(
  db: LocalDatabase,
  operationId: number,
  volumeId: number,
  timestamp: number,
  isFull: boolean,
): number {
  return Number(
    db.run(
      "INSERT INTO Fileset(OperationID, VolumeID, IsFullBackup, Timestamp) VALUES(?, ?, ?, ?)",
      operationId,
      volumeId,
      isFull ? 1 : 0,
      timestamp,
    ).lastInsertRowid,
  );
}

export function addFilesetEntry(
  db: LocalDatabase,
  filesetId: number,
  fileID: number,
  lastModified: number,
): void {
  db.run(
    "INSERT OR REPLACE INTO FilesetEntry(FilesetID, FileID, Lastmodified) VALUES(?, ?, ?)",
    filesetId,
    fileID,
    lastModified,
  );
}

/** Completed filesets (dlist uploaded), newest first: index 0 is version 0. */
export function completedFilesets(db: LocalDatabase): FilesetRow[] {
  return db.all<FilesetRow>(
    `SELECT f.*, v.Name AS Name, v.State AS State FROM Fileset f JOIN Remotevolume v ON v.ID=f.VolumeID
     WHERE v.State IN (?, ?) ORDER BY f.Timestamp DESC, f.ID DESC`,
    VolumeState.Uploaded,
    VolumeState.Verified,
  );
}

/** Removes a fileset and its entries (not the remote file). */
export function deleteFileset(db: LocalDatabase, filesetId: number): void {
  db.run("DELETE FROM FilesetEntry WHERE FilesetID=?", filesetId);
  db.run("DELETE FROM Fileset WHERE ID=?", filesetId);
}

/** One entry of a fileset with everything the dlist and restore need. */
export interface EntryRow {
  FileID: number;
  Path: string;
  BlocksetID: number;
  MetadataID: number;
  Lastmodified: number;
  Length: number | null;
  FullHash: Uint8Array | null;
  MetaLength: number;
  MetaHash: Uint8Array;
  MetaBlocksetID: number;
}

const ENTRY_SQL =
  `SELECT fe.FileID AS FileID, p.Prefix || f.Path AS Path, f.BlocksetID AS BlocksetID,
  f.MetadataID AS MetadataID, fe.Lastmodified AS Lastmodified, b.Length AS Length,
  b.FullHash AS FullHash, mb.Length AS MetaLength, mb.FullHash AS MetaHash, mb.ID AS MetaBlocksetID
  FROM FilesetEntry fe JOIN FileLookup f ON f.ID=fe.FileID JOIN PathPrefix p ON p.ID=f.PrefixID
  LEFT JOIN Blockset b ON b.ID=f.BlocksetID JOIN Metadataset m ON m.ID=f.MetadataID
  JOIN Blockset mb ON mb.ID=m.BlocksetID WHERE fe.FilesetID=?`;

/** Iterates the entries of a fileset (unordered). */
export function filesetEntries(db: LocalDatabase, filesetId: number): Iterable<EntryRow> {
  return db.iterate<EntryRow>(ENTRY_SQL, filesetId);
}

/** Iterates the entries of a fileset: folders and symlinks first, then files, each by path. */
export function filesetEntriesSorted(db: LocalDatabase, filesetId: number): Iterable<EntryRow> {
  return db.iterate<EntryRow>(`${ENTRY_SQL} ORDER BY f.BlocksetID >= 0, Path`, filesetId);
}

/** The previous version of a path in a fileset, for change detection. */
export interface PreviousEntry {
  FileID: number;
  BlocksetID: number;
  MetadataID: number;
  Lastmodified: number;
  Length: number | null;
  MetaHash: Uint8Array;
}

/** Looks up one path in a fileset. */
export function previousEntry(
  db: LocalDatabase,
  filesetId: number,
  prefixID: number,
  name: string,
): PreviousEntry | undefined {
  return db.get<PreviousEntry>(
    `SELECT f.ID AS FileID, f.BlocksetID AS BlocksetID, f.MetadataID AS MetadataID,
       fe.Lastmodified AS Lastmodified, b.Length AS Length, mb.FullHash AS MetaHash
     FROM FileLookup f JOIN FilesetEntry fe ON fe.FileID=f.ID AND fe.FilesetID=?
     LEFT JOIN Blockset b ON b.ID=f.BlocksetID JOIN Metadataset m ON m.ID=f.MetadataID
     JOIN Blockset mb ON mb.ID=m.BlocksetID
     WHERE f.PrefixID=? AND f.Path=?`,
    filesetId,
    prefixID,
    name,
  );
}

/** Looks up a prefix ID without creating it. */
export function findPrefixId(db: LocalDatabase, prefix: string): number | undefined {
  return db.get<{ ID: number }>("SELECT ID FROM PathPrefix WHERE Prefix=?", prefix)?.ID;
}

export function countEntries(db: LocalDatabase, filesetId: number): number {
  return db.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM FilesetEntry WHERE FilesetID=?",
    filesetId,
  )!
    .n;
}

/** Number of files and their total size in a fileset. */
export function filesetTotals(
  db: LocalDatabase,
  filesetId: number,
): { files: number; size: number } {
  const r = db.get<{ n: number; s: number }>(
    `SELECT COUNT(*) AS n, COALESCE(SUM(b.Length), 0) AS s FROM FilesetEntry fe
     JOIN FileLookup fl ON fl.ID = fe.FileID JOIN Blockset b ON b.ID = fl.BlocksetID
     WHERE fe.FilesetID = ?`,
    filesetId,
  )!;
  return { files: r.n, size: r.s };
}
