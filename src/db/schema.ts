/**
 * The per-backup local database schema. Ours, not Duplicati's: hashes are BLOBs, paths are split
 * into a shared folder prefix and a name, and the hot tables are WITHOUT ROWID where that is
 * smaller. `SCHEMA_VERSION` bumps with every change; `migrate` brings older files forward.
 */

/** Current schema version, stored in `Configuration` under `schema-version`. */
export const SCHEMA_VERSION = 1;

/** Remote volume types (numbers as in Duplicati's verification file). */
export const VolumeType = { Blocks: 0, Files: 1, Index: 2 } as const;

/**
 * Remote volume states (numbers as in Duplicati). A volume is only trusted once `Uploaded`;
 * `Temporary` and `Uploading` volumes found after a crash are cleaned up.
 */
export const VolumeState = {
  Temporary: 0,
  Uploading: 1,
  Uploaded: 2,
  Verified: 3,
  Deleting: 4,
  Deleted: 5,
} as const;

/** Special blockset IDs marking entries without content. */
export const FOLDER_BLOCKSET_ID = -100;
export const SYMLINK_BLOCKSET_ID = -200;

/**
 * Indexes a bulk load into a fresh database may drop and build once at the end (`SCHEMA_SQL`
 * creates them again, also when a database is opened without them).
 */
export const BULK_LOAD_INDEXES = [
  "BlockHashSize",
  "BlockVolume",
  "BlocksetHashLength",
  "BlocksetEntryBlock",
  "FileLookupPath",
  "FilesetEntryFile",
] as const;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS Configuration(Key TEXT PRIMARY KEY, Value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS Operation(
  ID INTEGER PRIMARY KEY, Description TEXT NOT NULL, Timestamp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS Remotevolume(
  ID INTEGER PRIMARY KEY, OperationID INTEGER, Name TEXT NOT NULL UNIQUE, Type INTEGER NOT NULL,
  State INTEGER NOT NULL, Size INTEGER NOT NULL DEFAULT -1, Hash TEXT,
  VerificationCount INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS IndexBlockLink(
  IndexVolumeID INTEGER NOT NULL, BlockVolumeID INTEGER NOT NULL,
  PRIMARY KEY(IndexVolumeID, BlockVolumeID)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS Block(
  ID INTEGER PRIMARY KEY, Hash BLOB NOT NULL, Size INTEGER NOT NULL, VolumeID INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS BlockHashSize ON Block(Hash, Size);
CREATE INDEX IF NOT EXISTS BlockVolume ON Block(VolumeID);
CREATE TABLE IF NOT EXISTS Blockset(
  ID INTEGER PRIMARY KEY, Length INTEGER NOT NULL, FullHash BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS BlocksetHashLength ON Blockset(FullHash, Length);
CREATE TABLE IF NOT EXISTS BlocksetEntry(
  BlocksetID INTEGER NOT NULL, Idx INTEGER NOT NULL, BlockID INTEGER NOT NULL,
  PRIMARY KEY(BlocksetID, Idx)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS BlocksetEntryBlock ON BlocksetEntry(BlockID);
CREATE TABLE IF NOT EXISTS BlocklistHash(
  BlocksetID INTEGER NOT NULL, Idx INTEGER NOT NULL, Hash BLOB NOT NULL,
  PRIMARY KEY(BlocksetID, Idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS Metadataset(ID INTEGER PRIMARY KEY, BlocksetID INTEGER NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS PathPrefix(ID INTEGER PRIMARY KEY, Prefix TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS FileLookup(
  ID INTEGER PRIMARY KEY, PrefixID INTEGER NOT NULL, Path TEXT NOT NULL,
  BlocksetID INTEGER NOT NULL, MetadataID INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS FileLookupPath ON FileLookup(PrefixID, Path, BlocksetID, MetadataID);
CREATE TABLE IF NOT EXISTS Fileset(
  ID INTEGER PRIMARY KEY, OperationID INTEGER NOT NULL, VolumeID INTEGER NOT NULL,
  IsFullBackup INTEGER NOT NULL, Timestamp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS FilesetEntry(
  FilesetID INTEGER NOT NULL, FileID INTEGER NOT NULL, Lastmodified INTEGER NOT NULL,
  PRIMARY KEY(FilesetID, FileID)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS FilesetEntryFile ON FilesetEntry(FileID);
CREATE TABLE IF NOT EXISTS DeletedBlock(
  ID INTEGER PRIMARY KEY, Hash BLOB NOT NULL, Size INTEGER NOT NULL, VolumeID INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS DeletedBlockVolume ON DeletedBlock(VolumeID);
CREATE TABLE IF NOT EXISTS LogData(
  ID INTEGER PRIMARY KEY, OperationID INTEGER NOT NULL, Timestamp INTEGER NOT NULL,
  Type TEXT NOT NULL, Message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS RemoteOperation(
  ID INTEGER PRIMARY KEY, OperationID INTEGER NOT NULL, Timestamp INTEGER NOT NULL,
  Operation TEXT NOT NULL, Path TEXT NOT NULL, Data TEXT);
`;
