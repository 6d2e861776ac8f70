/**
 * Decorator: retries failed remote operations (`--number-of-retries`, `--retry-delay`,
 * `--retry-with-exponential-backoff`), dropping the connection between attempts. Errors that
 * cannot heal ({@link isPermanent}) are thrown at once; the last error of an exhausted operation is
 * wrapped in a {@link BackendError} naming the operation, the destination and the attempts.
 */
import type { Logger } from "../core/log.ts";
import type { Backend, Quota, RemoteEntry } from "./backend.ts";
import { BackendError, FileMissingError, isPermanent } from "./backend.ts";

/** How to retry. `retries` extra attempts follow the first; delays in ms. */
export interface RetryPolicy {
  retries: number;
  delay: number;
  exponential: boolean;
}

/** Wraps a backend so every operation is retried by `policy`. */
export class RetryingBackend implements Backend {
  readonly displayName: string;
  constructor(
    private inner: Backend,
    private policy: RetryPolicy,
    private logger?: Logger,
  ) {
    this.displayName = inner.displayName;
  }

  async #attempt<T>(
    what: string,
    op: () => Promise<T>,
    afterFirst?: (e: unknown) => T,
  ): Promise<T> {
    const total = Math.max(0, this.policy.retries) + 1;
    let delay = this.policy.delay;
    for (let attempt = 1;; attempt++) {
      try {
        return await op();
      } catch (err) {
        // A delete whose first attempt reached the server before failing finds nothing later.
        if (attempt > 1 && afterFirst && err instanceof FileMissingError) return afterFirst(err);
        if (isPermanent(err)) throw err;
        const msg = err instanceof Error ? err.message : String(err);
        if (attempt >= total) {
          throw new BackendError(
            `${what} on ${this.displayName} failed after ${total} attempt${
              total === 1 ? "" : "s"
            }: ${msg}`,
            err,
          );
        }
        this.logger?.log(
          "Retry",
          `${what} failed (attempt ${attempt} of ${total}), retrying in ${delay} ms: ${msg}`,
        );
        await this.inner.reset?.().catch(() => {});
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        if (this.policy.exponential) delay *= 2;
      }
    }
  }

  list(): Promise<RemoteEntry[]> {
    return this.#attempt("Listing", () => this.inner.list());
  }
  put(name: string, localPath: string): Promise<void> {
    return this.#attempt(`Uploading ${name}`, () => this.inner.put(name, localPath));
  }
  putMove(name: string, localPath: string): Promise<void> {
    const inner = this.inner;
    return this.#attempt(
      `Uploading ${name}`,
      () => inner.putMove ? inner.putMove(name, localPath) : inner.put(name, localPath),
    );
  }
  get(name: string, localPath: string): Promise<void> {
    return this.#attempt(`Downloading ${name}`, () => this.inner.get(name, localPath));
  }
  delete(name: string): Promise<void> {
    return this.#attempt(`Deleting ${name}`, () => this.inner.delete(name), () => undefined);
  }
  createFolder(): Promise<void> {
    return this.#attempt("Creating the folder", () => this.inner.createFolder());
  }
  test(): Promise<void> {
    return this.#attempt("Testing the connection", () => this.inner.test());
  }
  quota(): Promise<Quota | undefined> {
    const q = this.inner.quota;
    if (!q) return Promise.resolve(undefined);
    return this.#attempt("Reading the quota", () => q.call(this.inner));
  }
  stat(name: string): Promise<RemoteEntry | undefined> {
    const s = this.inner.stat;
    if (!s) return this.list().then((all) => all.find((e) => e.name === name && !e.isFolder));
    return this.#attempt(`Checking ${name}`, () => s.call(this.inner, name));
  }
  localPath(name: string): string | undefined {
    return this.inner.localPath?.(name);
  }
  removeLeftovers(): Promise<number> {
    return this.inner.removeLeftovers?.() ?? Promise.resolve(0);
  }
  reset(): Promise<void> {
    return this.inner.reset?.() ?? Promise.resolve();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
