/**
 * The task queue: one task at a time, first in first out (`skipQueue` puts a task first), paused
 * queues start nothing new. Stop and abort reach the running engine function through a two-level
 * {@link Cancellation}: `stopSignal` (finish the work in hand, keep what is done) and `signal`
 * (end at once). A task that returns normally after a stop request ends as "Stopped".
 */
import { Cancellation } from "../core/cancellation.ts";
import { CancelledError, UserError } from "../core/errors.ts";
import { Logger, type LogLevel } from "../core/log.ts";
import type { ProgressEvent, ProgressSink } from "../core/progress.ts";
import type { ServerEvents } from "./events.ts";

/** What a running task gets from the queue. */
export interface TaskContext {
  taskId: number;
  /** Abort: end at once. */
  signal: AbortSignal;
  /** Stop (also set by abort): end after the work in hand, keeping what is done. */
  stopSignal: AbortSignal;
  progress: ProgressSink;
  logger: Logger;
}

/** A unit of work for the queue. */
export interface TaskSpec {
  /** Duplicati's operation name: Backup, Restore, Verify, Compact, Repair, ... */
  operation: string;
  backupId?: string;
  run(ctx: TaskContext): Promise<unknown>;
}

/** Where a task is. */
export type TaskStatus = "Waiting" | "Running" | "Completed" | "Failed" | "Stopped" | "Aborted";

/** A task as `/task/{id}` shows it. */
export interface TaskInfo {
  Status: TaskStatus;
  ID: number;
  BackupID: string | null;
  Operation: string;
  TaskStarted: string | null;
  TaskFinished: string | null;
  ErrorMessage: string | null;
  Exception: string | null;
  Result?: unknown;
}

interface Entry {
  id: number;
  spec: TaskSpec;
  info: TaskInfo;
  cancel: Cancellation;
  progress?: ProgressEvent;
  progressAt: number;
  done: Promise<void>;
  resolve: () => void;
}

/** Duplicati's OperationPhase for our engine's phase texts. */
function phaseName(operation: string, phase: string | undefined): string {
  const p = (phase ?? "").toLowerCase();
  if (operation === "Backup") {
    if (p.includes("processing")) return "Backup_ProcessingFiles";
    if (p.includes("file list")) return "Backup_Finalize";
    if (p.includes("upload")) return "Backup_WaitForUpload";
    if (p.includes("verif")) return "Backup_PostBackupVerify";
    return "Backup_Begin";
  }
  if (operation === "Restore") {
    if (p.includes("index") || p.includes("remote")) return "Restore_RecreateDatabase";
    if (p.includes("metadata")) return "Restore_PostRestoreVerify";
    if (p.includes("restor")) return "Restore_DownloadingRemoteFiles";
    return "Restore_Begin";
  }
  return `${operation}_Running`;
}

/** The queue. Create one per server. */
export class TaskQueue {
  #next = 1;
  #waiting: Entry[] = [];
  #current?: Entry;
  #finished = new Map<number, Entry>();
  #paused = false;
  #pausedUntil?: number;
  #pauseTimer?: ReturnType<typeof setTimeout>;
  #closed = false;
  /** Receives every log line of every task. */
  onLog?: (level: LogLevel, message: string, task: TaskInfo) => void;
  /** Called when a task ends (after its result is stored in its info). */
  onFinished?: (task: TaskInfo) => void;

  constructor(private events: ServerEvents, private now: () => number = Date.now) {}

  /** Adds a task; returns its ID. */
  add(spec: TaskSpec, skipQueue = false): number {
    if (this.#closed) throw new UserError("The server is shutting down", { code: "ShuttingDown" });
    const id = this.#next++;
    let resolve!: () => void;
    const done = new Promise<void>((r) => resolve = r);
    const e: Entry = {
      id,
      spec,
      cancel: new Cancellation(),
      progressAt: 0,
      done,
      resolve,
      info: {
        Status: "Waiting",
        ID: id,
        BackupID: spec.backupId ?? null,
        Operation: spec.operation,
        TaskStarted: null,
        TaskFinished: null,
        ErrorMessage: null,
        Exception: null,
      },
    };
    if (skipQueue) this.#waiting.unshift(e);
    else this.#waiting.push(e);
    this.events.changed();
    this.events.publish("taskqueue", this.list());
    queueMicrotask(() => this.#pump());
    return id;
  }

  /** The running task, if any. */
  get current(): TaskInfo | undefined {
    return this.#current?.info;
  }

  /** Waiting tasks in order. */
  get waiting(): TaskInfo[] {
    return this.#waiting.map((e) => e.info);
  }

  /** The running task followed by the waiting ones. */
  list(): TaskInfo[] {
    return [...(this.#current ? [this.#current.info] : []), ...this.waiting];
  }

  /** A task by ID: running, waiting or recently finished. */
  info(id: number): TaskInfo | undefined {
    if (this.#current?.id === id) return this.#current.info;
    return this.#waiting.find((e) => e.id === id)?.info ?? this.#finished.get(id)?.info;
  }

  /** Resolves when the task with this ID has finished (immediately if unknown). */
  async wait(id: number): Promise<TaskInfo | undefined> {
    const e = this.#current?.id === id ? this.#current : this.#waiting.find((x) => x.id === id);
    if (e) await e.done;
    return this.info(id);
  }

  /** True when a task of this backup is running or waiting. */
  hasBackup(backupId: string): TaskInfo | undefined {
    return this.list().find((t) => t.BackupID === backupId);
  }

  /**
   * Stops a task after the file it is working on (`abort` = at once). A waiting task is removed.
   * Returns false for an unknown or finished task.
   */
  cancel(id: number, mode: "stop" | "abort"): boolean {
    const idx = this.#waiting.findIndex((e) => e.id === id);
    if (idx >= 0) {
      const [e] = this.#waiting.splice(idx, 1);
      e.info.Status = mode === "stop" ? "Stopped" : "Aborted";
      e.info.TaskFinished = new Date(this.now()).toISOString();
      this.#remember(e);
      e.resolve();
      this.events.changed();
      return true;
    }
    if (this.#current?.id !== id) return false;
    if (mode === "stop") this.#current.cancel.stop(new CancelledError("Stopped on request"));
    else this.#current.cancel.abort(new CancelledError("Aborted on request"));
    this.events.changed();
    return true;
  }

  /** Pauses the queue (the running task continues); with a duration it resumes by itself. */
  pause(durationMs?: number): void {
    this.#paused = true;
    clearTimeout(this.#pauseTimer);
    this.#pausedUntil = undefined;
    if (durationMs && durationMs > 0) {
      this.#pausedUntil = this.now() + durationMs;
      this.#pauseTimer = setTimeout(() => this.resume(), durationMs);
    }
    this.events.changed();
  }

  /** Resumes a paused queue. */
  resume(): void {
    clearTimeout(this.#pauseTimer);
    this.#paused = false;
    this.#pausedUntil = undefined;
    this.events.changed();
    queueMicrotask(() => this.#pump());
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** When a timed pause ends (ms since the epoch). */
  get pausedUntil(): number | undefined {
    return this.#pausedUntil;
  }

  /**
   * The running task's progress in Duplicati's `IProgressEventData` shape; undefined when no task
   * runs (Duplicati then answers 404 "No active backup").
   */
  progressState(): Record<string, unknown> | undefined {
    const e = this.#current;
    if (!e) return undefined;
    const p = e.progress;
    const counting = p?.stillCounting ?? p?.bytesTotal === undefined;
    const total = counting ? undefined : p?.bytesTotal;
    return {
      BackupID: e.spec.backupId ?? null,
      TaskID: e.id,
      BackendAction: "",
      BackendPath: "",
      BackendFileSize: 0,
      BackendFileProgress: 0,
      BackendSpeed: -1,
      BackendIsBlocking: false,
      CurrentFilename: p?.current ?? null,
      CurrentFilesize: p?.currentSize ?? 0,
      CurrentFileoffset: p?.currentOffset ?? 0,
      CurrentFilecomplete: false,
      Phase: phaseName(e.spec.operation, p?.phase),
      PhaseText: p?.phase ?? null,
      OverallProgress: total ? Math.min(1, (p?.bytesDone ?? 0) / total) : 0,
      ProcessedFileCount: p?.filesDone ?? 0,
      ProcessedFileSize: p?.bytesDone ?? 0,
      TotalFileCount: p?.filesTotal ?? 0,
      TotalFileSize: p?.bytesTotal ?? 0,
      StillCounting: counting,
      ActiveTransfers: [],
    };
  }

  /** Refuses new tasks, aborts the running one and drops the waiting ones. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#pauseTimer);
    for (const e of this.#waiting.splice(0)) {
      e.info.Status = "Aborted";
      e.info.TaskFinished = new Date(this.now()).toISOString();
      this.#remember(e);
      e.resolve();
    }
    const cur = this.#current;
    if (cur) {
      cur.cancel.abort(new CancelledError("The server is shutting down"));
      await cur.done;
    }
  }

  #remember(e: Entry): void {
    this.#finished.set(e.id, e);
    if (this.#finished.size > 200) {
      this.#finished.delete(this.#finished.keys().next().value!);
    }
  }

  async #pump(): Promise<void> {
    if (this.#current || this.#paused || this.#closed) return;
    const e = this.#waiting.shift();
    if (!e) return;
    this.#current = e;
    e.info.Status = "Running";
    e.info.TaskStarted = new Date(this.now()).toISOString();
    this.events.changed();
    this.events.publish("taskqueue", this.list());
    const logger = new Logger((l) => this.onLog?.(l.level, l.message, e.info));
    const progress: ProgressSink = (p) => {
      e.progress = p;
      const t = this.now();
      if (t - e.progressAt >= 250) {
        e.progressAt = t;
        this.events.publish("progress", this.progressState());
      }
    };
    const c = e.cancel;
    try {
      e.info.Result = await e.spec.run({
        taskId: e.id,
        signal: c.signal,
        stopSignal: c.stopSignal,
        progress,
        logger,
      });
      // A stop the operation honoured by ending early (a backup keeps a partial version).
      if (c.stopping) {
        e.info.Status = c.aborted ? "Aborted" : "Stopped";
        e.info.ErrorMessage = (c.stopSignal.reason as Error)?.message ?? null;
      } else e.info.Status = "Completed";
    } catch (err) {
      if (c.stopping || err instanceof CancelledError) {
        e.info.Status = c.aborted || !c.stopping ? "Aborted" : "Stopped";
        e.info.ErrorMessage = ((c.stopSignal.reason ?? err) as Error).message;
      } else {
        e.info.Status = "Failed";
        e.info.ErrorMessage = (err as Error)?.message ?? String(err);
        e.info.Exception = err instanceof UserError
          ? err.code
          : ((err as Error)?.stack ?? String(err));
      }
    } finally {
      e.info.TaskFinished = new Date(this.now()).toISOString();
      this.#current = undefined;
      this.#remember(e);
      try {
        this.onFinished?.(e.info);
      } catch {
        // Bookkeeping errors must not stop the queue.
      }
      e.resolve();
      this.events.changed("data");
      this.events.publish("taskcompleted", e.info);
      this.events.publish("taskqueue", this.list());
      queueMicrotask(() => this.#pump());
    }
  }
}
