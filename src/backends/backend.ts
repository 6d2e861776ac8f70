/**
 * The storage contract every destination implements: moving opaque files by name in one remote
 * folder. Backends know nothing of the backup format.
 */

/** One file in a remote listing. */
export interface RemoteEntry {
  name: string;
  size: number;
  lastModified?: Date;
  isFolder?: boolean;
}

/** Free and total space where the service can tell. */
export interface Quota {
  total: number;
  free: number;
}

/**
 * A destination. Every method throws on failure; a missing file on `get`/`delete` throws
 * {@link FileMissingError}; a missing destination folder on `list` throws {@link FolderMissingError}.
 * `put` must never leave a partially written file under `name`.
 */
export interface Backend {
  /** Short text for messages, without credentials. */
  readonly displayName: string;
  list(): Promise<RemoteEntry[]>;
  /** Uploads the local file at `localPath` as `name`, replacing any existing file. */
  put(name: string, localPath: string): Promise<void>;
  /** Downloads `name` into the local file `localPath` (created or truncated). */
  get(name: string, localPath: string): Promise<void>;
  delete(name: string): Promise<void>;
  createFolder(): Promise<void>;
  /** Checks that the destination can be reached and listed. */
  test(): Promise<void>;
  quota?(): Promise<Quota | undefined>;
  /**
   * For destinations that are local folders: the path of `name` for reading in place, which
   * saves a copy. Undefined when the backend cannot offer it.
   */
  localPath?(name: string): string | undefined;
  close(): Promise<void>;
}

/** A remote file that should exist does not. */
export class FileMissingError extends Error {
  constructor(readonly fileName: string, where: string) {
    super(`The remote file ${fileName} does not exist in ${where}`);
    this.name = "FileMissingError";
  }
}

/** The destination folder does not exist. */
export class FolderMissingError extends Error {
  constructor(where: string) {
    super(`The destination folder ${where} does not exist`);
    this.name = "FolderMissingError";
  }
}
