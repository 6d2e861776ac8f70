/**
 * Change counters and live pushes: every state change bumps `LastEventID` (and the data or
 * notification counter when those changed), wakes long polls on `/serverstate`, and is pushed to
 * WebSocket subscribers by service name.
 */
import type { LogEntry, LogLevel } from "../core/log.ts";
import { levelRank } from "../core/log.ts";

/** Services a WebSocket client can subscribe to (Duplicati's names). */
export type ServiceName =
  | "legacystatus"
  | "backuplist"
  | "serversettings"
  | "progress"
  | "taskqueue"
  | "taskcompleted"
  | "notifications"
  | "scheduler";

type Listener = (service: ServiceName, data: unknown) => void;

/** Counters, waiters and subscribers. */
export class ServerEvents {
  lastEventId = 0;
  lastDataUpdateId = 0;
  lastNotificationUpdateId = 0;
  #waiters = new Set<() => void>();
  #listeners = new Set<Listener>();

  /** Records a change and tells everyone waiting. */
  changed(kind: "event" | "data" | "notification" = "event"): void {
    this.lastEventId++;
    if (kind === "data") this.lastDataUpdateId++;
    if (kind === "notification") this.lastNotificationUpdateId++;
    for (const w of [...this.#waiters]) w();
    this.publish("legacystatus", undefined);
  }

  /**
   * Resolves once `lastEventId` differs from `seen`, or after `timeoutMs`, or when `signal`
   * aborts. Returns true when something changed.
   */
  wait(seen: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.lastEventId !== seen) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (changed: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        signal?.removeEventListener("abort", onAbort);
        resolve(changed);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#waiters.add(wake);
      signal?.addEventListener("abort", onAbort);
    });
  }

  /** Sends `data` to subscribers of `service` (data undefined: they fetch it themselves). */
  publish(service: ServiceName, data: unknown): void {
    for (const l of this.#listeners) {
      try {
        l(service, data);
      } catch {
        // A broken subscriber must not stop the others.
      }
    }
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(l: Listener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
}

/** One entry of the live server log. */
export interface LiveLogEntry {
  ID: number;
  When: string;
  Message: string;
  Tag: string;
  MessageID: string;
  ExceptionID: string;
  Type: LogLevel;
  Exception: string | null;
  BackupID: string | null;
  TaskID: string | null;
}

/** The most recent log lines, for `/logdata/poll`. */
export class LiveLog {
  #entries: LiveLogEntry[] = [];
  #next = 1;
  constructor(private capacity = 2000) {}

  /** Adds a line. */
  add(e: LogEntry, ctx: { backupId?: string; taskId?: number; tag?: string } = {}): void {
    this.#entries.push({
      ID: this.#next++,
      When: new Date(e.at).toISOString(),
      Message: e.message,
      Tag: ctx.tag ?? "Duplicati",
      MessageID: "",
      ExceptionID: "",
      Type: e.level,
      Exception: null,
      BackupID: ctx.backupId ?? null,
      TaskID: ctx.taskId !== undefined ? String(ctx.taskId) : null,
    });
    if (this.#entries.length > this.capacity) {
      this.#entries.splice(0, this.#entries.length - this.capacity);
    }
  }

  /** Lines at `level` or above with an ID above `afterId`, newest first, at most `pageSize`. */
  poll(level: LogLevel, afterId: number, pageSize: number): LiveLogEntry[] {
    const min = levelRank(level);
    const out: LiveLogEntry[] = [];
    for (let i = this.#entries.length - 1; i >= 0 && out.length < pageSize; i--) {
      const e = this.#entries[i];
      if (e.ID <= afterId) break;
      if (levelRank(e.Type) >= min) out.push(e);
    }
    return out;
  }
}
