/**
 * What a finished task leaves behind for its backup: a row in the operation log, the backup's
 * metadata (last run, sizes, version count, last error) and, for warnings and errors, a
 * notification.
 */
import { existsSync } from "node:fs";
import type { BackupResult } from "../engine/backup.ts";
import type { RestoreResult } from "../engine/restore.ts";
import type { SkipReason } from "../engine/operation_hooks.ts";
import { LocalDatabase } from "../db/local_database.ts";
import { completedFilesets, filesetTotals } from "../db/filesets.ts";
import { storedVolumeTotals } from "../db/volumes.ts";
import type { BackupRecord } from "./database.ts";
import type { TaskInfo } from "./task_queue.ts";
import type { RunnerHost } from "./runner.ts";

/** Versions and their size from the local database (empty when there is none yet). */
interface LocalStats {
  versions: number;
  lastSize: number;
  lastFiles: number;
  /** Bytes and count of the backup's files at the destination. */
  targetSize: number;
  targetFiles: number;
}

const NO_STATS: LocalStats = {
  versions: 0,
  lastSize: 0,
  lastFiles: 0,
  targetSize: 0,
  targetFiles: 0,
};

function localStats(dbPath: string): LocalStats {
  if (!existsSync(dbPath)) return NO_STATS;
  let db: LocalDatabase | undefined;
  try {
    db = LocalDatabase.open(dbPath, { create: false });
    const sets = completedFilesets(db);
    const t = sets.length ? filesetTotals(db, sets[0].ID) : { files: 0, size: 0 };
    const stored = storedVolumeTotals(db);
    return {
      versions: sets.length,
      lastSize: t.size,
      lastFiles: t.files,
      targetSize: stored.size,
      targetFiles: stored.count,
    };
  } catch {
    return NO_STATS;
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
      TargetFilesSize: String(stats.targetSize),
      TargetFilesCount: String(stats.targetFiles),
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
