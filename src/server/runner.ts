/**
 * Turns a stored backup configuration into engine calls: the option values (defaults for all
 * backups, then the backup's own settings, then the call's extras), the filter list, and the task
 * specs for backup and restore that call the SAME engine functions as the command line. Results go
 * to the backup's metadata, the server log and notifications.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { OptionValues, type RawOptions } from "../core/option_values.ts";
import { FilterList, parseFilterExpression } from "../core/filters.ts";
import { UserError } from "../core/errors.ts";
import { backup as runEngineBackup, type BackupResult } from "../engine/backup.ts";
import { restore as runEngineRestore, type RestoreResult } from "../engine/restore.ts";
import { LocalDatabase } from "../db/local_database.ts";
import { completedFilesets, filesetTotals } from "../db/filesets.ts";
import type { BackupRecord, ServerDatabase } from "./database.ts";
import { DEFAULTS_ID } from "./database.ts";
import type { TaskContext, TaskInfo, TaskSpec } from "./task_queue.ts";
import { type OperationInputs, runWithHooks, type SkipReason } from "../engine/operation_hooks.ts";
import { testBackup } from "../engine/verify.ts";
import { compact } from "../engine/compact.ts";
import type { ServerEvents } from "./events.ts";

/** What the runner needs from the server. */
export interface RunnerHost {
  db: ServerDatabase;
  events: ServerEvents;
  dataFolder: string;
}

/** Option names as the engine wants them: no leading dashes, lower case. */
function optionName(n: string): string {
  return n.replace(/^--/, "").trim().toLowerCase();
}

/**
 * The engine options of a backup: defaults for all backups, then its own settings, then `extra`.
 * `encryption-module` set to "" means no encryption, as in Duplicati's UI.
 */
export function engineOptions(
  host: RunnerHost,
  b: BackupRecord,
  extra: Record<string, string> = {},
): OptionValues {
  const raw: RawOptions = {};
  for (const s of [...host.db.options(DEFAULTS_ID), ...b.Settings]) {
    const n = optionName(s.Name);
    if (n === "") continue;
    raw[n] = s.Value;
  }
  if (raw["encryption-module"] === "") {
    delete raw["encryption-module"];
    raw["no-encryption"] = "true";
  }
  raw["dbpath"] = b.DBPath;
  raw["server-datafolder"] = host.dataFolder;
  for (const [k, v] of Object.entries(extra)) raw[optionName(k)] = v;
  const opts = new OptionValues(raw);
  opts.validate();
  return opts;
}

/** The filter list of a backup, in its stored order. */
export function engineFilters(b: BackupRecord): FilterList {
  const rules = [...b.Filters].sort((x, y) => x.Order - y.Order).flatMap((f) =>
    parseFilterExpression(f.Expression, f.Include)
  );
  return FilterList.fromArgs(rules);
}

/** A fresh local database path in the data folder (Duplicati names them with 10 random letters). */
export function newDatabasePath(dataFolder: string): string {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return join(dataFolder, [...bytes].map((x) => letters[x % 26]).join("") + ".sqlite");
}

/** Versions and their size from the local database (empty when there is none yet). */
function localStats(dbPath: string): { versions: number; lastSize: number; lastFiles: number } {
  if (!existsSync(dbPath)) return { versions: 0, lastSize: 0, lastFiles: 0 };
  let db: LocalDatabase | undefined;
  try {
    db = LocalDatabase.open(dbPath, { create: false });
    const sets = completedFilesets(db);
    const t = sets.length ? filesetTotals(db, sets[0].ID) : { files: 0, size: 0 };
    return { versions: sets.length, lastSize: t.size, lastFiles: t.files };
  } catch {
    return { versions: 0, lastSize: 0, lastFiles: 0 };
  } finally {
    db?.close();
  }
}

/** What every engine result carries. */
interface ResultLike {
  errors?: string[];
  warnings?: string[];
  durationMs?: number;
  Skipped?: string;
  SkipReason?: SkipReason;
}

function levelOf(info: TaskInfo, r: ResultLike | undefined): "Error" | "Warning" | "Success" {
  if (info.Status === "Failed") return "Error";
  if (info.Status !== "Completed" || !r) return "Warning";
  if (r.Skipped !== undefined) return r.SkipReason === "Normal" ? "Success" : r.SkipReason!;
  return r.errors?.length ? "Error" : r.warnings?.length ? "Warning" : "Success";
}

/** Records a finished or failed operation: log row, metadata, notification. */
export function recordOutcome(
  host: RunnerHost,
  b: BackupRecord,
  operation: string,
  info: TaskInfo,
  raw?: unknown,
): void {
  const id = Number(b.ID);
  const result = raw && typeof raw === "object" ? raw as ResultLike : undefined;
  const failed = info.Status === "Failed";
  const level = levelOf(info, result);
  const message = JSON.stringify({
    MainOperation: operation,
    ParsedResult: failed ? "Fatal" : level,
    Status: info.Status,
    BeginTime: info.TaskStarted,
    EndTime: info.TaskFinished,
    ErrorMessage: info.ErrorMessage,
    ...(result ?? {}),
  });
  const logId = host.db.addLog(id, level === "Success" ? "Information" : level, "Result", message);
  const meta: Record<string, string> = {};
  if (failed || result?.errors?.length) {
    meta.LastErrorDate = info.TaskFinished ?? new Date().toISOString();
    meta.LastErrorMessage = info.ErrorMessage ?? result?.errors?.[0] ?? "";
  }
  if (operation === "Backup" && info.Status === "Completed" && result?.Skipped === undefined) {
    const r = result as BackupResult;
    const stats = localStats(b.DBPath);
    Object.assign(meta, {
      LastBackupDate: r.version ? r.version.time.toISOString() : (info.TaskFinished ?? ""),
      LastBackupStarted: info.TaskStarted ?? "",
      LastBackupFinished: info.TaskFinished ?? "",
      LastBackupDuration: String(r.durationMs),
      SourceFilesCount: String(r.examinedFiles),
      SourceFilesSize: String(r.sizeOfExaminedFiles),
      BackupListCount: String(stats.versions),
      TargetFilesetsCount: String(stats.versions),
      LastBackupSize: String(stats.lastSize),
    });
  }
  if (operation === "Restore" && info.Status === "Completed" && result?.Skipped === undefined) {
    meta.LastRestoreFinished = info.TaskFinished ?? "";
    meta.LastRestoreDuration = String((result as RestoreResult).durationMs);
  }
  host.db.setMetadata(id, meta);
  if (level !== "Success") {
    host.db.addNotification({
      Type: level === "Error" ? "Error" : "Warning",
      Title: failed
        ? `${operation} of "${b.Name}" failed`
        : `${operation} of "${b.Name}" reported ${level === "Error" ? "errors" : "warnings"}`,
      Message: info.ErrorMessage ?? result?.errors?.[0] ?? result?.warnings?.[0] ??
        result?.Skipped ?? info.Status,
      Exception: info.Exception ?? "",
      BackupID: b.ID,
      Action: `backup:show-log`,
      LogEntryID: String(logId),
      MessageID: null,
      MessageLogTag: null,
    });
    host.events.changed("notification");
    host.events.publish("notifications", host.db.notifications());
  }
  host.events.changed("data");
  host.events.publish("backuplist", undefined);
}

/** What a task returns when a before-script skipped its operation. */
export interface SkippedOperation {
  Skipped: string;
  SkipReason: SkipReason;
}

/**
 * A task that runs one engine operation of a stored backup through the operation hooks (scripts
 * and reports, exactly as on the command line). `options` is checked now, so bad values are
 * refused before anything is queued.
 */
function hookedTask<R>(
  b: BackupRecord,
  operation: string,
  options: OptionValues,
  localPath: string[],
  call: (inputs: OperationInputs, ctx: TaskContext) => Promise<R>,
): TaskSpec {
  return {
    operation,
    backupId: b.ID,
    run: async (ctx: TaskContext) => {
      const outcome = await runWithHooks(
        {
          operation,
          remoteUrl: b.TargetURL,
          localPath,
          options,
          filters: engineFilters(b),
          logger: ctx.logger,
        },
        (inputs) => call(inputs, ctx),
      );
      if (outcome.skipped) {
        return { Skipped: outcome.skipped.message, SkipReason: outcome.skipped.reason };
      }
      return outcome.result;
    },
  };
}

/** The task that backs up a stored backup through the engine. */
export function backupTask(host: RunnerHost, b: BackupRecord): TaskSpec {
  if (b.Sources.length === 0) {
    throw new UserError(`The backup "${b.Name}" has no source folders: add one and try again`, {
      code: "NoSources",
    });
  }
  return hookedTask(
    b,
    "Backup",
    engineOptions(host, b),
    b.Sources,
    (inputs, ctx) =>
      runEngineBackup({
        url: inputs.remoteUrl,
        sources: inputs.localPath,
        options: inputs.options,
        filters: inputs.filters,
        progress: ctx.progress,
        logger: ctx.logger,
        signal: ctx.signal,
        afterUpload: inputs.postBackup,
      }),
  );
}

/** The task that checks remote files of a stored backup (`test` with --backup-test-samples). */
export function verifyTask(host: RunnerHost, b: BackupRecord): TaskSpec {
  const options = engineOptions(host, b);
  const samples = options.int("backup-test-samples", 1);
  return hookedTask(b, "Test", options, [], (inputs, ctx) =>
    testBackup({
      url: inputs.remoteUrl,
      options: inputs.options,
      samples: samples > 0 ? samples : 1,
      progress: ctx.progress,
      logger: ctx.logger,
      signal: ctx.signal,
    }));
}

/** The task that compacts the remote volumes of a stored backup. */
export function compactTask(host: RunnerHost, b: BackupRecord): TaskSpec {
  return hookedTask(b, "Compact", engineOptions(host, b), [], (inputs, ctx) =>
    compact({
      url: inputs.remoteUrl,
      options: inputs.options,
      progress: ctx.progress,
      logger: ctx.logger,
      signal: ctx.signal,
    }));
}

/** What the restore route accepts (Duplicati's RestoreInputDto). */
export interface RestoreInput {
  paths: string[];
  passphrase?: string;
  time?: string;
  restore_path?: string;
  overwrite?: boolean;
  permissions?: boolean;
  skip_metadata?: boolean;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Exact selections as engine patterns: `@file` literals and `[folder/.*]` regexes. */
export function restorePatterns(paths: readonly string[]): string[] {
  return paths.filter((p) => p !== "").map((p) =>
    p.endsWith("/") || p.endsWith("\\") ? `[${escapeRegex(p)}.*]` : `@${p}`
  );
}

/** The task that restores files of a stored backup through the engine. */
export function restoreTask(host: RunnerHost, b: BackupRecord, input: RestoreInput): TaskSpec {
  const extra: Record<string, string> = {};
  if (input.time) extra.time = input.time;
  if (input.restore_path) extra["restore-path"] = input.restore_path;
  if (input.overwrite !== undefined) extra.overwrite = String(!!input.overwrite);
  if (input.permissions !== undefined) extra["restore-permissions"] = String(!!input.permissions);
  if (input.skip_metadata !== undefined) extra["skip-metadata"] = String(!!input.skip_metadata);
  if (input.passphrase) extra.passphrase = input.passphrase;
  const patterns = restorePatterns(input.paths);
  return hookedTask(
    b,
    "Restore",
    engineOptions(host, b, extra),
    patterns,
    (inputs, ctx) =>
      runEngineRestore({
        url: inputs.remoteUrl,
        patterns: inputs.localPath,
        options: inputs.options,
        filters: new FilterList([]),
        progress: ctx.progress,
        logger: ctx.logger,
        signal: ctx.signal,
      }),
  );
}
