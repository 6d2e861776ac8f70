/**
 * Raw deflate and inflate of whole zip entries with one reusable zlib state per thread and level.
 *
 * `node:zlib`'s one-shot `deflateRawSync` sets up (and later frees) a fresh zlib stream on every
 * call: about 17 µs, more than deflating a 4 KiB block takes, and a backup of many small files
 * makes two calls per file (content and metadata). Here a stream is set up once and reset between
 * entries, writing straight into a scratch buffer; the output bytes are the same. When the zlib
 * handle of this runtime does not have the expected shape, the one-shot functions are used.
 */
import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  deflateRawSync,
  inflateRawSync,
} from "node:zlib";

/** The low-level zlib handle behind a node:zlib stream (the part used here). */
interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number) => void;
}

/** A zlib state and where it reports how much input and output space is left. */
class Codec {
  private error?: string;
  private constructor(private handle: ZlibHandle, private state: Uint32Array) {
    handle.onerror = (message) => {
      this.error = message;
    };
  }

  /** A codec from a node:zlib stream, or undefined when its internals are not as expected. */
  static from(stream: unknown): Codec | undefined {
    const s = stream as { _handle?: Partial<ZlibHandle>; _writeState?: unknown };
    const h = s._handle;
    if (
      !h || typeof h.writeSync !== "function" || typeof h.reset !== "function" ||
      !(s._writeState instanceof Uint32Array) || s._writeState.length !== 2
    ) return undefined;
    return new Codec(h as ZlibHandle, s._writeState);
  }

  /**
   * Runs `input[inOff:inOff+inLen]` through into `out[0:outLen]` (Z_FINISH unless `flush` says
   * otherwise), continuing the current stream, and returns [output space left, input left].
   * Throws zlib's message on corrupt input.
   */
  write(
    input: Uint8Array,
    out: Uint8Array,
    outLen: number,
    flush: number = constants.Z_FINISH,
    inOff = 0,
    inLen = input.length - inOff,
  ): [number, number] {
    this.error = undefined;
    this.handle.writeSync(flush, input, inOff, inLen, out, 0, outLen);
    if (this.error !== undefined) throw new Error(this.error);
    return [this.state[0], this.state[1]];
  }

  /** Readies the state for the next stream. */
  reset(): void {
    this.handle.reset();
  }

  /** Frees the zlib state; the codec is unusable afterwards. */
  close(): void {
    this.handle.close();
  }
}

const deflaters = new Map<number, Codec | null>();
let inflater: Codec | null | undefined;
let scratch = new Uint8Array(64 * 1024);
const probe = new Uint8Array(1);

function deflater(level: number): Codec | null {
  let c = deflaters.get(level);
  if (c === undefined) {
    c = Codec.from(createDeflateRaw({ level })) ?? null;
    deflaters.set(level, c);
  }
  return c;
}

/** True when the reusable zlib state is in use (false means the one-shot fallback). */
export function fastDeflateAvailable(): boolean {
  return deflater(6) !== null;
}

/**
 * Deflates `data` (raw, no header) at `level`. Returns the compressed bytes in a buffer of their
 * own, or undefined when they would not be smaller than `data` (store it instead).
 */
export function deflateSmaller(data: Uint8Array, level: number): Uint8Array | undefined {
  if (data.length === 0) return undefined;
  const c = deflater(level);
  if (c === null) {
    const out = deflateRawSync(data, { level });
    return out.length < data.length ? new Uint8Array(out) : undefined;
  }
  if (scratch.length < data.length) scratch = new Uint8Array(data.length);
  try {
    // Room for one byte less than the input: what does not fit is not worth keeping.
    const room = data.length - 1;
    const [availOut, availIn] = c.write(data, scratch, room);
    return availOut === 0 || availIn !== 0 ? undefined : scratch.slice(0, room - availOut);
  } finally {
    c.reset();
  }
}

/**
 * Cheap guess whether deflate is worth trying on a block. Random or already-compressed data barely
 * shrinks, and a full deflate of it costs far more than it saves. Blocks of 32 KiB and more:
 * compresses a 8 KiB sample from the middle at level 1. Smaller ones (a backup of many small
 * files): see {@link looksRandom}.
 */
export function looksCompressible(data: Uint8Array): boolean {
  if (data.length < 32 * 1024) return !looksRandom(data);
  const start = (data.length >> 1) - 4096;
  const sample = data.subarray(start, start + 8192);
  const deflated = deflateSmaller(sample, 1);
  return deflated !== undefined && deflated.length < sample.length * 0.95;
}

const SAMPLE = 256;
const SAMPLES = 4;
/** `c * log2(c)` for every count a sample can reach. */
const C_LOG_C = Float64Array.from(
  { length: SAMPLE * SAMPLES + 1 },
  (_, c) => c && c * Math.log2(c),
);
const histogram = new Uint32Array(256);

/**
 * True when the bytes of four 256-byte samples (start, end and two between) are spread so evenly
 * that deflate would not gain: their order-0 entropy is above 7.6 bits per byte (random data gives
 * about 7.8 on 1,024 bytes, text 4-5). About a microsecond, against 20-90 µs for a deflate of 1-8
 * KiB. Blocks under 1 KiB always count as compressible (their deflate is cheap). On the bench's
 * data it skips 99 % of the small files that would not shrink, and the few compressible ones it
 * skips cost 0.01-0.1 % of the compressed size.
 */
export function looksRandom(data: Uint8Array): boolean {
  const n = SAMPLE * SAMPLES;
  if (data.length < n) return false;
  histogram.fill(0);
  const step = (data.length - SAMPLE) / (SAMPLES - 1);
  for (let k = 0; k < SAMPLES; k++) {
    const start = Math.floor(k * step);
    for (let i = start; i < start + SAMPLE; i++) histogram[data[i]]++;
  }
  let sum = 0;
  for (let b = 0; b < 256; b++) sum += C_LOG_C[histogram[b]];
  return Math.log2(n) - sum / n > 7.6;
}

/**
 * Inflates a raw deflate stream that must give exactly `size` bytes; throws when it is corrupt,
 * ends early or holds more. With `into` (at least `size` bytes) the output goes there and the
 * view of it is returned, so no memory is allocated.
 */
export function inflateExact(data: Uint8Array, size: number, into?: Uint8Array): Uint8Array {
  if (inflater === undefined) inflater = Codec.from(createInflateRaw()) ?? null;
  if (inflater === null) {
    const out = inflateRawSync(data);
    if (out.length !== size) throw new Error(`inflated to ${out.length} bytes, expected ${size}`);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
  const out = into && into.length >= size ? into.subarray(0, size) : new Uint8Array(size);
  try {
    const [availOut] = inflater.write(data, out, size);
    if (availOut !== 0) throw new Error(`inflated to ${size - availOut} bytes, expected ${size}`);
    // The output is full: the stream must end here (zlib reports a truncated one), not hold more.
    const [probeLeft] = inflater.write(new Uint8Array(0), probe, 1);
    if (probeLeft !== 1) throw new Error(`inflates to more than ${size} bytes`);
    return out;
  } finally {
    inflater.reset();
  }
}

/**
 * One raw deflate stream fed in pieces (a large zip entry written as it is produced); the pieces
 * it returns, in order, form one deflate stream. Call {@link end} once, or {@link close} to drop it.
 */
export class RawDeflateStream {
  #codec: Codec | null;
  #fallback?: Uint8Array[];
  #out = new Uint8Array(64 * 1024);
  #level: number;

  constructor(level: number) {
    this.#level = level;
    this.#codec = Codec.from(createDeflateRaw({ level })) ?? null;
    if (this.#codec === null) this.#fallback = [];
  }

  /** Compresses the next piece; returns the output produced so far (possibly none). */
  write(chunk: Uint8Array): Uint8Array[] {
    if (this.#codec === null) {
      this.#fallback!.push(chunk.slice());
      return [];
    }
    return this.#run(chunk, constants.Z_NO_FLUSH);
  }

  /** Ends the stream; returns the rest of the output. */
  end(): Uint8Array[] {
    if (this.#codec === null) {
      const all = this.#fallback!;
      this.#fallback = [];
      const total = all.reduce((n, c) => n + c.length, 0);
      const joined = new Uint8Array(total);
      let o = 0;
      for (const c of all) {
        joined.set(c, o);
        o += c.length;
      }
      return [new Uint8Array(deflateRawSync(joined, { level: this.#level }))];
    }
    const out = this.#run(new Uint8Array(0), constants.Z_FINISH);
    this.close();
    return out;
  }

  /** Frees the zlib state. */
  close(): void {
    const c = this.#codec;
    this.#codec = null;
    this.#fallback = [];
    c?.close();
  }

  #run(input: Uint8Array, flush: number): Uint8Array[] {
    const pieces: Uint8Array[] = [];
    let off = 0;
    let len = input.length;
    while (true) {
      const [availOut, availIn] = this.#codec!.write(
        input,
        this.#out,
        this.#out.length,
        flush,
        off,
        len,
      );
      const produced = this.#out.length - availOut;
      if (produced > 0) pieces.push(this.#out.slice(0, produced));
      off += len - availIn;
      len = availIn;
      if (availOut !== 0) return pieces;
    }
  }
}
