/**
 * The temporary files of a restore, written block by block by whichever thread decoded the block
 * (a CPU worker, or the main thread when it decodes a batch itself): the writes, most of a
 * restore's system time, then run beside the main thread's work. A few files stay open between
 * blocks; {@link closeBlockTargets} closes them once the blocks are written.
 */
import { FileCursor } from "../core/file_cursor.ts";

/** Where a decoded block goes: its file, offset, and the size it must have to be written. */
export interface BlockTarget {
  path: string;
  pos: number;
  size: number;
}

/** Files kept open at most; more are closed all at once (blocks mostly come file by file). */
const MAX_OPEN = 64;

const open = new Map<string, FileCursor>();

/**
 * Writes `data` into its target file (which must exist) at the target's offset, when it has the
 * target's size; returns whether it wrote.
 */
export function writeBlock(target: BlockTarget, data: Uint8Array): boolean {
  if (data.length !== target.size) return false;
  let c = open.get(target.path);
  if (!c) {
    if (open.size >= MAX_OPEN) closeBlockTargets();
    c = new FileCursor(Deno.openSync(target.path, { write: true }));
    open.set(target.path, c);
  }
  c.writeAt(target.pos, data);
  return true;
}

/** Closes the files this thread has open. */
export function closeBlockTargets(): void {
  for (const c of open.values()) {
    try {
      c.file.close();
    } catch { /* already closed */ }
  }
  open.clear();
}
