/**
 * Helpers for a backup's Settings list ([{Name, Value}]) and the retention presets.
 * Duplicati stores the wizard's own fields without "--" (encryption-module, passphrase,
 * dblock-size, keep-time, ...) and advanced options with "--". Pure (unit-tested).
 */
import type { Setting } from "../types.ts";

const bare = (n: string) => n.replace(/^--/, "");

/** The value of a setting, with or without "--" prefix; undefined when absent. */
export function getSetting(list: Setting[], name: string): string | undefined {
  return list.find((s) => bare(s.Name) === bare(name))?.Value;
}

/** A copy of the list with the setting set (or removed when value is undefined). */
export function setSetting(list: Setting[], name: string, value: string | undefined): Setting[] {
  const rest = list.filter((s) => bare(s.Name) !== bare(name));
  return value === undefined ? rest : [...rest, { Name: name, Value: value }];
}

/** The settings the wizard edits on its own pages; the rest are "advanced options". */
export const WIZARD_SETTINGS = [
  "encryption-module",
  "passphrase",
  "no-encryption",
  "compression-module",
  "dblock-size",
  "keep-time",
  "keep-versions",
  "retention-policy",
  "exclude-files-attributes",
  "skip-files-larger-than",
];

export function isWizardSetting(name: string): boolean {
  return WIZARD_SETTINGS.includes(bare(name));
}

/** Retention choices of the options page. */
export type RetentionKind = "all" | "time" | "versions" | "smart" | "custom";

export const SMART_POLICY = "1W:1D,4W:1W,12M:1M";

export interface Retention {
  kind: RetentionKind;
  /** keep-time ("3M"), keep-versions ("5") or retention-policy, by kind. */
  value: string;
}

export const RETENTION_TEXT: Record<RetentionKind, string> = {
  all: "Nothing will be deleted. The backup size will grow with each change.",
  time: "Versions older than this are deleted after each backup.",
  versions: "Only this many versions are kept; older ones are deleted after each backup.",
  smart:
    "Keeps one version for each of the last 7 days, each of the last 4 weeks and each of the last 12 months.",
  custom:
    "A list of timeframe:interval pairs, e.g. 7D:0s,3M:1D,10Y:2M keeps all versions for 7 days, one a day for 3 months and one every 2 months for 10 years.",
};

/** Reads the retention choice from a settings list. */
export function readRetention(list: Setting[]): Retention {
  const t = getSetting(list, "keep-time");
  const v = getSetting(list, "keep-versions");
  const p = getSetting(list, "retention-policy");
  if (p) return { kind: p === SMART_POLICY ? "smart" : "custom", value: p };
  if (t) return { kind: "time", value: t };
  if (v) return { kind: "versions", value: v };
  return { kind: "all", value: "" };
}

/** Writes a retention choice into a settings list (removing the other retention settings). */
export function writeRetention(list: Setting[], r: Retention): Setting[] {
  let out = list;
  for (const n of ["keep-time", "keep-versions", "retention-policy"]) {
    out = setSetting(out, n, undefined);
  }
  const value = r.value.trim();
  switch (r.kind) {
    case "time":
      if (!/^\d+[smhDWMY]$/.test(value)) {
        throw new Error("Enter a period such as 3M (3 months) or 1Y.");
      }
      return setSetting(out, "keep-time", value);
    case "versions":
      if (!/^[1-9]\d*$/.test(value)) {
        throw new Error("Enter how many versions to keep (1 or more).");
      }
      return setSetting(out, "keep-versions", value);
    case "smart":
      return setSetting(out, "retention-policy", SMART_POLICY);
    case "custom":
      if (!/^\s*\d+[smhDWMYU]:\d+[smhDWMYU](,\s*\d+[smhDWMYU]:\d+[smhDWMYU])*\s*$/.test(value)) {
        throw new Error("Enter a policy such as 7D:0s,3M:1D,10Y:2M.");
      }
      return setSetting(out, "retention-policy", value.replace(/\s+/g, ""));
    default:
      return out;
  }
}

/** One filter row of the source page. */
export interface FilterRow {
  include: boolean;
  kind: "path" | "glob" | "regex" | "group";
  expression: string;
}

/** A filter expression as Duplicati stores it: regex in [..], groups in {..}. */
export function filterExpression(r: FilterRow): string {
  const e = r.expression.trim();
  if (r.kind === "regex") return `[${e}]`;
  if (r.kind === "group") return `{${e}}`;
  return e;
}

/** The row for a stored expression. */
export function filterRow(include: boolean, expression: string): FilterRow {
  if (/^\[.*\]$/.test(expression)) {
    return { include, kind: "regex", expression: expression.slice(1, -1) };
  }
  if (/^\{.*\}$/.test(expression)) {
    return { include, kind: "group", expression: expression.slice(1, -1) };
  }
  return { include, kind: /[*?]/.test(expression) ? "glob" : "path", expression };
}
