/** Formatting of sizes, dates and durations for display. Pure functions (unit-tested). */

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB"];

/** "1.5 MB" for 1572864 (binary multiples, as Duplicati shows them). Blank input gives "-". */
export function formatSize(bytes: number | string | null | undefined): string {
  const n = typeof bytes === "string" ? Number(bytes) : bytes;
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return "-";
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${UNITS[i]}`;
}

/** Parses a date the API sends (ISO, or Duplicati's compact "20250101T120000Z"). */
export function parseApiDate(s: string | number | null | undefined): Date | null {
  if (s === null || s === undefined || s === "") return null;
  if (typeof s === "number") return new Date(s);
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  const d = compact
    ? new Date(
      Date.UTC(+compact[1], +compact[2] - 1, +compact[3], +compact[4], +compact[5], +compact[6]),
    )
    : new Date(s);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1971) return null;
  return d;
}

/** Local date and time, e.g. "Nov 3, 2025, 1:37 PM". */
export function formatDate(s: string | number | Date | null | undefined): string {
  const d = s instanceof Date ? s : parseApiDate(s);
  if (!d) return "never";
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** "in 3 hours", "5 minutes ago". */
export function relativeTime(
  s: string | number | Date | null | undefined,
  now = Date.now(),
): string {
  const d = s instanceof Date ? s : parseApiDate(s);
  if (!d) return "never";
  const diff = d.getTime() - now;
  const abs = Math.abs(diff);
  const steps: [number, Intl.RelativeTimeFormatUnit][] = [
    [60_000, "second"],
    [3_600_000, "minute"],
    [86_400_000, "hour"],
    [7 * 86_400_000, "day"],
    [30 * 86_400_000, "week"],
    [365 * 86_400_000, "month"],
    [Infinity, "year"],
  ];
  const size: Record<string, number> = {
    second: 1000,
    minute: 60_000,
    hour: 3_600_000,
    day: 86_400_000,
    week: 7 * 86_400_000,
    month: 30 * 86_400_000,
    year: 365 * 86_400_000,
  };
  const unit = steps.find(([limit]) => abs < limit)![1];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  return rtf.format(Math.round(diff / size[unit]), unit);
}

/**
 * "1h 2m 3s" from seconds, or from a .NET timespan string ("01:02:03.456", "1.02:03:04").
 */
export function formatDuration(v: number | string | null | undefined): string {
  if (v === null || v === undefined || v === "") return "-";
  let secs: number;
  if (typeof v === "number") secs = v;
  else {
    const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(v);
    if (m) secs = (+(m[1] ?? 0)) * 86400 + +m[2] * 3600 + +m[3] * 60 + +m[4];
    else if (Number.isFinite(Number(v))) secs = Number(v);
    else return v;
  }
  secs = Math.round(secs);
  const d = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h || d) parts.push(`${h}h`);
  parts.push(`${m}m`, `${s}s`);
  return parts.join(" ");
}

/** Splits "50MB" into a number and a unit ("50", "MB"); unknown input keeps the number only. */
export function splitSize(v: string, defaultUnit = "MB"): { n: string; unit: string } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b)?\s*$/i.exec(v ?? "");
  if (!m) return { n: "", unit: defaultUnit };
  return { n: m[1], unit: (m[2] ?? defaultUnit).toUpperCase().replace("IB", "B") };
}

/** Turns a CamelCase phase name ("Backup_ProcessingFiles") into words ("Processing files"). */
export function phaseText(phase: string | undefined): string {
  if (!phase) return "";
  const last = phase.includes("_") ? phase.slice(phase.indexOf("_") + 1) : phase;
  const words = last.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** What the running task is doing: the server's phase text, or Duplicati's phase name in words. */
export function progressPhase(p: { Phase?: string; PhaseText?: string | null } | null): string {
  return p?.PhaseText || phaseText(p?.Phase) || "Starting";
}

/**
 * A backup's last duration from its metadata: Duplicati stores a .NET timespan ("00:00:27.12");
 * a plain number is taken as milliseconds.
 */
export function metaDuration(v: string | null | undefined): string {
  if (v && /^\d+$/.test(v)) return formatDuration(Number(v) / 1000);
  return formatDuration(v);
}
