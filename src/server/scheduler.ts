/**
 * The scheduler: each backup's schedule (anchor time, repeat interval, allowed weekdays) gives its
 * next run in the server's time zone, day-based steps keeping the local time of day across DST.
 * A run that was missed while the server was off runs once at start-up; several missed slots
 * collapse into one run. Time comes from an injected clock so tests can move it.
 */
import { ArgumentError } from "../core/errors.ts";
import { parseTimespanParts, type TimespanPart } from "../core/timespan.ts";

/** Weekday names as the API writes them, Sunday first (JavaScript's getDay order). */
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

/** Where a schedule stands. Times in ms since the epoch. */
export interface ScheduleSpec {
  /** The anchor: first run time; later runs are whole repeats from it. */
  Time: number;
  /** Timespan such as `1D`, `12h`, `1W`, `1M` (months), `30m` (minutes). */
  Repeat: string;
  /** When the schedule last started its backup (0 = never). */
  LastRun: number;
  /** Allowed weekdays (`mon`...`sun`); empty = every day. */
  AllowedDays: string[];
}

/** A clock: now in ms since the epoch. */
export type Clock = () => number;

/** Checks and normalises weekday names; throws ArgumentError naming the bad one. */
export function normalizeWeekdays(days: readonly string[]): string[] {
  return days.map((d) => {
    const k = String(d).trim().toLowerCase().slice(0, 3);
    if (!(WEEKDAYS as readonly string[]).includes(k)) {
      throw new ArgumentError(
        `Unknown weekday "${d}" in AllowedDays: use mon, tue, wed, thu, fri, sat, sun`,
        "InvalidSchedule",
      );
    }
    return k;
  });
}

/** Parses a repeat interval; throws ArgumentError when it is not a positive timespan. */
export function parseRepeat(repeat: string): TimespanPart[] {
  let parts: TimespanPart[];
  try {
    parts = parseTimespanParts(repeat, "s");
  } catch {
    throw new ArgumentError(
      `Invalid schedule repeat "${repeat}": use a number and a unit, such as 30m, 1h, 1D, 1W, 1M or 1Y`,
      "InvalidSchedule",
    );
  }
  const approx = parts.reduce((a, p) => a + p.value * unitMs(p.unit), 0);
  if (approx < 60_000) {
    throw new ArgumentError(
      `Invalid schedule repeat "${repeat}": it must be at least one minute`,
      "InvalidSchedule",
    );
  }
  return parts;
}

function unitMs(u: string): number {
  return ({ Y: 365, M: 30, W: 7, D: 1 } as Record<string, number>)[u] !== undefined
    ? ({ Y: 365, M: 30, W: 7, D: 1 } as Record<string, number>)[u] * 86_400_000
    : ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as Record<string, number>)[u] ?? 0;
}

/** Checks a time zone name; throws ArgumentError for an unknown one. */
export function checkTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    throw new ArgumentError(
      `Unknown time zone "${tz}": use an IANA name such as Europe/Berlin, America/New_York or UTC`,
      "InvalidTimeZone",
    );
  }
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(t: number, tz: string): Wall & { wd: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
    formatters.set(tz, f);
  }
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(new Date(t))) p[x.type] = x.value;
  return {
    y: Number(p.year),
    mo: Number(p.month),
    d: Number(p.day),
    h: Number(p.hour) % 24,
    mi: Number(p.minute),
    s: Number(p.second),
    ms: ((t % 1000) + 1000) % 1000,
    wd: WEEKDAYS.indexOf(p.weekday.toLowerCase().slice(0, 3) as typeof WEEKDAYS[number]),
  };
}

/** The instant showing wall clock `w` in `tz` (the later one when the hour does not exist). */
function fromWall(w: Wall, tz: string): number {
  const guess = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s, w.ms);
  let t = guess;
  for (let i = 0; i < 3; i++) {
    const seen = wallClock(t, tz);
    const seenMs = Date.UTC(seen.y, seen.mo - 1, seen.d, seen.h, seen.mi, seen.s, seen.ms);
    const diff = seenMs - guess;
    if (diff === 0) return t;
    t -= diff;
  }
  return t;
}

/** Adds `parts` to `t`: calendar units on the wall clock of `tz`, clock units as fixed lengths. */
export function addInterval(t: number, parts: readonly TimespanPart[], tz: string): number {
  let days = 0, months = 0, fixed = 0;
  for (const p of parts) {
    if (p.unit === "Y") months += 12 * p.value;
    else if (p.unit === "M") months += p.value;
    else if (p.unit === "W") days += 7 * p.value;
    else if (p.unit === "D") days += p.value;
    else fixed += p.value * unitMs(p.unit);
  }
  let r = t;
  if (days || months) {
    const w = wallClock(t, tz);
    const target = new Date(Date.UTC(w.y, w.mo - 1 + months, 1));
    const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0))
      .getUTCDate();
    const base = Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(w.d, lastDay));
    const day = new Date(base + days * 86_400_000);
    r = fromWall({
      y: day.getUTCFullYear(),
      mo: day.getUTCMonth() + 1,
      d: day.getUTCDate(),
      h: w.h,
      mi: w.mi,
      s: w.s,
      ms: w.ms,
    }, tz);
  }
  return r + fixed;
}

/** The weekday (0 = Sunday) of `t` in `tz`. */
export function weekdayOf(t: number, tz: string): number {
  return wallClock(t, tz).wd;
}

/**
 * The next run after `LastRun` (and after `notBefore`, when given): whole repeats from the anchor,
 * moved to an allowed weekday (day by day for daily or longer repeats, repeat by repeat for
 * shorter ones).
 */
export function nextRun(s: ScheduleSpec, tz: string, notBefore?: number): number {
  const parts = parseRepeat(s.Repeat);
  const allowed = new Set(
    normalizeWeekdays(s.AllowedDays).map((d) => WEEKDAYS.indexOf(d as never)),
  );
  const ok = (t: number) =>
    allowed.size === 0 || allowed.size === 7 || allowed.has(weekdayOf(t, tz));
  const after = Math.max(s.LastRun, notBefore !== undefined ? notBefore - 1 : -Infinity);
  // Slot k is the anchor plus k repeats, counted from the anchor so month ends do not drift.
  const slot = (k: number) =>
    k === 0 ? s.Time : addInterval(s.Time, parts.map((p) => ({ ...p, value: p.value * k })), tz);
  const approx = parts.reduce((a, p) => a + p.value * unitMs(p.unit), 0);
  let k = s.Time > after ? 0 : Math.max(0, Math.floor((after - s.Time) / approx) - 1);
  while (k > 0 && slot(k - 1) > after) k--;
  while (slot(k) <= after) k++;
  let t = slot(k);
  const daily = approx >= 86_400_000;
  for (let n = 0; !ok(t) && n < 10_000; n++) {
    t = daily ? addInterval(t, [{ value: 1, unit: "D" }], tz) : slot(++k);
  }
  return t;
}

/** What the scheduler needs from the server. */
export interface SchedulerHost {
  /** Every schedule with its backup ID and schedule row ID. */
  schedules(): { backupId: string; scheduleId: number; spec: ScheduleSpec }[];
  /** True when a task of this backup is running or waiting. */
  isQueued(backupId: string): boolean;
  /** Queues the backup; `at` is the slot time being served. */
  runBackup(backupId: string, scheduleId: number, at: number): void;
  timeZone(): string;
}

/**
 * Runs due schedules. `tick()` does one pass (queues every due backup once and moves its
 * LastRun); `start()` ticks now and then on a timer (at most every 5 minutes, or sooner when a run
 * is due). A missed run therefore runs once at start-up.
 */
export class Scheduler {
  #timer?: ReturnType<typeof setTimeout>;
  #stopped = false;

  constructor(private host: SchedulerHost, private clock: Clock = Date.now) {}

  /** Upcoming runs, soonest first: `[backupId, time]`. */
  proposed(): { backupId: string; time: number }[] {
    const tz = this.host.timeZone();
    const out: { backupId: string; time: number }[] = [];
    for (const s of this.host.schedules()) {
      try {
        out.push({ backupId: s.backupId, time: nextRun(s.spec, tz) });
      } catch {
        // A broken schedule row shows no next run.
      }
    }
    return out.sort((a, b) => a.time - b.time);
  }

  /** One pass; returns the IDs of the backups queued. */
  tick(): string[] {
    const now = this.clock();
    const tz = this.host.timeZone();
    const queued: string[] = [];
    for (const s of this.host.schedules()) {
      let spec = s.spec;
      if (spec.LastRun > now) spec = { ...spec, LastRun: now }; // the clock went backwards
      let next: number;
      try {
        next = nextRun(spec, tz);
      } catch {
        continue;
      }
      if (next > now) continue;
      if (this.host.isQueued(s.backupId)) continue;
      this.host.runBackup(s.backupId, s.scheduleId, next);
      queued.push(s.backupId);
    }
    return queued;
  }

  /** Starts the timer loop (ticks at once). */
  start(): void {
    this.#stopped = false;
    this.#loop();
  }

  /** Re-plans the timer after a schedule changed. */
  reschedule(): void {
    if (this.#stopped || this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#loop();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #loop(): void {
    if (this.#stopped) return;
    try {
      this.tick();
    } catch {
      // Try again on the next tick.
    }
    const soonest = this.proposed()[0]?.time;
    const wait = Math.max(
      1000,
      Math.min(5 * 60_000, soonest !== undefined ? soonest - this.clock() : Infinity),
    );
    this.#timer = setTimeout(() => this.#loop(), wait);
  }
}
