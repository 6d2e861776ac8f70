/**
 * Positioned reads and writes of an open file. Deno has no pread or pwrite: an access at an
 * offset is a seek and a read or write. Accesses that continue where the last one ended (a volume
 * read front to back, a file written block after block) skip the seek.
 */

/** Reads or writes `file` at given offsets; nothing else may move the file's offset meanwhile. */
export class FileCursor {
  /** Where the file's offset is (-1: unknown). */
  #at = -1;

  constructor(readonly file: Deno.FsFile) {}

  /** Reads from byte `pos` until `dest` is full or the file ends; returns the bytes read. */
  readAt(pos: number, dest: Uint8Array): number {
    if (pos !== this.#at) this.file.seekSync(pos, Deno.SeekMode.Start);
    this.#at = -1; // unknown until the read succeeds
    let o = 0;
    while (o < dest.length) {
      const n = this.file.readSync(dest.subarray(o));
      if (n === null || n === 0) break;
      o += n;
    }
    this.#at = pos + o;
    return o;
  }

  /** Writes all of `data` at byte `pos`. */
  writeAt(pos: number, data: Uint8Array): void {
    if (pos !== this.#at) this.file.seekSync(pos, Deno.SeekMode.Start);
    this.#at = -1;
    let o = 0;
    while (o < data.length) o += this.file.writeSync(data.subarray(o));
    this.#at = pos + o;
  }
}
