/**
 * The delete operation: removes versions chosen by `--version`, `--keep-time`, `--keep-versions`
 * or `--retention-policy` (see retention.ts). Each version's dlist is deleted remotely and its
 * fileset locally; blocks only it used stay in their dblocks (recorded as wasted) until compact,
 * which runs afterwards unless `--no-auto-compact`. The fileset removal and the `Deleting` mark
 * of its dlist are one commit, so an interruption never leaves a version half deleted.
 */
import type { OptionValues } from "../core/option_values.ts";
import { ArgumentError } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import type { ProgressSink } from "../core/progress.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { completedFilesets } from "../db/filesets.ts";
import { dropFilesets } from "../db/deletion.ts";
import type { FormatSettings, Session } from "./session.ts";
import { withBackup } from "./maintenance_session.ts";
import {
  hasRetentionRules,
  type RetentionRules,
  retentionRules,
  selectVersionsToDelete,
} from "./retention.ts";
import { type CompactResult, runCompact } from "./compact.ts";
import { commitNow, deleteRemoteVolumes } from "./volume_deleter.ts";
import { uploadVerificationFile } from "./verification_file.ts";

/** One deleted version. */
export interface DeletedVersion {
  /** Its number before the deletion (0 = newest). */
  version: number;
  time: Date;
  name: string;
}

/** What a delete did (or, with --dry-run, would do). */
export interface DeleteResult {
  deleted: DeletedVersion[];
  dryRun: boolean;
  compact?: CompactResult;
  warnings: string[];
  errors: string[];
  durationMs: number;
  exitCode: number;
}

/** Inputs of a delete. */
export interface DeleteRequest {
  url: string;
  options: OptionValues;
  progress?: ProgressSink;
  logger?: Logger;
  signal?: AbortSignal;
  /** The clock for --keep-time and --retention-policy (tests); defaults to now. */
  now?: Date;
}

/** Runs the delete command. Throws ArgumentError when no rule says what to delete. */
export function deleteVersions(req: DeleteRequest): Promise<DeleteResult> {
  const started = Date.now();
  const logger = req.logger ?? new Logger();
  const rules = retentionRules(req.options);
  if (!hasRetentionRules(rules)) {
    throw new ArgumentError(
      "Nothing to delete: give --version, --keep-time, --keep-versions or --retention-policy.",
    );
  }
  return withBackup(
    req.url,
    req.options,
    logger,
    { checkRemote: true, operation: "Delete" },
    async (c) => {
      const r = await runDelete(c.session, c.db, c.settings, rules, {
        progress: req.progress,
        signal: req.signal,
        now: req.now,
      });
      if (
        (r.deleted.length > 0 || r.compact?.compacted) && !r.dryRun &&
        req.options.bool("upload-verification-file")
      ) {
        await uploadVerificationFile(c.session, c.db, c.settings.prefix);
      }
      r.durationMs = Date.now() - started;
      return r;
    },
  );
}

/** Deletes versions with an open session and database (also used after a backup). */
export async function runDelete(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  rules: RetentionRules,
  o: { progress?: ProgressSink; signal?: AbortSignal; now?: Date; forceCompact?: boolean } = {},
): Promise<DeleteResult> {
  const started = Date.now();
  const logger = session.logger;
  const dryRun = session.opts.bool("dry-run");
  const filesets = completedFilesets(db);
  const times = selectVersionsToDelete(
    filesets.map((f) => ({ time: f.Timestamp, isFullBackup: f.IsFullBackup !== 0 })),
    rules,
    o.now ?? new Date(),
  );
  const chosen = new Set(times);
  const victims = filesets.map((f, i) => ({ f, i })).filter((x) => chosen.has(x.f.Timestamp));
  const result: DeleteResult = {
    deleted: victims.map(({ f, i }) => ({ version: i, time: new Date(f.Timestamp), name: f.Name })),
    dryRun,
    warnings: logger.warnings,
    errors: logger.errors,
    durationMs: 0,
    exitCode: 0,
  };
  if (victims.length === 0) {
    logger.info("No remote filesets were deleted");
    if (o.forceCompact) {
      result.compact = await runCompact(session, db, settings, {
        auto: true,
        progress: o.progress,
        signal: o.signal,
      });
    }
    return result;
  }
  if (dryRun) {
    for (const v of result.deleted) logger.log("DryRun", `Would delete remote fileset: ${v.name}`);
    return result;
  }
  logger.info(`Deleting ${victims.length} remote fileset(s) ...`);
  o.progress?.({
    operation: "Delete",
    phase: "Deleting versions",
    filesDone: 0,
    filesTotal: victims.length,
    bytesDone: 0,
  });
  const opened = db.inTransaction;
  db.begin();
  const vols = dropFilesets(db, victims.map((v) => v.f.ID));
  commitNow(db);
  await deleteRemoteVolumes(session, db, vols, o.signal);
  if (!opened) db.commit();
  logger.info(`Deleted ${victims.length} remote fileset(s)`);
  result.compact = await runCompact(session, db, settings, {
    auto: true,
    progress: o.progress,
    signal: o.signal,
  });
  result.durationMs = Date.now() - started;
  return result;
}
