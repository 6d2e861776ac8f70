/**
 * The backup configuration as the API carries it (`{Backup, Schedule}` with Duplicati's PascalCase
 * names): checking incoming bodies, and building answers with every secret masked.
 */
import { ArgumentError } from "../core/errors.ts";
import { parseFilterExpression } from "../core/filters.ts";
import type { BackupRecord, FilterRow, ScheduleRecord, SettingRow } from "./database.ts";
import { isSensitiveName, MASK, maskUrl, unmaskUrl } from "./secrets.ts";
import { normalizeWeekdays, parseRepeat } from "./scheduler.ts";
import { parseTimeValue } from "../core/timeparse.ts";

/** A checked backup from a request body (no ID, no metadata yet). */
export type BackupInput = Omit<BackupRecord, "ID" | "Metadata" | "IsTemporary" | "DBPath"> & {
  DBPath?: string;
};

/** A checked schedule from a request body. */
export type ScheduleInput = Pick<ScheduleRecord, "Time" | "Repeat" | "LastRun" | "AllowedDays">;

function bad(message: string): ArgumentError {
  return new ArgumentError(message, "InvalidBackup");
}

function str(v: unknown, name: string, required = false): string {
  if (v === undefined || v === null) {
    if (required) throw bad(`${name} is required`);
    return "";
  }
  if (typeof v !== "string") throw bad(`${name} must be a string`);
  return v;
}

function list<T>(v: unknown, name: string, each: (x: unknown, i: number) => T): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(`${name} must be a list`);
  return v.map(each);
}

/**
 * Checks the `Backup` part of a create/update body. Throws ArgumentError (HTTP 400) naming the
 * first bad field.
 */
export function parseBackupInput(body: unknown): BackupInput {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw bad("The body must be a JSON object with a Backup property");
  }
  const b = (body as Record<string, unknown>).Backup as Record<string, unknown> | undefined;
  if (!b || typeof b !== "object") throw bad("The body has no Backup object");
  const name = str(b.Name, "Backup.Name", true).trim();
  if (name === "") throw bad("Backup.Name must not be empty: give the backup a name");
  const url = str(b.TargetURL, "Backup.TargetURL", true).trim();
  if (url === "") throw bad("Backup.TargetURL must not be empty: choose where to store the backup");
  const sources = list(b.Sources, "Backup.Sources", (x, i) => {
    const s = str(x, `Backup.Sources[${i}]`, true);
    if (s.trim() === "") throw bad(`Backup.Sources[${i}] is empty`);
    return s;
  });
  const settings: SettingRow[] = list(b.Settings, "Backup.Settings", (x, i) => {
    if (!x || typeof x !== "object") throw bad(`Backup.Settings[${i}] must be an object`);
    const r = x as Record<string, unknown>;
    const n = str(r.Name, `Backup.Settings[${i}].Name`, true);
    if (n.replace(/^--/, "").trim() === "") throw bad(`Backup.Settings[${i}].Name is empty`);
    const v = r.Value;
    return {
      Filter: str(r.Filter, `Backup.Settings[${i}].Filter`),
      Name: n,
      Value: v === null || v === undefined ? "" : String(v),
    };
  });
  const filters: FilterRow[] = list(b.Filters, "Backup.Filters", (x, i) => {
    if (!x || typeof x !== "object") throw bad(`Backup.Filters[${i}] must be an object`);
    const r = x as Record<string, unknown>;
    const expr = str(r.Expression, `Backup.Filters[${i}].Expression`, true);
    const include = r.Include === true || r.Include === "true";
    try {
      parseFilterExpression(expr, include);
    } catch (e) {
      throw bad(`Backup.Filters[${i}]: ${(e as Error).message}`);
    }
    return {
      Order: Number.isFinite(Number(r.Order)) ? Number(r.Order) : i,
      Include: include,
      Expression: expr,
    };
  });
  const tags = Array.isArray(b.Tags)
    ? b.Tags.map(String)
    : typeof b.Tags === "string"
    ? b.Tags.split(",").filter((t) => t !== "")
    : [];
  return {
    Name: name,
    Description: str(b.Description, "Backup.Description"),
    Tags: tags,
    TargetURL: url,
    DBPath: b.DBPath ? str(b.DBPath, "Backup.DBPath") : undefined,
    ExternalID: str(b.ExternalID, "Backup.ExternalID"),
    OperationType: str(b.OperationType, "Backup.OperationType") || "Backup",
    Sources: sources,
    Settings: settings,
    Filters: filters,
  };
}

/** Reads a time given as ISO text, Unix seconds or ms; throws ArgumentError. */
function parseScheduleTime(v: unknown, now: number): number {
  if (typeof v === "number" && Number.isFinite(v)) return v > 1e11 ? v : v * 1000;
  if (typeof v === "string" && v.trim() !== "") {
    try {
      return parseTimeValue(v, new Date(now)).getTime();
    } catch (e) {
      throw bad(`Schedule.Time: ${(e as Error).message}`);
    }
  }
  return now;
}

/** Checks the optional `Schedule` part; undefined when absent or null (no schedule). */
export function parseScheduleInput(body: unknown, now: number): ScheduleInput | undefined {
  const s = (body as Record<string, unknown> | undefined)?.Schedule as
    | Record<string, unknown>
    | null
    | undefined;
  if (s === undefined || s === null) return undefined;
  if (typeof s !== "object") throw bad("Schedule must be an object or null");
  const repeat = str(s.Repeat, "Schedule.Repeat") || "1D";
  try {
    parseRepeat(repeat);
  } catch (e) {
    throw bad((e as Error).message);
  }
  let days: string[] = [];
  if (s.AllowedDays !== undefined && s.AllowedDays !== null) {
    if (!Array.isArray(s.AllowedDays)) throw bad("Schedule.AllowedDays must be a list of weekdays");
    try {
      days = normalizeWeekdays(s.AllowedDays.map(String));
    } catch (e) {
      throw bad((e as Error).message);
    }
  } else if (typeof s.Rule === "string") {
    const m = s.Rule.match(/AllowedWeekDays=([^;]*)/);
    if (m) days = normalizeWeekdays(m[1].split(",").filter((d) => d !== ""));
  }
  return {
    Time: parseScheduleTime(s.Time, now),
    Repeat: repeat,
    LastRun: s.LastRun ? parseScheduleTime(s.LastRun, now) : 0,
    AllowedDays: days,
  };
}

/** Setting values with secrets replaced by {@link MASK}. */
export function maskSettings(rows: readonly SettingRow[]): SettingRow[] {
  return rows.map((r) => ({
    ...r,
    Value: isSensitiveName(r.Name) && r.Value !== "" ? MASK : r.Value,
  }));
}

/** Puts stored secrets back where an update still carries the mask. */
export function unmaskSettings(
  incoming: readonly SettingRow[],
  stored: readonly SettingRow[],
): SettingRow[] {
  const old = new Map(stored.map((r) => [r.Name.replace(/^--/, ""), r.Value]));
  return incoming.map((r) =>
    r.Value === MASK ? { ...r, Value: old.get(r.Name.replace(/^--/, "")) ?? "" } : r
  );
}

/** Puts stored secrets back into an update of `stored`. */
export function unmaskInput(input: BackupInput, stored: BackupRecord): BackupInput {
  return {
    ...input,
    TargetURL: unmaskUrl(input.TargetURL, stored.TargetURL),
    Settings: unmaskSettings(input.Settings, stored.Settings),
  };
}

/** The API's ScheduleDto. Times as ISO text. */
export function scheduleDto(s: ScheduleRecord | undefined): Record<string, unknown> | null {
  if (!s) return null;
  return {
    ID: s.ID,
    Tags: s.Tags,
    Time: new Date(s.Time).toISOString(),
    Repeat: s.Repeat,
    LastRun: s.LastRun ? new Date(s.LastRun).toISOString() : new Date(0).toISOString(),
    Rule: s.Rule,
    AllowedDays: s.AllowedDays,
  };
}

/** True when the backup's data is unencrypted or its passphrase is stored. */
function unencryptedOrStored(b: BackupRecord): boolean {
  const get = (n: string) => b.Settings.find((s) => s.Name.replace(/^--/, "") === n)?.Value;
  if (get("no-encryption") && get("no-encryption") !== "false") return true;
  if (get("encryption-module") === "") return true;
  return (get("passphrase") ?? "") !== "";
}

/** The API's BackupDto with every secret masked. */
export function backupDto(b: BackupRecord, dbPathExists: boolean): Record<string, unknown> {
  return {
    ID: b.ID,
    ExternalID: b.ExternalID,
    Name: b.Name,
    Description: b.Description,
    Tags: b.Tags,
    TargetURL: maskUrl(b.TargetURL),
    ConnectionStringID: -1,
    OperationType: b.OperationType,
    DBPath: b.DBPath,
    DBPathExists: dbPathExists,
    Sources: b.Sources,
    Settings: maskSettings(b.Settings).map((s) => ({ ...s, Argument: null })),
    Filters: b.Filters,
    Metadata: b.Metadata,
    IsTemporary: b.IsTemporary,
    IsUnencryptedOrPassphraseStored: unencryptedOrStored(b),
    AdditionalTargetURLs: [],
  };
}
