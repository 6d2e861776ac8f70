/**
 * A small pool of Workers for CPU-heavy jobs (deflate, AES). Jobs go to the least busy worker.
 * With `size` 0, or when Workers cannot start, jobs run in the calling thread.
 */
import { type CpuJob, type CpuResult, runCpuJob } from "./cpu_worker.ts";
import { UserError } from "../core/errors.ts";

interface Pending {
  resolve: (r: CpuResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
  /** Jobs sent to this worker so far. */
  sent: number;
}

/** A pool of CPU workers; call `close()` when done. */
export class CpuPool {
  private slots: Slot[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;
  /** Jobs each worker has finished, counted by the worker itself (see {@link backlog}). */
  private finished: Int32Array;

  constructor(size: number) {
    this.finished = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, size)));
    for (let i = 0; i < size; i++) {
      try {
        const worker = new Worker(new URL("./cpu_worker.ts", import.meta.url), { type: "module" });
        worker.postMessage({ counters: this.finished, index: i });
        const slot: Slot = { worker, busy: 0, sent: 0 };
        worker.onmessage = (ev: MessageEvent) => {
          const { id, result, error } = ev.data;
          const p = this.pending.get(id);
          if (!p) return;
          this.pending.delete(id);
          slot.busy--;
          if (error) {
            const e = error.exitCode !== undefined
              ? new UserError(error.message, { exitCode: error.exitCode, code: error.code })
              : new Error(error.message);
            (e as Error & { kind?: string }).kind = error.kind;
            e.name = error.name;
            p.reject(e);
          } else p.resolve(result);
        };
        worker.onerror = (ev) => {
          ev.preventDefault();
          for (const [id, p] of this.pending) {
            p.reject(new Error(`A worker failed: ${ev.message}`));
            this.pending.delete(id);
          }
        };
        this.slots.push(slot);
      } catch {
        break;
      }
    }
  }

  /**
   * Resolves once every worker has loaded its code and answered. Call it early: a worker whose
   * first job arrives while the main thread is busy can take most of a second to start.
   */
  async ready(): Promise<void> {
    const ping = { op: "compress" as const, items: [], level: 0 };
    await Promise.all(this.slots.map(() => this.run(ping)));
  }

  /** Number of workers actually running. */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Jobs sent to worker `index` that it has not finished yet. Unlike waiting for answers, this is
   * current even while the calling thread has not handled its messages (it may be busy).
   */
  backlog(index: number): number {
    const slot = this.slots[index % this.slots.length];
    if (!slot) return 0;
    return slot.sent - Atomics.load(this.finished, index % this.slots.length);
  }

  /** Runs a job; `transfer` lists buffers handed to the worker (they become unusable here). */
  run(job: CpuJob, transfer: ArrayBuffer[] = []): Promise<CpuResult> {
    return this.runOn(this.pickSlot(), job, transfer);
  }

  /** The index of the least busy worker (0 when there are none). */
  pickSlot(): number {
    let best = 0;
    for (let i = 1; i < this.slots.length; i++) {
      if (this.slots[i].busy < this.slots[best].busy) best = i;
    }
    return best;
  }

  /**
   * Runs a job on worker `index` (see {@link pickSlot}): jobs sent to one worker start in the
   * order they were sent. Without workers the job runs in the calling thread.
   */
  runOn(index: number, job: CpuJob, transfer: ArrayBuffer[] = []): Promise<CpuResult> {
    if (this.slots.length === 0) {
      // As from a worker, a failing job gives a rejected promise, never an exception here.
      try {
        return runCpuJob(job);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const slot = this.slots[index % this.slots.length];
    const id = this.nextId++;
    slot.busy++;
    slot.sent++;
    return new Promise<CpuResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, job }, transfer);
    });
  }

  /** Runs a job on every worker (in this thread when there are none). */
  everywhere(job: CpuJob): Promise<CpuResult[]> {
    const n = Math.max(1, this.slots.length);
    return Promise.all(Array.from({ length: n }, (_, i) => this.runOn(i, job)));
  }

  close(): void {
    for (const s of this.slots) s.worker.terminate();
    this.slots = [];
    for (const p of this.pending.values()) p.reject(new Error("The worker pool was closed"));
    this.pending.clear();
  }
}
