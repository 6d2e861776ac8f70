/**
 * A volume sealed while it is written: the zip bytes of a dblock go, piece by piece, to a CPU
 * worker that encrypts them (AESCrypt v2, when the backup is encrypted), hashes the result and
 * writes it to the temp file that is then uploaded. No plain archive reaches the disk, and the
 * main thread only hands bytes over.
 *
 * Both sides live here: {@link SealStream} on the main thread, {@link runSealJob} in the worker
 * (or in the calling thread when there are no workers).
 */
import { createHash, type Hash } from "node:crypto";
import { AesCryptWriter } from "../format/aescrypt.ts";
import type { ZipSink } from "../format/zip.ts";
import type { CpuPool } from "./cpu_pool.ts";
import type { SealedVolume } from "./remote_volumes.ts";

/** The seal jobs a worker runs, in order per stream. */
export type SealJob =
  | { op: "seal-open"; stream: number; path: string; passphrase?: string }
  | { op: "seal-write"; stream: number; data: Uint8Array }
  | { op: "seal-close"; stream: number }
  | { op: "seal-abort"; stream: number };

/** What a seal job returns: the sealed file's size and hash after `seal-close`. */
export interface SealResult {
  op: "seal";
  size?: number;
  hash?: string;
}

// ---------------------------------------------------------------------------------------------
// worker side

interface OpenStream {
  path: string;
  file: Deno.FsFile;
  sha: Hash;
  size: number;
  aes?: AesCryptWriter;
  /** The previous job of this stream; jobs run one after the other. */
  chain: Promise<unknown>;
  failed?: unknown;
}

const streams = new Map<number, OpenStream>();

/** Runs one seal job; jobs of one stream run in the order they arrive. */
export function runSealJob(job: SealJob): Promise<SealResult> {
  if (job.op === "seal-open") return openStream(job.stream, job.path, job.passphrase);
  const s = streams.get(job.stream);
  if (!s) return Promise.reject(new Error(`No open volume stream ${job.stream}`));
  const run = async (): Promise<SealResult> => {
    if (job.op === "seal-abort") {
      closeAndRemove(job.stream, s);
      return { op: "seal" };
    }
    if (s.failed) throw s.failed;
    try {
      if (job.op === "seal-write") {
        if (s.aes) await s.aes.write(job.data);
        else emit(s, job.data);
        return { op: "seal" };
      }
      if (s.aes) await s.aes.finish();
      s.file.close();
      streams.delete(job.stream);
      return { op: "seal", size: s.size, hash: s.sha.digest("base64") };
    } catch (err) {
      s.failed = err;
      closeAndRemove(job.stream, s);
      throw err;
    }
  };
  const p = s.chain.then(run, run);
  s.chain = p.catch(() => {});
  return p;
}

async function openStream(id: number, path: string, passphrase?: string): Promise<SealResult> {
  const file = Deno.openSync(path, { write: true, create: true, truncate: true });
  const s: OpenStream = {
    path,
    file,
    sha: createHash("sha256"),
    size: 0,
    chain: Promise.resolve(),
  };
  streams.set(id, s);
  if (passphrase !== undefined) {
    const ready = AesCryptWriter.create(passphrase, {}, (b) => emit(s, b)).then((w) => {
      s.aes = w;
    });
    s.chain = ready.catch((err) => {
      s.failed = err;
    });
    await ready;
  }
  return { op: "seal" };
}

function emit(s: OpenStream, b: Uint8Array): void {
  s.sha.update(b);
  let o = 0;
  while (o < b.length) o += s.file.writeSync(b.subarray(o));
  s.size += b.length;
}

function closeAndRemove(id: number, s: OpenStream): void {
  streams.delete(id);
  try {
    s.file.close();
  } catch { /* already closed */ }
  try {
    Deno.removeSync(s.path);
  } catch { /* already gone */ }
}

// ---------------------------------------------------------------------------------------------
// main-thread side

let nextStream = 1;

/**
 * The zip sink of a dblock being written: sends the bytes to one worker of the pool, which seals
 * them into `path`. Call {@link settle} now and then to bound the bytes in flight, and
 * {@link sealed} after the zip is closed.
 */
export class SealStream implements ZipSink {
  readonly id = nextStream++;
  private slot: number;
  private inFlight: { bytes: number; done: Promise<unknown> }[] = [];
  private inFlightBytes = 0;
  private failure: unknown;
  private closed = false;
  private result?: Promise<SealedVolume>;

  constructor(private pool: CpuPool, readonly path: string, passphrase: string | undefined) {
    this.slot = pool.pickSlot();
    this.track(0, pool.runOn(this.slot, { op: "seal-open", stream: this.id, path, passphrase }));
  }

  write(b: Uint8Array): void {
    if (this.closed) throw new Error(`The volume ${this.path} is already closed`);
    if (this.failure) throw this.failure;
    const copy = b.slice();
    const job = { op: "seal-write" as const, stream: this.id, data: copy };
    this.track(copy.length, this.pool.runOn(this.slot, job, [copy.buffer]));
  }

  /** Like {@link write}, but takes `b` (a whole ArrayBuffer) over instead of copying it. */
  writeOwned(b: Uint8Array): void {
    if (this.closed) throw new Error(`The volume ${this.path} is already closed`);
    if (this.failure) throw this.failure;
    const job = { op: "seal-write" as const, stream: this.id, data: b };
    this.track(b.length, this.pool.runOn(this.slot, job, [b.buffer as ArrayBuffer]));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const done = this.pool.runOn(this.slot, { op: "seal-close", stream: this.id });
    this.result = (async () => {
      const r = await done.catch((err) => {
        throw this.failure ?? err;
      });
      await this.settle(0);
      if (r.op !== "seal" || r.size === undefined || r.hash === undefined) {
        throw new Error("CPU pool: unexpected result");
      }
      return { path: this.path, size: r.size, hash: r.hash };
    })();
  }

  abort(): void {
    if (this.closed && this.result) return;
    this.closed = true;
    this.pool.runOn(this.slot, { op: "seal-abort", stream: this.id }).catch(() => {});
  }

  /** Waits until at most `maxBytes` are on their way to the worker; throws its first failure. */
  async settle(maxBytes: number): Promise<void> {
    while (this.inFlight.length && this.inFlightBytes > maxBytes) {
      const first = this.inFlight[0];
      await first.done;
    }
    if (this.failure) throw this.failure;
  }

  /** The sealed file, once the zip is closed and every byte is written. */
  sealed(): Promise<SealedVolume> {
    if (!this.result) throw new Error(`The volume ${this.path} is not closed yet`);
    return this.result;
  }

  private track(bytes: number, p: Promise<unknown>): void {
    const entry = {
      bytes,
      done: p.then(() => {}, (err) => {
        this.failure ??= err;
      }).finally(() => {
        this.inFlightBytes -= bytes;
        this.inFlight.splice(this.inFlight.indexOf(entry), 1);
      }),
    };
    this.inFlightBytes += bytes;
    this.inFlight.push(entry);
  }
}
