/**
 * Bandwidth limits shared by every transfer of the process: one token bucket per direction, so
 * four parallel uploads together stay under `--throttle-upload` (Duplicati gives each upload the
 * whole limit; we do not).
 */

/** Largest piece passed on at once, so concurrent transfers interleave smoothly. */
const SLICE = 64 * 1024;

/**
 * A rate limiter on a virtual clock: each `take(n)` reserves the next `n / rate` seconds of the
 * shared budget and waits until that slot has started. A short burst (a quarter second of budget)
 * is allowed after idle time.
 */
export class TokenBucket {
  #rate = 0;
  #next = 0;

  /** `clock` and `sleep` are replaceable for tests. */
  constructor(
    private clock: () => number = () => performance.now(),
    private sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Bytes per second; 0 or less means unlimited. */
  get rate(): number {
    return this.#rate;
  }
  set rate(bytesPerSecond: number) {
    this.#rate = bytesPerSecond > 0 ? bytesPerSecond : 0;
  }

  /** Waits until `bytes` may pass. Resolves at once when unlimited. */
  async take(bytes: number): Promise<void> {
    if (this.#rate <= 0 || bytes <= 0) return;
    const now = this.clock();
    const burst = 250;
    const start = Math.max(this.#next, now - burst);
    this.#next = start + (bytes / this.#rate) * 1000;
    const wait = this.#next - now - burst;
    if (wait > 0) await this.sleep(wait);
  }
}

const buckets = new Map<string, TokenBucket>();

/**
 * The process-wide bucket for one direction and limit (bytes per second): every transfer opened
 * with the same limit draws from it, so parallel uploads of a backup share the limit, while a
 * backend opened meanwhile with other settings (a connection test, another backup) neither lifts
 * nor tightens it. A limit of 0 gives an unlimited bucket.
 */
export function sharedBucket(
  direction: "upload" | "download",
  bytesPerSecond: number,
): TokenBucket {
  const key = `${direction}:${bytesPerSecond > 0 ? bytesPerSecond : 0}`;
  let b = buckets.get(key);
  if (!b) {
    b = new TokenBucket();
    b.rate = bytesPerSecond;
    buckets.set(key, b);
  }
  return b;
}

/** Passes `data` through `bucket`, slicing big chunks so parallel transfers share fairly. */
export function throttled(
  data: ReadableStream<Uint8Array>,
  bucket: TokenBucket,
): ReadableStream<Uint8Array> {
  return data.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, ctl) {
        for (let o = 0; o < chunk.length; o += SLICE) {
          const part = chunk.subarray(o, Math.min(chunk.length, o + SLICE));
          await bucket.take(part.length);
          ctl.enqueue(part);
        }
      },
    }),
  );
}
