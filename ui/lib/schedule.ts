/** Schedule helpers for the wizard: repeat strings ("1D", "12h") and weekdays. Pure (unit-tested). */

/** Units of "Run again every", in Duplicati's timespan letters. */
export const REPEAT_UNITS: { unit: string; label: string }[] = [
  { unit: "m", label: "Minutes" },
  { unit: "h", label: "Hours" },
  { unit: "D", label: "Days" },
  { unit: "W", label: "Weeks" },
  { unit: "M", label: "Months" },
  { unit: "Y", label: "Years" },
];

/** Weekday keys as the API spells them, Monday first. */
export const WEEKDAYS: { key: string; label: string }[] = [
  { key: "mon", label: "Monday" },
  { key: "tue", label: "Tuesday" },
  { key: "wed", label: "Wednesday" },
  { key: "thu", label: "Thursday" },
  { key: "fri", label: "Friday" },
  { key: "sat", label: "Saturday" },
  { key: "sun", label: "Sunday" },
];

/** "1D" -> {n: 1, unit: "D"}; "" or unknown -> null (custom repeat strings stay as typed). */
export function parseRepeat(s: string | undefined): { n: number; unit: string } | null {
  const m = /^\s*(\d+)\s*([mhDWMYs])\s*$/.exec(s ?? "");
  if (!m) return null;
  return { n: Number(m[1]), unit: m[2] === "s" ? "m" : m[2] };
}

/** {n: 1, unit: "D"} -> "1D". Throws when n is not a whole number of at least 1. */
export function formatRepeat(n: number, unit: string): string {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error("The repeat count must be a whole number of at least 1.");
  }
  if (!REPEAT_UNITS.some((u) => u.unit === unit)) throw new Error(`Unknown repeat unit "${unit}".`);
  return `${n}${unit}`;
}

/** Normalises weekday names from the API ("Monday", "mon", "MON") to the short keys. */
export function normaliseDays(days: string[] | undefined | null): string[] {
  const keys = (days ?? []).map((d) => d.slice(0, 3).toLowerCase());
  return WEEKDAYS.map((w) => w.key).filter((k) => keys.includes(k));
}

/** Splits an ISO time into local "HH:MM" and "YYYY-MM-DD" for time and date inputs. */
export function splitLocal(
  iso: string | undefined,
  now = new Date(),
): { time: string; date: string } {
  let d = iso ? new Date(iso) : now;
  if (iso && /^\d{1,2}:\d{2}(:\d{2})?$/.test(iso)) {
    const [h, m] = iso.split(":").map(Number);
    d = new Date(now);
    d.setHours(h, m, 0, 0);
  }
  if (Number.isNaN(d.getTime())) d = now;
  const pad = (x: number) => String(x).padStart(2, "0");
  return {
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}`,
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
  };
}

/** Local "YYYY-MM-DD" + "HH:MM" back to an ISO string (UTC). Throws on an invalid date or time. */
export function joinLocal(date: string, time: string): string {
  const d = new Date(`${date}T${time}:00`);
  if (Number.isNaN(d.getTime())) throw new Error("Enter a valid date and time.");
  return d.toISOString();
}
