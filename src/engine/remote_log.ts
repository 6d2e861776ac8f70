/**
 * The remote operation log: every list, get, put, delete and createfolder an operation does, with
 * the file name and (as JSON) its size and hash, or the listing, or the error. The session records
 * them in memory through {@link RecordingBackend} and writes them to the backup's local database
 * (`RemoteOperation`, as Duplicati does) when it closes, so a rolled-back transaction of an aborted
 * operation does not lose them.
 */
import type { Backend, Quota, RemoteEntry } from "../backends/backend.ts";
import { hashFile } from "./remote_volumes.ts";

/** One recorded remote operation. */
export interface RemoteLogEntry {
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** list, get, put, delete or createfolder (Duplicati's names). */
  operation: string;
  /** The remote file name ("" for list and createfolder). */
  path: string;
  /** JSON: {Size, Hash} for files, the entries for list, {Error} when it failed; or null. */
  data: string | null;
}

/** Collects the remote operations of one session. */
export class RemoteLog {
  readonly entries: RemoteLogEntry[] = [];
  /** Sizes and hashes learned from listings and transfers, for the log of later deletes. */
  #known = new Map<string, { size: number; hash?: string }>();
  #hints = new Map<string, string>();

  constructor(private now: () => number = Date.now) {}

  /** Records one operation. */
  record(operation: string, path: string, data: unknown): void {
    this.entries.push({
      timestamp: this.now(),
      operation,
      path,
      data: data === null || data === undefined ? null : JSON.stringify(data),
    });
  }

  /** Tells the log the hash of a file about to be uploaded, which saves hashing it again. */
  knownHash(name: string, hash: string): void {
    this.#hints.set(name, hash);
  }

  /**
   * Records a read of `name` done in place at `localPath` (local destinations); `knownHash` saves
   * hashing the file again when the caller already did.
   */
  async recordRead(name: string, localPath: string, knownHash?: string): Promise<void> {
    try {
      const { size, hash } = knownHash !== undefined
        ? { size: (await Deno.stat(localPath)).size, hash: knownHash }
        : await hashFile(localPath);
      this.#known.set(name, { size, hash });
      this.record("get", name, { Size: size, Hash: hash });
    } catch (err) {
      this.record("get", name, { Error: (err as Error).message });
    }
  }

  /** @internal used by RecordingBackend. */
  takeHint(name: string): string | undefined {
    const h = this.#hints.get(name);
    this.#hints.delete(name);
    return h;
  }

  /** @internal used by RecordingBackend. */
  known(name: string): { size: number; hash?: string } | undefined {
    return this.#known.get(name);
  }

  /** @internal used by RecordingBackend. */
  learn(name: string, v: { size: number; hash?: string } | undefined): void {
    if (v) this.#known.set(name, v);
    else this.#known.delete(name);
  }
}

function errorData(err: unknown): { Error: string } {
  return { Error: (err as Error)?.message ?? String(err) };
}

/** A backend that records what passes through it in a {@link RemoteLog}; otherwise transparent. */
export class RecordingBackend implements Backend {
  localPath?: (name: string) => string | undefined;
  stat?: (name: string) => Promise<RemoteEntry | undefined>;
  removeLeftovers?: () => Promise<number>;
  reset?: () => Promise<void>;
  quota?: () => Promise<Quota | undefined>;
  putMove?: (name: string, localPath: string) => Promise<void>;
  putStream?: (name: string, data: ReadableStream<Uint8Array>, size: number) => Promise<void>;
  getStream?: (name: string) => Promise<ReadableStream<Uint8Array>>;

  constructor(readonly inner: Backend, readonly log: RemoteLog) {
    // Optional methods exist here only when the inner backend has them: callers test for them.
    if (inner.localPath) this.localPath = (n) => inner.localPath!(n);
    if (inner.stat) this.stat = (n) => inner.stat!(n);
    if (inner.removeLeftovers) this.removeLeftovers = () => inner.removeLeftovers!();
    if (inner.reset) this.reset = () => inner.reset!();
    if (inner.quota) this.quota = () => inner.quota!();
    if (inner.putMove) {
      this.putMove = (name, localPath) => this.#put(name, localPath, inner.putMove!.bind(inner));
    }
    if (inner.putStream) {
      this.putStream = async (name, data, size) => {
        try {
          await inner.putStream!(name, data, size);
        } catch (err) {
          log.record("put", name, errorData(err));
          throw err;
        }
        log.learn(name, { size });
        log.record("put", name, { Size: size, Hash: null });
      };
    }
    if (inner.getStream) {
      this.getStream = async (name) => {
        try {
          const s = await inner.getStream!(name);
          log.record("get", name, { Size: log.known(name)?.size ?? -1, Hash: null });
          return s;
        } catch (err) {
          log.record("get", name, errorData(err));
          throw err;
        }
      };
    }
  }

  get displayName(): string {
    return this.inner.displayName;
  }

  async list(): Promise<RemoteEntry[]> {
    let entries: RemoteEntry[];
    try {
      entries = await this.inner.list();
    } catch (err) {
      this.log.record("list", "", errorData(err));
      throw err;
    }
    for (const e of entries) {
      if (!e.isFolder) this.log.learn(e.name, { size: e.size, hash: this.log.known(e.name)?.hash });
    }
    this.log.record(
      "list",
      "",
      entries.map((e) => ({
        Name: e.name,
        LastModification: e.lastModified?.toISOString() ?? null,
        Size: e.size,
        IsFolder: e.isFolder === true,
      })),
    );
    return entries;
  }

  put(name: string, localPath: string): Promise<void> {
    return this.#put(name, localPath, this.inner.put.bind(this.inner));
  }

  async #put(
    name: string,
    localPath: string,
    upload: (name: string, localPath: string) => Promise<void>,
  ): Promise<void> {
    const hint = this.log.takeHint(name);
    // Size and hash before the upload: putMove moves the file away.
    let info: { size: number; hash?: string };
    try {
      info = hint !== undefined
        ? { size: (await Deno.stat(localPath)).size, hash: hint }
        : await hashFile(localPath);
    } catch {
      info = { size: -1 };
    }
    try {
      await upload(name, localPath);
    } catch (err) {
      this.log.record("put", name, { Size: info.size, Hash: info.hash ?? null, ...errorData(err) });
      throw err;
    }
    this.log.learn(name, info);
    this.log.record("put", name, { Size: info.size, Hash: info.hash ?? null });
  }

  async get(name: string, localPath: string): Promise<void> {
    try {
      await this.inner.get(name, localPath);
    } catch (err) {
      this.log.record("get", name, errorData(err));
      throw err;
    }
    let info: { size: number; hash?: string } = { size: -1 };
    try {
      info = await hashFile(localPath);
    } catch {
      // Already moved away by the caller: size and hash stay unknown.
    }
    this.log.learn(name, info);
    this.log.record("get", name, { Size: info.size, Hash: info.hash ?? null });
  }

  async delete(name: string): Promise<void> {
    const known = this.log.known(name);
    const data = { Size: known?.size ?? -1, Hash: known?.hash ?? null };
    try {
      await this.inner.delete(name);
    } catch (err) {
      this.log.record("delete", name, { ...data, ...errorData(err) });
      throw err;
    }
    this.log.learn(name, undefined);
    this.log.record("delete", name, data);
  }

  async createFolder(): Promise<void> {
    try {
      await this.inner.createFolder();
    } catch (err) {
      this.log.record("createfolder", "", errorData(err));
      throw err;
    }
    this.log.record("createfolder", "", null);
  }

  test(): Promise<void> {
    return this.inner.test();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
