/**
 * Reusable byte buffers for work that streams through the CPU workers in batches.
 *
 * A restore used to allocate one ArrayBuffer per block read and one per block decoded. Their
 * memory comes back only when V8 collects the small objects that own them, and blocks that wait a
 * little in the pipeline outlive the cheap young collections: tens of MiB piled up between full
 * collections. With a pool, each batch is read into one buffer and decoded into a second; both go
 * to the worker and back by transfer and are then reused, so the memory of the block pass is
 * bounded by the batches in flight.
 */

import type { Bytes } from "../core/bytes.ts";

/** A free list of buffers, new ones of at least `size` bytes; keeps at most `keep` of them. */
export class BufferPool {
  #free: Bytes[] = [];

  constructor(readonly size: number, readonly keep: number) {}

  /**
   * A buffer of at least `min` bytes: the smallest free one that is large enough, else a new one
   * of `size` bytes or, when `min` is larger, `min` rounded up to 64 KiB (so that it can be reused
   * for the next large request too).
   */
  take(min: number): Bytes {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const n = this.#free[i].length;
      if (n >= min && (best < 0 || n < this.#free[best].length)) best = i;
    }
    if (best >= 0) return this.#free.splice(best, 1)[0];
    return new Uint8Array(min <= this.size ? this.size : Math.ceil(min / 65536) * 65536);
  }

  /**
   * Hands a buffer back (any view of it: the whole buffer is reused). Detached buffers (transferred
   * away) and those beyond `keep` are dropped.
   */
  give(b: Bytes): void {
    if (b.buffer.byteLength === 0 || this.#free.length >= this.keep) return;
    if (this.#free.some((f) => f.buffer === b.buffer)) return;
    this.#free.push(new Uint8Array(b.buffer));
  }

  /** Number of buffers waiting for reuse. */
  get free(): number {
    return this.#free.length;
  }
}
