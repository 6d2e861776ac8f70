/**
 * The storage contract every destination implements: moving opaque files by name in one remote
 * folder. Backends know nothing of the backup format.
 */
import { UserError } from "../core/errors.ts";

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
 * {@link FileMissingError}; a missing destination folder on `list` throws {@link FolderMissingError};
 * errors that cannot heal by retrying (wrong password, unknown host key, missing bucket) are
 * {@link PermanentBackendError}s (or carry `permanent: true`). `put` must never leave a partially
 * written file under `name` where the service allows it.
 *
 * Network backends should also offer the streaming forms (`putStream`, `getStream`): the
 * decorators ({@link ./decorate.ts}) route transfers through them to throttle and time them out.
 */
export interface Backend {
  /** Short text for messages, without credentials. */
  readonly displayName: string;
  list(): Promise<RemoteEntry[]>;
  /** Uploads the local file at `localPath` as `name`, replacing any existing file. */
  put(name: string, localPath: string): Promise<void>;
  /**
   * Like `put`, for a local file the caller no longer needs: a local folder may move it into place
   * instead of copying it, so it may be gone afterwards. Callers use `put` when this is absent.
   */
  putMove?(name: string, localPath: string): Promise<void>;
  /** Downloads `name` into the local file `localPath` (created or truncated). */
  get(name: string, localPath: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** Creates the destination folder (and its parents); no error when it exists. */
  createFolder(): Promise<void>;
  /** Checks that the destination can be reached and listed. */
  test(): Promise<void>;
  quota?(): Promise<Quota | undefined>;
  /** One file's entry, or undefined when it does not exist (cheaper than `list` where offered). */
  stat?(name: string): Promise<RemoteEntry | undefined>;
  /** Uploads `size` bytes read from `data` as `name`. Must consume `data` or cancel it. */
  putStream?(name: string, data: ReadableStream<Uint8Array>, size: number): Promise<void>;
  /** The content of `name` as a stream; throws FileMissingError before returning if it is absent. */
  getStream?(name: string): Promise<ReadableStream<Uint8Array>>;
  /**
   * For destinations that are local folders: the path of `name` for reading in place, which
   * saves a copy. Undefined when the backend cannot offer it.
   */
  localPath?(name: string): string | undefined;
  /**
   * Deletes what interrupted uploads left behind (temporary files that `list` does not show);
   * returns how many. Only for backends that write such files. Call when no upload is running.
   */
  removeLeftovers?(): Promise<number>;
  /**
   * Drops any open connection so the next call starts afresh (called between retries). Optional:
   * backends without connections need not offer it.
   */
  reset?(): Promise<void>;
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

/**
 * An error that retrying cannot heal: wrong credentials, an untrusted host key, a missing bucket,
 * an invalid URL. The retry decorator gives up on it at once. The message says what to do.
 */
export class PermanentBackendError extends UserError {
  constructor(message: string, code = "BackendPermanentError", cause?: unknown) {
    super(message, { code, cause });
    this.name = "PermanentBackendError";
  }
}

/** The server refused the login. */
export class AuthenticationError extends PermanentBackendError {
  constructor(message: string, cause?: unknown) {
    super(message, "AuthenticationFailed", cause);
    this.name = "AuthenticationError";
  }
}

/** A remote operation failed for good (after its retries); says which operation and where. */
export class BackendError extends UserError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: "BackendError", cause });
    this.name = "BackendError";
  }
}

/**
 * True for errors a retry cannot heal: {@link PermanentBackendError}s, missing files and folders,
 * bad arguments, and any error carrying `permanent: true` (how a backend marks a library error).
 */
export function isPermanent(err: unknown): boolean {
  if (err instanceof PermanentBackendError) return true;
  if (err instanceof FileMissingError || err instanceof FolderMissingError) return true;
  if (err instanceof Error && err.name === "ArgumentError") return true;
  return typeof err === "object" && err !== null &&
    (err as { permanent?: unknown }).permanent === true;
}
