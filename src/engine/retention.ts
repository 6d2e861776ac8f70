/**
 * Which versions to delete: `--version`, `--keep-time`, `--retention-policy` and `--keep-versions`
 * with Duplicati's exact rules (DeleteHandler.GetFilesetsToDelete / ApplyRetentionPolicy). A pure
 * function of the version list and the clock, so it can be tested with fixed times.
 */
import { ArgumentError } from "../core/errors.ts";
import type { OptionValues } from "../core/option_values.ts";
import {
  addTimespan,
  parseRetentionPolicy,
  parseTimespan,
  subtractTimespan,
} from "../core/timespan.ts";

/** One version as retention sees it. */
export interface RetentionVersion {
  /** Backup time in ms. */
  time: number;
  isFullBackup: boolean;
}

/** One `timeframe:interval` pair; `timeframe` undefined = unlimited. */
export interface RetentionRule {
  timeframe?: string;
  /** Interval as written; undefined or zero keeps every version in the frame. */
  interval?: string;
}

/** What to delete by. */
export interface RetentionRules {
  /** Version numbers (0 = newest) named with --version. */
  versions?: number[];
  /** --keep-time as written (e.g. `30D`). */
  keepTime?: string;
  /** --keep-versions; 0 or negative keeps all. */
  keepVersions?: number;
  policy?: RetentionRule[];
  allowFullRemoval?: boolean;
  /** --disable-time-tolerance: no 1% (max 1 h) slack on --keep-time. */
  disableTimeTolerance?: boolean;
}

/** Reads the retention options; throws ArgumentError for bad values. */
export function retentionRules(opts: OptionValues): RetentionRules {
  const r: RetentionRules = {
    allowFullRemoval: opts.bool("allow-full-removal"),
    disableTimeTolerance: opts.bool("disable-time-tolerance"),
  };
  if (opts.has("version") && opts.str("version") !== "") r.versions = opts.versions("version");
  const kt = opts.str("keep-time");
  if (kt !== undefined && kt.trim() !== "") {
    opts.timespan("keep-time"); // validates
    r.keepTime = kt.trim();
  }
  if (opts.has("keep-versions")) r.keepVersions = opts.int("keep-versions", 0);
  const rp = opts.str("retention-policy");
  if (rp !== undefined && rp.trim() !== "") {
    parseRetentionPolicy(rp); // validates, with a clear message
    r.policy = rp.split(",").map((s) => s.trim()).filter((s) => s).map((item) => {
      const [tf, iv] = item.split(":").map((x) => x.trim());
      return {
        timeframe: tf.toUpperCase() === "U" ? undefined : tf,
        interval: iv.toUpperCase() === "U" ? undefined : iv,
      };
    });
  }
  return r;
}

/** True when any rule that deletes versions is set. */
export function hasRetentionRules(r: RetentionRules): boolean {
  return (r.versions?.length ?? 0) > 0 || r.keepTime !== undefined ||
    (r.keepVersions ?? 0) > 0 || (r.policy?.length ?? 0) > 0;
}

function spanMs(span: string, now: Date): number {
  // Duplicati's ParseTimeSpan: the length of the span counted on the calendar from now.
  return addTimespan(now, span).getTime() - now.getTime();
}

/**
 * Returns the times of the versions to delete, newest first. `versions` must be sorted newest
 * first with distinct times. Keeps the newest version unless `allowFullRemoval`.
 */
export function selectVersionsToDelete(
  versions: readonly RetentionVersion[],
  rules: RetentionRules,
  now: Date,
): number[] {
  if (versions.length === 0) return [];
  const times = versions.map((v) => v.time);
  if (new Set(times).size !== times.length) {
    throw new Error("The list of backup times contains duplicates");
  }
  const full = new Map(versions.map((v) => [v.time, v.isFullBackup]));
  const toDelete = new Set<number>();

  for (const ix of rules.versions ?? []) {
    if (ix >= 0 && ix < times.length) toDelete.add(times[ix]);
  }

  if (rules.keepTime !== undefined) {
    const tolerance = rules.disableTimeTolerance
      ? 0
      : Math.min(parseTimespan(rules.keepTime) / 100, 3600_000);
    const limit = subtractTimespan(now, rules.keepTime).getTime() - tolerance;
    let i = 0;
    while (i < times.length && times[i] >= limit) i++;
    for (; i < times.length; i++) toDelete.add(times[i]);
  }

  for (const t of applyRetentionPolicy(versions, rules, now)) toDelete.add(t);

  const keepVersions = rules.keepVersions ?? 0;
  const remaining = times.filter((t) => !toDelete.has(t));
  if (keepVersions > 0 && keepVersions < remaining.length) {
    let kept = 0;
    let foundLastFullToKeep = false;
    for (const t of remaining) {
      if (kept < keepVersions) {
        if (full.get(t)) kept++;
        continue;
      }
      // Partial versions newer than the next full version are kept.
      if (!foundLastFullToKeep) {
        if (!full.get(t)) continue;
        foundLastFullToKeep = true;
      }
      toDelete.add(t);
    }
  }

  let out = [...toDelete].sort((a, b) => b - a);
  if (!rules.allowFullRemoval && out.length === times.length) out = out.slice(1);
  return out;
}

/** Versions outside the retention policy (never the newest unless allowed and outside). */
function applyRetentionPolicy(
  versions: readonly RetentionVersion[],
  rules: RetentionRules,
  now: Date,
): number[] {
  const policy = rules.policy ?? [];
  if (policy.length === 0 || versions.length === 0) return [];
  const sorted = [...versions].sort((a, b) => b.time - a.time);
  const mostRecent = sorted.shift()!;
  let deleteMostRecent = !!rules.allowFullRemoval;
  const frames = policy.map((p) => ({
    frameMs: p.timeframe === undefined ? Infinity : spanMs(p.timeframe, now),
    intervalMs: p.interval === undefined ? 0 : spanMs(p.interval, now),
  })).sort((a, b) => a.frameMs - b.frameMs);
  for (const f of frames) {
    if (f.intervalMs < 0 || f.frameMs < 0) {
      throw new ArgumentError("--retention-policy: timeframes and intervals must not be negative");
    }
  }
  const out: number[] = [];
  for (const f of frames) {
    const lower = f.frameMs === Infinity ? -Infinity : now.getTime() - f.frameMs;
    const inFrame: RetentionVersion[] = [];
    while (sorted.length > 0 && sorted[0].time >= lower) inFrame.unshift(sorted.shift()!);
    // Oldest first: keep the first, then one whenever the interval has passed since the last kept.
    let lastKept: number | undefined;
    for (const b of inFrame) {
      if (lastKept === undefined || f.intervalMs <= 0 || b.time - lastKept >= f.intervalMs) {
        if (b.isFullBackup) lastKept = b.time;
      } else if (b.isFullBackup) out.push(b.time);
    }
    deleteMostRecent &&= mostRecent.time < lower;
  }
  for (const b of sorted) out.push(b.time);
  if (deleteMostRecent) out.push(mostRecent.time);
  return out;
}
