/**
 * Shared live state of the UI: server state (long-polled), progress of the running task, the
 * backup list and notifications. Components read it with useApp().
 */
import { useEffect, useState } from "preact/hooks";
import { get } from "./api.ts";
import type {
  BackupAndSchedule,
  Notification,
  ProgressState,
  ServerState,
  SystemInfo,
} from "./types.ts";

export interface AppState {
  server: ServerState | null;
  progress: ProgressState | null;
  backups: BackupAndSchedule[] | null;
  notifications: Notification[];
  sysinfo: SystemInfo | null;
  /** False while the server does not answer. */
  online: boolean;
}

let state: AppState = {
  server: null,
  progress: null,
  backups: null,
  notifications: [],
  sysinfo: null,
  online: true,
};
const listeners = new Set<() => void>();

export function getState(): AppState {
  return state;
}

export function setState(patch: Partial<AppState>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}

/** The shared state; re-renders on every change. */
export function useApp(): AppState {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return state;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reloads the backup list now. */
export async function reloadBackups(): Promise<void> {
  const backups = await get<BackupAndSchedule[]>("/backups");
  setState({ backups: backups ?? [] });
}

export async function reloadNotifications(): Promise<void> {
  const n = await get<Notification[]>("/notifications");
  setState({ notifications: n ?? [] });
}

export async function loadSysinfo(): Promise<SystemInfo> {
  if (state.sysinfo) return state.sysinfo;
  const s = await get<SystemInfo>("/systeminfo");
  setState({ sysinfo: s });
  return s;
}

/** Reads the server state now (after a user action), without waiting for the long poll. */
export async function refreshState(): Promise<void> {
  try {
    setState({ server: await get<ServerState>("/serverstate"), online: true });
  } catch { /* the poll loop reports problems */ }
}

let running = false;
let generation = 0;

/** Starts the polling loops (idempotent); stop() ends them (on sign-out). */
export function start(): void {
  if (running) return;
  running = true;
  const gen = ++generation;
  void serverLoop(gen);
  void progressLoop(gen);
  reloadBackups().catch(() => {});
  reloadNotifications().catch(() => {});
}

export function stop(): void {
  running = false;
  generation++;
  setState({ server: null, progress: null, backups: null, notifications: [] });
}

async function serverLoop(gen: number): Promise<void> {
  let lastEvent = -1;
  let lastData = -1;
  let lastNote = -1;
  while (running && gen === generation) {
    const started = Date.now();
    try {
      const s = await get<ServerState>("/serverstate", {
        query: lastEvent >= 0
          ? { longpoll: true, lastEventId: lastEvent, duration: "25s" }
          : undefined,
      });
      if (gen !== generation) return;
      setState({ server: s, online: true });
      const ev = s.LastEventID ?? 0;
      if (s.LastDataUpdateID !== undefined && s.LastDataUpdateID !== lastData) {
        if (lastData >= 0) reloadBackups().catch(() => {});
        lastData = s.LastDataUpdateID;
      }
      if (s.LastNotificationUpdateID !== undefined && s.LastNotificationUpdateID !== lastNote) {
        if (lastNote >= 0) reloadNotifications().catch(() => {});
        lastNote = s.LastNotificationUpdateID;
      }
      // A server that answered at once without news is not long-polling: pace the loop.
      if (ev === lastEvent && Date.now() - started < 1000) await sleep(s.ActiveTask ? 1000 : 3000);
      lastEvent = ev;
    } catch {
      if (gen !== generation) return;
      setState({ online: false });
      await sleep(3000);
    }
  }
}

async function progressLoop(gen: number): Promise<void> {
  let wasActive = false;
  while (running && gen === generation) {
    const active = !!state.server?.ActiveTask;
    if (active) {
      try {
        const p = await get<ProgressState>("/progressstate");
        if (gen !== generation) return;
        setState({ progress: p });
      } catch { /* no task any more */ }
      wasActive = true;
      await sleep(700);
    } else {
      if (wasActive) {
        wasActive = false;
        setState({ progress: null });
        reloadBackups().catch(() => {});
        reloadNotifications().catch(() => {});
      }
      await sleep(400);
    }
  }
}
