/**
 * Turns a stored backup configuration into engine calls: the option values (defaults for all
 * backups, then the backup's own settings, then the call's extras), the filter list, and the task
 * specs for backup, restore, verify, compact, vacuum and bug reports that call the SAME engine
 * functions as the command line, through the same operation hooks.
 */
import { join } from "node:path";
import { OptionValues, type RawOptions } from "../core/option_values.ts";
import { FilterList, parseFilterExpression } from "../core/filters.ts";
import { UserError } from "../core/errors.ts";
import { backup as runEngineBackup } from "../engine/backup.ts";
import { restore as runEngineRestore } from "../engine/restore.ts";
import type { BackupRecord, ServerDatabase } from "./database.ts";
import { DEFAULTS_ID } from "./database.ts";
import type { TaskContext, TaskSpec } from "./task_queue.ts";
import { type OperationInputs, runWithHooks, type SkipReason } from "../engine/operation_hooks.ts";
import { testBackup } from "../engine/verify.ts";
import { compact } from "../engine/compact.ts";
import { vacuum } from "../engine/vacuum.ts";
import { repair } from "../engine/repair.ts";
import { createBugReport } from "../engine/bug_report.ts";
import { reportRemoteSize } from "../engine/remote_files.ts";
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
        stopSignal: ctx.stopSignal,
        afterUpload: inputs.postBackup,
      }),
  );
}

// Operations other than backup have no partial result to keep: a stop ends them like an abort
// (their TaskContext.stopSignal fires on both).

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
      signal: ctx.stopSignal,
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
      signal: ctx.stopSignal,
    }));
}

/** The task that rebuilds a backup's local database file to release unused space. */
export function vacuumTask(host: RunnerHost, b: BackupRecord): TaskSpec {
  return hookedTask(
    b,
    "Vacuum",
    engineOptions(host, b),
    [],
    (inputs) => Promise.resolve(vacuum(inputs.remoteUrl, inputs.options)),
  );
}

/**
 * The task that repairs a backup: fixes the remote from the local database, or recreates the
 * database from the remote files when there is none (after `deletedb`, that is "recreate").
 */
export function repairTask(
  host: RunnerHost,
  b: BackupRecord,
  extra: Record<string, string> = {},
): TaskSpec {
  return hookedTask(b, "Repair", engineOptions(host, b, extra), [], (inputs, ctx) =>
    repair({
      url: inputs.remoteUrl,
      options: inputs.options,
      progress: ctx.progress,
      logger: ctx.logger,
      signal: ctx.stopSignal,
    }));
}

/**
 * The task that lists the destination and records what the backup occupies there (the backup's
 * TargetFilesSize, TargetFilesCount and quota metadata).
 */
export function reportRemoteSizeTask(host: RunnerHost, b: BackupRecord): TaskSpec {
  return hookedTask(
    b,
    "ReportRemoteSize",
    engineOptions(host, b),
    [],
    (inputs, ctx) =>
      reportRemoteSize({ url: inputs.remoteUrl, options: inputs.options, logger: ctx.logger }),
  );
}

/** Where the bug report of a task is written. */
export function reportPath(host: RunnerHost, taskId: number): string {
  return join(host.dataFolder, "reports", `bugreport-${taskId}.zip`);
}

/**
 * The task that writes a bug report (anonymised database copy and system info) for download
 * from `/bugreport/{taskId}`; a notification points to it.
 */
export function createReportTask(host: RunnerHost, b: BackupRecord): TaskSpec {
  return hookedTask(b, "CreateReport", engineOptions(host, b), [], async (inputs, ctx) => {
    const target = reportPath(host, ctx.taskId);
    await Deno.mkdir(join(host.dataFolder, "reports"), { recursive: true });
    const r = await createBugReport(inputs.remoteUrl, target, inputs.options);
    host.db.addNotification({
      Type: "Information",
      Title: `Bug report for "${b.Name}" is ready`,
      Message: "The report holds an anonymised copy of the local database and system information.",
      Exception: "",
      BackupID: b.ID,
      Action: `bug-report:created:${ctx.taskId}`,
      LogEntryID: null,
      MessageID: null,
      MessageLogTag: null,
    });
    host.events.changed("notification");
    return { ...r, ReportID: ctx.taskId };
  });
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
        signal: ctx.stopSignal,
      }),
  );
}
