/**
 * What a finished task leaves behind for its backup: a row in the operation log, the backup's
 * metadata (last run, sizes, version count, last error) and, for warnings and errors, a
 * notification.
 */
import { existsSync } from "node:fs";
import type { BackupResult } from "../engine/backup.ts";
import type { BackendStatistics } from "../engine/remote_files.ts";
import { formatDlistTime } from "../format/volume_names.ts";
import { formatDotNetTimeSpan } from "../core/timespan.ts";
import { formatSize } from "../core/sizes.ts";
import type { SkipReason } from "../engine/operation_hooks.ts";
import { LocalDatabase } from "../db/local_database.ts";
import { completedFilesets, filesetTotals } from "../db/filesets.ts";
import type { BackupRecord } from "./database.ts";
import type { TaskInfo } from "./task_queue.ts";
import type { RunnerHost } from "./runner.ts";

/** Versions and their size from the local database (empty when there is none yet). */
function localStats(
  dbPath: string,
): { versions: number; lastSize: number; lastFiles: number; lastTime?: Date } {
  if (!existsSync(dbPath)) return { versions: 0, lastSize: 0, lastFiles: 0 };
  let db: LocalDatabase | undefined;
  try {
    db = LocalDatabase.open(dbPath, { create: false });
    const sets = completedFilesets(db);
    const t = sets.length ? filesetTotals(db, sets[0].ID) : { files: 0, size: 0 };
    return {
      versions: sets.length,
      lastSize: t.size,
      lastFiles: t.files,
      lastTime: sets.length ? new Date(sets[0].Timestamp) : undefined,
    };
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

/** Duplicati's serialised date (`yyyyMMddTHHmmssZ`, UTC) of an ISO time, or "". */
export function metadataDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : formatDlistTime(d);
}

function levelOf(info: TaskInfo, r: ResultLike | undefined): "Error" | "Warning" | "Success" {
  if (info.Status === "Failed") return "Error";
  if (info.Status !== "Completed" || !r) {
    return r?.errors?.length ? "Error" : "Warning";
  }
  if (r.Skipped !== undefined) return r.SkipReason === "Normal" ? "Success" : r.SkipReason!;
  return r.errors?.length ? "Error" : r.warnings?.length ? "Warning" : "Success";
}

/** Started, finished and duration of a task as Duplicati's metadata has them. */
function timing(info: TaskInfo, r: ResultLike | undefined): [string, string, string] {
  const begin = Date.parse(info.TaskStarted ?? "");
  const end = Date.parse(info.TaskFinished ?? "");
  const ms = r?.durationMs ?? (Number.isFinite(begin) && Number.isFinite(end) ? end - begin : 0);
  return [
    metadataDate(info.TaskStarted),
    metadataDate(info.TaskFinished),
    formatDotNetTimeSpan(ms),
  ];
}

/** The backup's size at the destination (Duplicati's BackendStatistics fields). */
function targetMetadata(s: BackendStatistics): Record<string, string> {
  return {
    TargetFilesSize: String(s.knownFileSize),
    TargetFilesCount: String(s.knownFileCount),
    TargetSizeString: formatSize(s.knownFileSize),
    BackupListCount: String(s.backupListCount),
    TotalQuotaSpace: String(s.totalQuotaSpace),
    FreeQuotaSpace: String(s.freeQuotaSpace),
    AssignedQuotaSpace: "-1",
  };
}

/**
 * The backup's metadata after an operation, as Duplicati's Runner.UpdateMetadata sets it. Dates
 * are `yyyyMMddTHHmmssZ`, durations .NET TimeSpans (`00:01:02.1234567`), sizes bytes.
 */
export function metadataAfter(
  b: BackupRecord,
  operation: string,
  info: TaskInfo,
  result: ResultLike | undefined,
): Record<string, string> {
  const meta: Record<string, string> = {};
  const failed = info.Status === "Failed";
  if (failed || result?.errors?.length) {
    meta.LastErrorDate = metadataDate(info.TaskFinished ?? new Date().toISOString());
    meta.LastErrorMessage = info.ErrorMessage ?? result?.errors?.[0] ?? "";
  }
  if (!result || result.Skipped !== undefined || failed) return meta;
  const [started, finished, duration] = timing(info, result);
  // A stopped backup ends normally with a partial version: its numbers count as well.
  const ended = info.Status === "Completed" || info.Status === "Stopped";
  if (operation === "Backup" && ended) {
    const r = result as BackupResult;
    const stats = localStats(b.DBPath);
    Object.assign(meta, {
      LastBackupDate: r.version
        ? formatDlistTime(r.version.time)
        : (stats.lastTime ? formatDlistTime(stats.lastTime) : finished),
      LastBackupStarted: started,
      LastBackupFinished: finished,
      LastBackupDuration: duration,
      SourceFilesCount: String(r.examinedFiles),
      SourceFilesSize: String(r.sizeOfExaminedFiles),
      SourceSizeString: formatSize(r.sizeOfExaminedFiles),
      BackupListCount: String(stats.versions),
      TargetFilesetsCount: String(stats.versions),
      LastBackupSize: String(stats.lastSize),
    });
    if (r.backendStatistics) Object.assign(meta, targetMetadata(r.backendStatistics));
    const c = r.maintenance?.compact as ResultLike | undefined;
    if (c && (c as { durationMs?: number }).durationMs !== undefined) {
      meta.LastCompactDuration = formatDotNetTimeSpan(c.durationMs ?? 0);
      meta.LastCompactFinished = finished;
    }
  }
  if (operation === "ReportRemoteSize" && ended) {
    Object.assign(meta, targetMetadata(result as unknown as BackendStatistics));
  }
  if (ended && ["Restore", "Compact", "Vacuum"].includes(operation)) {
    meta[`Last${operation}Started`] = started;
    meta[`Last${operation}Finished`] = finished;
    meta[`Last${operation}Duration`] = duration;
  }
  return meta;
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
  host.db.setMetadata(id, metadataAfter(b, operation, info, result));
  // A stop or abort the user asked for is no news; failures, errors and warnings are.
  const onRequest = info.Status === "Stopped" || info.Status === "Aborted";
  const notify = failed || result?.errors?.length || (!onRequest && level !== "Success");
  if (notify) {
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
