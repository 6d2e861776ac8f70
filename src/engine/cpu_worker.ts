/**
 * Worker side of the CPU pool: compression of block batches, so both cores work while the main
 * thread reads, hashes and talks to SQLite. (AES needs no worker: WebCrypto already runs it off
 * the JavaScript thread.)
 */
/// <reference lib="deno.worker" />
import { type PreparedEntry, prepareEntry } from "../format/zip.ts";
import { deflateRawSync } from "node:zlib";
import { collectYoungGarbage } from "../core/memory.ts";

/**
 * Cheap guess whether deflate is worth trying on a block: compresses a 8 KiB sample from the
 * middle at level 1. Random or already-compressed data barely shrinks, and a full deflate of it
 * costs far more than it saves.
 */
export function looksCompressible(data: Uint8Array): boolean {
  if (data.length < 32 * 1024) return true;
  const start = (data.length >> 1) - 4096;
  const sample = data.subarray(start, start + 8192);
  return deflateRawSync(sample, { level: 1 }).length < sample.length * 0.95;
}

/** A request to the worker. */
export type CpuJob = {
  op: "compress";
  items: { data: Uint8Array; compress: boolean }[];
  level: number;
};

/** What a job returns. */
export type CpuResult = { op: "compress"; entries: PreparedEntry[] };

/** Runs one job in the current thread (also used when Workers are unavailable). */
export function runCpuJob(job: CpuJob): Promise<CpuResult> {
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

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
if (typeof scope.WorkerGlobalScope !== "undefined" && scope instanceof scope.WorkerGlobalScope) {
  scope.onmessage = async (ev: MessageEvent<{ id: number; job: CpuJob }>) => {
    const { id, job } = ev.data;
    try {
      const result = await runCpuJob(job);
      const transfer: ArrayBuffer[] = [];
      if (result.op === "compress") {
        for (const e of result.entries) {
          if (e.data.buffer instanceof ArrayBuffer) transfer.push(e.data.buffer);
        }
      }
      scope.postMessage({ id, result }, transfer);
      collectYoungGarbage(); // the job's input blocks
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
