/**
 * A volume sealed while it is written: its bytes go, piece by piece, to a CPU worker that
 * encrypts them (AESCrypt v2, when the backup is encrypted), hashes the result and writes it to
 * the temp file that is then uploaded. No plain archive reaches the disk.
 *
 * In zip mode the worker also holds the zip archive: the main thread hands it blocks (compressed
 * there, or by the worker itself) and the compressed bytes never travel back. Otherwise the main
 * thread hands over the archive's bytes.
 *
 * Both sides live here: {@link SealStream} on the main thread, {@link runSealJob} in the worker
 * (or in the calling thread when there are no workers).
 */
import { createHash, type Hash } from "node:crypto";
import { AesCryptWriter } from "../format/aescrypt.ts";
import { looksCompressible } from "../format/deflate.ts";
import { type PreparedEntry, prepareEntry, ZipWriter } from "../format/zip.ts";
import type { ZipSink } from "../format/zip.ts";
import type { CpuPool } from "./cpu_pool.ts";
import type { SealedVolume } from "./remote_volumes.ts";

/** A block for the archive, compressed by the worker (`compress` asks for deflate, if it pays). */
export interface RawEntry {
  name: string;
  data: Uint8Array;
  compress: boolean;
}

/** An entry already compressed (or stored) elsewhere. */
export interface NamedEntry {
  name: string;
  entry: PreparedEntry;
}

/** The seal jobs a worker runs, in order per stream. */
export type SealJob =
  | { op: "seal-open"; stream: number; path: string; passphrase?: string; zip?: boolean }
  | { op: "seal-write"; stream: number; data: Uint8Array }
  | { op: "zip-add"; stream: number; items: RawEntry[]; level: number }
  | { op: "zip-add-prepared"; stream: number; entries: NamedEntry[] }
  | { op: "seal-close"; stream: number }
  | { op: "seal-abort"; stream: number };

/**
 * What a seal job returns: the sealed file's size and hash after `seal-close`; in zip mode the
 * archive's size so far (as if closed now) after each addition.
 */
export interface SealResult {
  op: "seal";
  size?: number;
  hash?: string;
  zipSize?: number;
}

// ---------------------------------------------------------------------------------------------
// worker side

interface OpenStream {
  path: string;
  file: Deno.FsFile;
  sha: Hash;
  size: number;
  aes?: AesCryptWriter;
  /** Zip mode: the archive, and its bytes waiting to be sealed. */
  zip?: ZipWriter;
  pending: Uint8Array[];
  /** The previous job of this stream; jobs run one after the other. */
  chain: Promise<unknown>;
  failed?: unknown;
}

const streams = new Map<number, OpenStream>();

/** Runs one seal job; jobs of one stream run in the order they arrive. */
export function runSealJob(job: SealJob): Promise<SealResult> {
  if (job.op === "seal-open") {
    return openStream(job.stream, job.path, job.passphrase, job.zip ?? false);
  }
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
        await seal(s, job.data);
        return { op: "seal" };
      }
      if (job.op === "zip-add" || job.op === "zip-add-prepared") {
        const zip = s.zip;
        if (!zip) throw new Error(`Volume stream ${job.stream} is not a zip stream`);
        if (job.op === "zip-add") {
          for (const it of job.items) {
            const compress = it.compress && looksCompressible(it.data);
            zip.addCompressed(it.name, prepareEntry(it.data, { compress, level: job.level }), true);
          }
        } else for (const e of job.entries) zip.addCompressed(e.name, e.entry, true);
        await sealPending(s);
        return { op: "seal", zipSize: zip.size };
      }
      if (s.zip) {
        s.zip.finish();
        await sealPending(s);
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

async function openStream(
  id: number,
  path: string,
  passphrase: string | undefined,
  zip: boolean,
): Promise<SealResult> {
  const file = Deno.openSync(path, { write: true, create: true, truncate: true });
  const s: OpenStream = {
    path,
    file,
    sha: createHash("sha256"),
    size: 0,
    pending: [],
    chain: Promise.resolve(),
  };
  if (zip) {
    // The archive's bytes wait in `pending` until the job that produced them seals them.
    const sink: ZipSink = {
      write: (b) => s.pending.push(b.slice()),
      writeOwned: (b) => s.pending.push(b),
      close: () => {},
      abort: () => {},
    };
    s.zip = ZipWriter.toSink(sink, path);
  }
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

/** Encrypts (when the volume is encrypted), hashes and writes the next bytes. */
async function seal(s: OpenStream, b: Uint8Array): Promise<void> {
  if (s.aes) await s.aes.write(b);
  else emit(s, b);
}

/** Seals the archive bytes the last zip calls produced, in order. */
async function sealPending(s: OpenStream): Promise<void> {
  const pieces = s.pending;
  s.pending = [];
  for (const b of pieces) await seal(s, b);
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
 * A volume being written and sealed by one worker of the pool into `path`: as a zip sink (its
 * bytes come from a ZipWriter here), or in zip mode (`{ zip: true }`: the worker holds the
 * archive, see {@link addEntries}). Call {@link settle} now and then to bound the bytes in
 * flight, and {@link sealed} after {@link close}.
 */
export class SealStream implements ZipSink {
  readonly id = nextStream++;
  /** The worker that seals this volume (see CpuPool.backlog). */
  readonly slot: number;
  private inFlight: { bytes: number; done: Promise<unknown> }[] = [];
  private inFlightBytes = 0;
  private failure: unknown;
  private closed = false;
  private result?: Promise<SealedVolume>;

  constructor(
    private pool: CpuPool,
    readonly path: string,
    passphrase: string | undefined,
    opts: { zip?: boolean } = {},
  ) {
    this.slot = pool.pickSlot();
    const open = { op: "seal-open" as const, stream: this.id, path, passphrase, zip: opts.zip };
    this.track(0, pool.runOn(this.slot, open));
  }

  /**
   * Zip mode: adds blocks to the archive; the worker deflates those marked `compress` when that
   * pays. The blocks' buffers are handed over (unusable here afterwards) when they span their
   * whole ArrayBuffer, else copied. Resolves to the archive's size so far.
   */
  addEntries(items: RawEntry[], level: number): Promise<number> {
    const transfer: ArrayBuffer[] = [];
    const own = items.map((it) => ({ ...it, data: handOver(it.data, transfer) }));
    const bytes = own.reduce((n, it) => n + it.data.length, 0);
    const job = { op: "zip-add" as const, stream: this.id, items: own, level };
    return this.#zipJob(bytes, job, transfer);
  }

  /** Zip mode: adds entries compressed elsewhere, handed over like {@link addEntries}. */
  addPrepared(entries: NamedEntry[]): Promise<number> {
    const transfer: ArrayBuffer[] = [];
    const own = entries.map((e) => ({
      name: e.name,
      entry: { ...e.entry, data: handOver(e.entry.data, transfer) },
    }));
    const bytes = own.reduce((n, e) => n + e.entry.data.length, 0);
    const job = { op: "zip-add-prepared" as const, stream: this.id, entries: own };
    return this.#zipJob(bytes, job, transfer);
  }

  #zipJob(bytes: number, job: SealJob, transfer: ArrayBuffer[]): Promise<number> {
    if (this.closed) return Promise.reject(new Error(`The volume ${this.path} is already closed`));
    if (this.failure) return Promise.reject(this.failure);
    const p = this.pool.runOn(this.slot, job, this.pool.size > 0 ? transfer : []);
    this.track(bytes, p);
    return p.then((r) => {
      if (r.op !== "seal" || r.zipSize === undefined) {
        throw new Error("CPU pool: unexpected result");
      }
      return r.zipSize;
    });
  }

  write(b: Uint8Array): void {
    if (this.closed) throw new Error(`The volume ${this.path} is already closed`);
    if (this.failure) throw this.failure;
    const copy = b.slice();
    const job = { op: "seal-write" as const, stream: this.id, data: copy };
    this.track(copy.length, this.pool.runOn(this.slot, job, [copy.buffer]));
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

/** `b` itself when it spans its whole ArrayBuffer (listed in `transfer`), else a copy. */
export function handOver(b: Uint8Array, transfer: ArrayBuffer[]): Uint8Array {
  const whole = b.buffer instanceof ArrayBuffer && b.byteOffset === 0 &&
    b.byteLength === b.buffer.byteLength;
  const own = whole ? b : b.slice();
  if (!transfer.includes(own.buffer as ArrayBuffer)) transfer.push(own.buffer as ArrayBuffer);
  return own;
}
