/**
 * Runs volume uploads in the background with a concurrency limit, counts what was sent, and
 * reports the first failure to the operation.
 */
import type { Session } from "./session.ts";

/** Background upload queue. */
export class VolumeUploader {
  private running: Promise<void>[] = [];
  private failure: unknown;
  bytesUploaded = 0;
  filesUploaded = 0;

  constructor(private session: Session, private limit: number) {}

  /** Throws the first background failure, if any. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Starts `job` in the background; waits first while `limit` jobs are running. */
  async enqueue(job: () => Promise<void>): Promise<void> {
    this.check();
    while (this.limit > 0 && this.running.length >= this.limit) {
      await Promise.race(this.running);
      this.check();
    }
    const p: Promise<void> = job().catch((err) => {
      this.failure ??= err;
    }).finally(() => {
      this.running = this.running.filter((x) => x !== p);
    });
    this.running.push(p);
  }

  /** Uploads one file (moving it into place where the destination allows) and removes it. */
  async put(name: string, path: string, size: number): Promise<void> {
    const backend = this.session.backend;
    await (backend.putMove ? backend.putMove(name, path) : backend.put(name, path));
    this.bytesUploaded += size;
    this.filesUploaded++;
    await Deno.remove(path).catch(() => {});
  }

  /** Waits for every queued job; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.length) await Promise.all(this.running);
    this.check();
  }
}
