/**
 * Keeps the process's memory bounded while gigabytes stream through it.
 *
 * Backups and restores allocate a steady stream of short-lived ArrayBuffers (source blocks,
 * compressed blocks, ciphertext chunks). V8 frees their memory only when it collects the small
 * JavaScript objects that own them, and by default it waits until about 64 MiB of such memory has
 * piled up per isolate; glibc then keeps much of what was freed. Two measures keep the peak low:
 *
 * - {@link tuneAllocator}: glibc serves buffers of 4 MiB and more with their own mappings and
 *   returns them to the system as soon as they are freed, and uses at most two malloc arenas.
 *   Smaller buffers, among them the 1 MiB blocks, are reused from the arenas: a fresh mapping per
 *   block costs a page fault per 4 KiB, about 1 s of system time per GiB backed up. For the same
 *   reason up to 4 MiB of free memory stays at the top of an arena (glibc's default, 128 KiB,
 *   handed each freed block back and faulted it in again: 180,000-200,000 page faults in a 1 GiB
 *   backup, 90,000 with 4 MiB, about 0.2 s less system time; the peak stayed the same).
 * - {@link collectYoungGarbage}: hot loops ask V8 for a cheap young-generation collection every
 *   few MiB, which frees the dead buffers early. This needs the V8 flags in {@link V8_FLAGS}
 *   (baked into the compiled program and used by the deno tasks); without them it does nothing.
 */

/** The V8 flags the program is meant to run with: a small young generation and `gc()`. */
export const V8_FLAGS = ["--max-semi-space-size=1", "--expose-gc"] as const;

import { getHeapStatistics } from "node:v8";

const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
const M_ARENA_MAX = -8;
let tuned = false;
let trim: (() => void) | undefined;

/**
 * Tunes glibc's allocator on Linux (see the module comment). Call once at start-up, before
 * workers start. Does nothing on other systems, with other C libraries, or without FFI permission.
 */
export function tuneAllocator(): void {
  if (tuned || Deno.build.os !== "linux") return;
  tuned = true;
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return;
    const libc = Deno.dlopen("libc.so.6", {
      mallopt: { parameters: ["i32", "i32"], result: "i32" },
      malloc_trim: { parameters: ["usize"], result: "i32" },
    });
    libc.symbols.mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
    libc.symbols.mallopt(M_ARENA_MAX, 2);
    libc.symbols.mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
    trim = () => libc.symbols.malloc_trim(0n);
  } catch {
    // musl, a missing libc.so.6 or a sandbox without FFI: the defaults still work, only larger.
  }
}

const gc = (globalThis as unknown as { gc?: (opts?: { type: "minor" | "major" }) => void }).gc;

let calls = 0;

/**
 * Runs a young-generation GC when `gc` is exposed (V8_FLAGS); cheap, about a millisecond. Every
 * 16th call also hands the freed memory back to the system (glibc keeps it otherwise).
 */
export function collectYoungGarbage(): void {
  if (!gc) return;
  gc({ type: "minor" });
  if (++calls % 16 === 0) trim?.();
}

/**
 * Runs a full GC when this thread's JavaScript objects hold more than `limitBytes` of ArrayBuffer
 * memory (live or dead: a buffer's memory is freed only once its owner is collected, and buffers
 * that outlived a young collection wait for a full one). The check costs microseconds; a
 * collection tens of milliseconds. Does nothing without `gc` (V8_FLAGS).
 */
export function collectWhenBuffersExceed(limitBytes: number): void {
  if (gc && Deno.memoryUsage().external > limitBytes) gc({ type: "major" });
}

/** Runs a full GC when `gc` is exposed; costs tens of milliseconds, so call it rarely. */
export function collectAllGarbage(): void {
  gc?.({ type: "major" });
}

/**
 * Ends a phase that held much memory: a full GC, then the freed memory is handed back to the
 * system (glibc keeps it otherwise, and the next phase would start from the phase's peak).
 */
export function releaseMemory(): void {
  gc?.({ type: "major" });
  trim?.();
}

let heapFloor = -1;

/**
 * Runs a full GC when this thread's JavaScript heap has grown by more than `growthBytes` since the
 * last full collection (ours or V8's). Loops that keep many small objects in flight for a while
 * (a restore's queue of block rows) see them promoted by the young collections and die in the old
 * generation, which V8 lets grow to several times its live size before it collects; this caps
 * that growth. The check costs under a microsecond; a collection 10-30 ms. Does nothing without
 * `gc` (V8_FLAGS).
 */
export function collectWhenHeapGrows(growthBytes: number): void {
  if (!gc) return;
  const used = getHeapStatistics().used_heap_size;
  if (heapFloor < 0 || used < heapFloor) heapFloor = used;
  if (used - heapFloor > growthBytes) {
    gc({ type: "major" });
    heapFloor = getHeapStatistics().used_heap_size;
  }
}
