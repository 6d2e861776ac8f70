/**
 * Worker side of the CPU pool: compression of block batches for backups and decoding (AES-CBC
 * ranges, inflate, CRC and SHA-256) of stored entries for restores, so both cores work while the
 * main thread reads, writes and talks to SQLite; the hashing of whole volume files before they
 * are trusted; the sealing (AES, hashing, writing) of dblock volumes while they are written
 * (see seal_stream.ts); and the writing of dlists from rows the caller reads (dlist_stream.ts).
 */
/// <reference lib="deno.worker" />
import {
  decodeEntry,
  entryData,
  type PreparedEntry,
  prepareEntry,
  type ZipEntryInfo,
} from "../format/zip.ts";
import { sha256 } from "../core/sha256.ts";
import type { Bytes } from "../core/bytes.ts";
import { looksCompressible } from "../format/deflate.ts";
import { decryptFile } from "../format/aescrypt.ts";
import { CbcDecryptor, hashAesFile } from "../format/aes_ranges.ts";
import { collectYoungGarbage } from "../core/memory.ts";
import { runSealJob, type SealJob, type SealResult } from "./seal_stream.ts";
import { type DlistJob, type DlistResult, runDlistJob } from "./dlist_stream.ts";
import { type BlockTarget, closeBlockTargets, writeBlock } from "./block_targets.ts";

/**
 * A stored zip entry to decode; `hash` asks for the SHA-256 of the content too. `raw` holds the
 * stored bytes, or with `extent` the entry's whole extent from its local header on (see
 * ZipReader.extent), in which the worker finds them.
 */
export interface DecodeItem {
  entry: Pick<
    ZipEntryInfo,
    "name" | "method" | "compressedSize" | "uncompressedSize" | "crc32" | "flags"
  >;
  raw: Bytes;
  hash: boolean;
  extent?: boolean;
  /**
   * Where the decoded content is written (see block_targets.ts), when it has the target's size.
   * A failing write fails the whole job: the restore stops, as on any write error.
   */
  write?: BlockTarget;
}

/** One decoded entry: its content (and hash), or why it could not be decoded. */
export type Decoded = { data: Uint8Array; hash?: Uint8Array; error?: undefined } | {
  error: string;
  data?: undefined;
  hash?: undefined;
};

/** A request to the worker. */
export type CpuJob =
  | {
    op: "compress";
    items: { data: Uint8Array; compress: boolean }[];
    level: number;
  }
  | {
    op: "decode";
    label: string;
    items: DecodeItem[];
    /**
     * Where inflated contents and hashes go (results are views into it), so that no memory is
     * allocated per block. Stored entries are returned as views into their `raw` bytes.
     */
    out?: Bytes;
    /**
     * AES-CBC ciphertext in the items' buffer to decrypt in place before anything else (see
     * aes_ranges.ts): each span is the ciphertext block before, then the blocks.
     */
    decrypt?: { key: Bytes; spans: Bytes[] };
  }
  | {
    /**
     * Hashes a whole file (SHA-256, base64) and, with `mac`, computes the HMAC-SHA256 of the
     * byte range given under `mac.key` (an AESCrypt file's ciphertext).
     */
    op: "hash-file";
    path: string;
    mac?: { key: Bytes; start: number; length: number };
  }
  | {
    /** Decrypts an AESCrypt file into `output` (see decryptFile), hashing the input if asked. */
    op: "decrypt-file";
    input: string;
    output: string;
    passphrase: string;
    hashInput: boolean;
  }
  | {
    /** Closes the restore's target files this thread has open (see block_targets.ts). */
    op: "close-targets";
  }
  | SealJob
  | DlistJob;

/** What a job returns. */
export type CpuResult =
  | { op: "compress"; entries: PreparedEntry[] }
  | {
    op: "decode";
    decoded: Decoded[];
    /** The whole buffers of the job's `raw` items and `out`, handed back for reuse. */
    buffers: Bytes[];
  }
  | { op: "decrypt-file"; inputSha256?: string }
  | { op: "hash-file"; size: number; sha256: string; mac?: Bytes }
  | { op: "close-targets" }
  | SealResult
  | DlistResult;

/** Runs one job in the current thread (also used when Workers are unavailable). */
export function runCpuJob(job: CpuJob): Promise<CpuResult> {
  if (job.op === "decrypt-file") {
    return decryptFile(job.input, job.output, job.passphrase, { hashInput: job.hashInput })
      .then((r) => ({ op: "decrypt-file", inputSha256: r.inputSha256 }));
  }
  if (job.op === "hash-file") {
    return Promise.resolve({ op: "hash-file", ...hashAesFile(job.path, job.mac) });
  }
  if (job.op === "close-targets") {
    closeBlockTargets();
    return Promise.resolve({ op: "close-targets" });
  }
  if (job.op === "dlist-open" || job.op === "dlist-rows" || job.op === "dlist-close") {
    return Promise.resolve(runDlistJob(job));
  }
  if (job.op !== "compress" && job.op !== "decode") return runSealJob(job);
  if (job.op === "decode") return Promise.resolve(runDecodeJob(job));
  return Promise.resolve({
    op: "compress",
    entries: job.items.map((it) =>
      prepareEntry(it.data, {
        compress: it.compress && looksCompressible(it.data),
        level: job.level,
      })
    ),
  });
}

/** The decryptor of the last key seen (a restore sends many batches of one volume in a row). */
let cbc: { key: Bytes; dec: CbcDecryptor } | undefined;

function runDecodeJob(job: Extract<CpuJob, { op: "decode" }>): CpuResult {
  if (job.decrypt) {
    const { key, spans } = job.decrypt;
    if (!cbc || cbc.key.length !== key.length || cbc.key.some((b, i) => b !== key[i])) {
      cbc = { key, dec: new CbcDecryptor(key) };
    }
    for (const s of spans) cbc.dec.decryptInPlace(s.subarray(16), s.subarray(0, 16));
  }
  const out = job.out;
  let at = 0;
  /** The next `n` bytes of `out`, or undefined when it has no room. */
  const reserve = (n: number): Bytes | undefined => {
    if (!out || at + n > out.length) return undefined;
    at += n;
    return out.subarray(at - n, at);
  };
  /** Copies `b` into `out` when it has room (else keeps `b`), returning the view. */
  const place = <T extends Uint8Array>(b: T): T | Bytes => {
    const r = reserve(b.length);
    if (!r) return b;
    r.set(b);
    return r;
  };
  const decoded = job.items.map((it): Decoded => {
    let d: { data: Uint8Array; hash?: Uint8Array };
    try {
      const stored = it.extent ? entryData(it.entry, it.raw, job.label) : it.raw;
      // Inflated straight into the output buffer when it has room.
      const room = it.entry.method === 8 ? reserve(it.entry.uncompressedSize) : undefined;
      let data = decodeEntry(it.entry, stored, job.label, room);
      if (data !== stored && data !== room) data = place(data);
      d = it.hash ? { data, hash: place(sha256(data)) } : { data };
    } catch (err) {
      return { error: (err as Error).message };
    }
    if (it.write) writeBlock(it.write, d.data);
    return d;
  });
  const buffers: Bytes[] = [];
  const seen = new Set<ArrayBuffer>();
  for (const b of [...job.items.map((it) => it.raw), out]) {
    if (b && !seen.has(b.buffer)) {
      seen.add(b.buffer);
      buffers.push(new Uint8Array(b.buffer));
    }
  }
  return { op: "decode", decoded, buffers };
}

/** The buffers of a result that can be transferred back to the caller. */
function transferables(result: CpuResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const seen = new Set<ArrayBuffer>();
  const add = (b: Uint8Array | undefined) => {
    if (b && b.buffer instanceof ArrayBuffer && !seen.has(b.buffer)) {
      seen.add(b.buffer);
      out.push(b.buffer);
    }
  };
  if (result.op === "compress") { for (const e of result.entries) add(e.data); }
  else if (result.op === "decode") {
    for (const d of result.decoded) {
      add(d.data);
      add(d.hash);
    }
    for (const b of result.buffers) add(b);
  }
  return out;
}

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
let garbageWeight = 0;
/** The pool's shared counters and this worker's index (see CpuPool.finished). */
let finished: { counters: Int32Array; index: number } | undefined;
if (typeof scope.WorkerGlobalScope !== "undefined" && scope instanceof scope.WorkerGlobalScope) {
  scope.onmessage = async (
    ev: MessageEvent<{ id: number; job: CpuJob } | { counters: Int32Array; index: number }>,
  ) => {
    if ("counters" in ev.data) {
      finished = ev.data;
      return;
    }
    const { id, job } = ev.data;
    try {
      const result = await runCpuJob(job);
      // Seen by the main thread at once, before it handles the answer (work stealing).
      if (finished) Atomics.add(finished.counters, finished.index, 1);
      scope.postMessage({ id, result }, transferables(result));
      // The jobs' input blocks die young: collect them after every 4th decode, compress or dlist
      // rows job (about 4 MiB of blocks, or 8,000 entries) and every 8th seal job.
      garbageWeight += job.op === "decode" || job.op === "compress" || job.op === "zip-add" ||
          job.op === "dlist-rows"
        ? 2
        : 1;
      if (garbageWeight >= 8) {
        garbageWeight = 0;
        collectYoungGarbage();
      }
    } catch (err) {
      const e = err as Error & { kind?: string; exitCode?: number; code?: string };
      scope.postMessage({
        id,
        error: {
          name: e.name,
          message: e.message,
          kind: e.kind,
          exitCode: e.exitCode,
          code: e.code,
        },
      });
    }
  };
}
