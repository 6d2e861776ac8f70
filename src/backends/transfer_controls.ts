/**
 * Decorator: throttling (one process-wide bucket per direction and limit), the idle timeout of transfers
 * (`--read-write-timeout`), time limits of listing and short calls, and the size check after each
 * upload that catches a truncated file.
 */
import type { Backend, Quota, RemoteEntry } from "./backend.ts";
import { sharedBucket, throttled, type TokenBucket } from "./throttle.ts";
import { IdleWatchdog, withTimeout } from "./timeouts.ts";
import { openLocalFile, writeLocalFile } from "./transfer.ts";

/** The limits applied by {@link TransferControls}. Times in ms; 0 disables a limit. */
export interface TransferLimits {
  throttleUpload: number;
  throttleDownload: number;
  readWriteTimeout: number;
  listTimeout: number;
  shortTimeout: number;
  /** Check each upload's remote size (by `stat`, else by listing). */
  verifyUploads: boolean;
}

/** The uploaded file is missing from the listing or has the wrong size; retrying re-uploads it. */
export class UploadVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UploadVerificationError";
  }
}

/** Wraps a backend with the limits of {@link TransferLimits}. */
export class TransferControls implements Backend {
  readonly displayName: string;
  readonly #buckets: Record<"upload" | "download", TokenBucket>;
  constructor(private inner: Backend, private limits: TransferLimits) {
    this.displayName = inner.displayName;
    this.#buckets = {
      upload: sharedBucket("upload", limits.throttleUpload),
      download: sharedBucket("download", limits.throttleDownload),
    };
  }

  #streams(direction: "upload" | "download"): boolean {
    const has = direction === "upload" ? !!this.inner.putStream : !!this.inner.getStream;
    if (!has) return false;
    // A local folder without a limit is copied directly: faster, and a copy cannot stall.
    return this.#buckets[direction].rate > 0 || !this.inner.localPath;
  }

  #reset = async () => {
    await this.inner.reset?.();
  };

  list(): Promise<RemoteEntry[]> {
    return withTimeout(
      () => this.inner.list(),
      this.limits.listTimeout,
      `Listing ${this.displayName}`,
      this.#reset,
    );
  }

  async put(name: string, localPath: string): Promise<void> {
    const size = (await Deno.stat(localPath)).size;
    if (this.#streams("upload")) {
      const wd = new IdleWatchdog(this.limits.readWriteTimeout, `Upload of ${name}`);
      await wd.run(async () => {
        let { data } = await openLocalFile(localPath);
        const bucket = this.#buckets.upload;
        if (bucket.rate > 0) data = throttled(data, bucket);
        await this.inner.putStream!(name, wd.pass(data), size);
      }, this.#reset);
    } else {
      await this.inner.put(name, localPath);
    }
    if (this.limits.verifyUploads) await this.#verify(name, size);
  }

  async putMove(name: string, localPath: string): Promise<void> {
    if (!this.inner.putMove || this.#streams("upload")) return await this.put(name, localPath);
    const size = (await Deno.stat(localPath)).size;
    await this.inner.putMove(name, localPath);
    if (this.limits.verifyUploads) await this.#verify(name, size);
  }

  async #verify(name: string, size: number): Promise<void> {
    const entry = await this.stat(name);
    if (!entry) {
      throw new UploadVerificationError(
        `The uploaded file ${name} is not in the listing of ${this.displayName}`,
      );
    }
    if (entry.size !== size) {
      throw new UploadVerificationError(
        `The uploaded file ${name} has ${entry.size} bytes on ${this.displayName} but ${size} bytes locally: the upload was cut short`,
      );
    }
  }

  async get(name: string, localPath: string): Promise<void> {
    if (!this.#streams("download")) return await this.inner.get(name, localPath);
    const wd = new IdleWatchdog(this.limits.readWriteTimeout, `Download of ${name}`);
    await wd.run(async () => {
      let data = await this.inner.getStream!(name);
      const bucket = this.#buckets.download;
      if (bucket.rate > 0) data = throttled(data, bucket);
      await writeLocalFile(wd.pass(data), localPath);
    }, this.#reset);
  }

  delete(name: string): Promise<void> {
    return this.#short(`Deleting ${name}`, () => this.inner.delete(name));
  }

  createFolder(): Promise<void> {
    return this.#short(`Creating ${this.displayName}`, () => this.inner.createFolder());
  }

  test(): Promise<void> {
    return withTimeout(
      () => this.inner.test(),
      this.limits.listTimeout,
      `Testing ${this.displayName}`,
      this.#reset,
    );
  }

  quota(): Promise<Quota | undefined> {
    const q = this.inner.quota;
    if (!q) return Promise.resolve(undefined);
    return this.#short("Reading the quota", () => q.call(this.inner));
  }

  /** The entry of `name` through the inner `stat`, else found in a listing. */
  stat(name: string): Promise<RemoteEntry | undefined> {
    const s = this.inner.stat;
    if (s) return this.#short(`Checking ${name}`, () => s.call(this.inner, name));
    return this.list().then((all) => all.find((e) => e.name === name && !e.isFolder));
  }

  removeLeftovers(): Promise<number> {
    return this.inner.removeLeftovers?.() ?? Promise.resolve(0);
  }

  localPath(name: string): string | undefined {
    if (this.#buckets.download.rate > 0) return undefined;
    return this.inner.localPath?.(name);
  }

  reset(): Promise<void> {
    return this.#reset();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #short<T>(what: string, op: () => Promise<T>): Promise<T> {
    return withTimeout(op, this.limits.shortTimeout, what, this.#reset);
  }
}
