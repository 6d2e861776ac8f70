/**
 * The backup wizard's working copy of a backup, and its conversion from and to the API's
 * {Backup, Schedule} body. Pure (unit-tested).
 */
import type { BackupAndSchedule, Setting } from "../../types.ts";
import { type BackendKind, type BackendValues, buildUrl, parseUrl } from "../../lib/backend_url.ts";
import {
  formatRepeat,
  joinLocal,
  normaliseDays,
  parseRepeat,
  splitLocal,
  WEEKDAYS,
} from "../../lib/schedule.ts";
import {
  filterExpression,
  type FilterRow,
  filterRow,
  getSetting,
  isWizardSetting,
  readRetention,
  type Retention,
  setSetting,
  writeRetention,
} from "../../lib/settings.ts";
import { splitSize } from "../../lib/format.ts";

export interface Draft {
  id: string | null;
  name: string;
  description: string;
  /** Encryption module key ("aes") or "" for none. */
  encryption: string;
  passphrase: string;
  passphrase2: string;
  backendKind: BackendKind;
  backend: BackendValues;
  sources: string[];
  filters: FilterRow[];
  excludeHidden: boolean;
  excludeSystem: boolean;
  excludeTemporary: boolean;
  maxSizeOn: boolean;
  maxSize: string;
  maxSizeUnit: string;
  scheduled: boolean;
  time: string;
  date: string;
  repeatN: string;
  repeatUnit: string;
  /** A repeat string the unit list cannot show ("2D3h"), kept as is. */
  repeatCustom: string | null;
  days: string[];
  dblockN: string;
  dblockUnit: string;
  retention: Retention;
  /** Every other setting (advanced options), in order. */
  advanced: Setting[];
  /** Fields kept from the loaded backup that the wizard does not edit. */
  keep: { Tags: string[]; Metadata: Record<string, string>; DBPath?: string };
}

/** A draft from a loaded backup, or from /backupdefaults for a new one. */
export function draftFrom(
  src: Partial<BackupAndSchedule> | null,
  isNew: boolean,
  now = new Date(),
): Draft {
  const b = src?.Backup;
  const settings: Setting[] = b?.Settings ?? [];
  const enc = getSetting(settings, "encryption-module");
  const noEnc = getSetting(settings, "no-encryption");
  const pass = getSetting(settings, "passphrase") ?? "";
  const { kind, values } = parseUrl(b?.TargetURL ?? "");
  const attrs = (getSetting(settings, "exclude-files-attributes") ?? "").toLowerCase().split(
    /[,;| ]+/,
  );
  const larger = getSetting(settings, "skip-files-larger-than");
  const larg = splitSize(larger ?? "", "MB");
  const dblock = splitSize(getSetting(settings, "dblock-size") ?? "50MB", "MB");
  const s = src?.Schedule ?? null;
  let when = splitLocal(s?.Time, now);
  if (isNew && new Date(`${when.date}T${when.time}:00`).getTime() <= now.getTime()) {
    // A new backup's first run is the next time the default hour comes, not "missed" at once.
    const d = new Date(`${when.date}T${when.time}:00`);
    d.setDate(d.getDate() + 1);
    when = splitLocal(d.toISOString(), now);
  }
  const rep = parseRepeat(s?.Repeat ?? "1D");
  const filters = [...(b?.Filters ?? [])].sort((x, y) => x.Order - y.Order).map((f) =>
    filterRow(f.Include, f.Expression)
  );
  return {
    id: isNew ? null : b?.ID ?? null,
    name: b?.Name ?? "",
    description: b?.Description ?? "",
    encryption: noEnc === "true" ? "" : enc === undefined ? "aes" : enc,
    passphrase: pass,
    passphrase2: pass,
    backendKind: kind,
    backend: values,
    sources: [...(b?.Sources ?? [])],
    filters,
    excludeHidden: attrs.includes("hidden"),
    excludeSystem: attrs.includes("system"),
    excludeTemporary: attrs.includes("temporary"),
    maxSizeOn: !!larger,
    maxSize: larg.n || "100",
    maxSizeUnit: larg.unit,
    scheduled: isNew ? true : s !== null,
    time: when.time,
    date: when.date,
    repeatN: String(rep?.n ?? 1),
    repeatUnit: rep?.unit ?? "D",
    repeatCustom: rep || !s?.Repeat ? null : s.Repeat,
    // No allowed days means every day (Duplicati's rule), not none.
    days: s?.AllowedDays?.length ? normaliseDays(s.AllowedDays) : WEEKDAYS.map((w) => w.key),
    dblockN: dblock.n || "50",
    dblockUnit: dblock.unit,
    retention: readRetention(settings),
    advanced: settings.filter((x) => !isWizardSetting(x.Name)),
    keep: { Tags: b?.Tags ?? [], Metadata: b?.Metadata ?? {}, DBPath: b?.DBPath },
  };
}

/** Problems of one wizard step (0 general .. 4 options); empty when the step is complete. */
export function stepErrors(d: Draft, step: number): string[] {
  const e: string[] = [];
  if (step === 0) {
    if (!d.name.trim()) e.push("Give the backup a name.");
    if (d.encryption) {
      if (!d.passphrase) e.push('Enter a passphrase, or choose "No encryption".');
      else if (d.passphrase !== d.passphrase2) e.push("The two passphrases are not the same.");
    }
  } else if (step === 1) {
    try {
      buildUrl(d.backendKind, d.backend);
    } catch (x) {
      e.push((x as Error).message);
    }
  } else if (step === 2) {
    if (d.sources.length === 0) e.push("Choose at least one folder or file to back up.");
    d.filters.forEach((f, i) => {
      if (!f.expression.trim()) e.push(`Filter ${i + 1} is empty.`);
    });
    if (d.maxSizeOn && !(Number(d.maxSize) > 0)) e.push("Enter the largest file size to back up.");
  } else if (step === 3) {
    if (d.scheduled) {
      try {
        joinLocal(d.date, d.time);
      } catch (x) {
        e.push((x as Error).message);
      }
      if (
        d.repeatCustom === null && !(Number.isInteger(Number(d.repeatN)) && Number(d.repeatN) >= 1)
      ) {
        e.push("Run again every: enter a whole number of at least 1.");
      }
      if (d.days.length === 0) e.push("Allow at least one weekday.");
    }
  } else if (step === 4) {
    if (!(Number(d.dblockN) > 0)) e.push("Enter a remote volume size.");
    try {
      writeRetention([], d.retention);
    } catch (x) {
      e.push((x as Error).message);
    }
    for (const a of d.advanced) {
      if (!a.Name.replace(/^--/, "").trim()) e.push("An advanced option has no name.");
    }
  }
  return e;
}

/** A warning (not an error) about the remote volume size. */
export function dblockWarning(d: Draft): string | null {
  const mult: Record<string, number> = { B: 1, KB: 1 << 10, MB: 1 << 20, GB: 1 << 30, TB: 2 ** 40 };
  const bytes = Number(d.dblockN) * (mult[d.dblockUnit] ?? 1 << 20);
  if (bytes < 5 * (1 << 20)) {
    return "Volumes smaller than 5 MB mean many files at the destination and slow listing.";
  }
  if (bytes > 2 * (1 << 30)) return "Volumes larger than 2 GB make every restore download a lot.";
  return null;
}

/** The body for POST /backups or PUT /backup/{id}. Throws the first step error. */
export function toBody(d: Draft): BackupAndSchedule {
  for (let i = 0; i < 5; i++) {
    const e = stepErrors(d, i);
    if (e.length) throw new Error(e[0]);
  }
  let settings: Setting[] = [];
  if (d.encryption) {
    settings = setSetting(settings, "encryption-module", d.encryption);
    settings = setSetting(settings, "passphrase", d.passphrase);
  } else {
    settings = setSetting(settings, "encryption-module", "");
    settings = setSetting(settings, "--no-encryption", "true");
  }
  settings = setSetting(settings, "compression-module", "zip");
  settings = setSetting(settings, "dblock-size", `${d.dblockN}${d.dblockUnit}`);
  settings = writeRetention(settings, d.retention);
  const attrs = [
    d.excludeHidden && "hidden",
    d.excludeSystem && "system",
    d.excludeTemporary && "temporary",
  ].filter(Boolean).join(",");
  if (attrs) settings = setSetting(settings, "--exclude-files-attributes", attrs);
  if (d.maxSizeOn) {
    settings = setSetting(settings, "--skip-files-larger-than", `${d.maxSize}${d.maxSizeUnit}`);
  }
  for (const a of d.advanced) {
    const name = a.Name.startsWith("--") ? a.Name : `--${a.Name}`;
    settings = setSetting(settings, name, a.Value);
  }
  return {
    Backup: {
      ID: d.id ?? "",
      Name: d.name.trim(),
      Description: d.description,
      Tags: d.keep.Tags,
      TargetURL: buildUrl(d.backendKind, d.backend),
      Sources: d.sources,
      Settings: settings,
      Filters: d.filters.map((f, i) => ({
        Order: i,
        Include: f.include,
        Expression: filterExpression(f),
      })),
      Metadata: d.keep.Metadata,
      ...(d.keep.DBPath ? { DBPath: d.keep.DBPath } : {}),
    },
    Schedule: d.scheduled
      ? {
        Tags: d.id ? [`ID=${d.id}`] : [],
        Time: joinLocal(d.date, d.time),
        Repeat: d.repeatCustom ?? formatRepeat(Number(d.repeatN), d.repeatUnit),
        AllowedDays: d.days,
      }
      : null,
  };
}
