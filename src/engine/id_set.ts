/**
 * A set of small non-negative integers (row IDs) as a growable bit array: one bit per possible
 * ID instead of tens of bytes per member in a `Set<number>`, so a restore of millions of files
 * keeps its per-file flags in a few hundred KiB.
 */
export class IdSet {
  #bits = new Uint8Array(1024);
  #size = 0;

  /** Adds `id` (a non-negative integer). */
  add(id: number): void {
    const byte = id >>> 3;
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    const bit = 1 << (id & 7);
    if ((this.#bits[byte] & bit) === 0) this.#size++;
    this.#bits[byte] |= bit;
  }

  /** Number of distinct IDs added. */
  get size(): number {
    return this.#size;
  }

  /** True when `id` was added. */
  has(id: number): boolean {
    const byte = id >>> 3;
    return byte < this.#bits.length && (this.#bits[byte] & (1 << (id & 7))) !== 0;
  }
}
