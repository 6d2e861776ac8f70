/**
 * Recreates the local database from the remote files alone: the dlists (versions) and the dindex
 * files (where every block is); dblocks are downloaded only where no usable index describes them.
 * Resumable: the database carries a "recreate in progress" mark and is committed after every
 * remote file, so a recreate that is interrupted (even by kill -9) continues where it stopped when
 * `repair` runs again. Until it finishes, other operations refuse the database.
 */
import type { OptionValues } from "../core/option_values.ts";
import { ExitCode, UserError } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import { noProgress, type ProgressSink } from "../core/progress.ts";
import { LocalDatabase } from "../db/local_database.ts";
import {
  blocksWithoutVolume,
  hasNoVolumes,
  isRecreating,
  setRecreating,
} from "../db/recreate_state.ts";
import { clearScanMarks } from "../db/remote_import.ts";
import { databasePathFor, formatSettings, Session } from "./session.ts";
import { verifyFormatSettings } from "./preflight.ts";
import { importFromRemote, listRemoteVolumes } from "./remote_index.ts";
import { fetchVolume } from "./remote_volumes.ts";

/** Inputs of a recreate. */
export interface RecreateRequest {
  url: string;
  options: OptionValues;
  progress?: ProgressSink;
  logger?: Logger;
  signal?: AbortSignal;
  /**
   * Delete an existing, complete database first (the "recreate" action of the server). Without
   * it a complete database is never touched.
   */
  force?: boolean;
}

/** What a recreate did. */
export interface RecreateResult {
  databasePath: string;
  /** True when an interrupted recreate was continued. */
  resumed: boolean;
  versions: number;
  dlistsRead: number;
  dindexRead: number;
  dblocksRead: number;
  /** The dblocks that were downloaded because no usable index described them. */
  dblocksDownloaded: string[];
  filesDownloaded: number;
  bytesDownloaded: number;
  /** Blocks that versions need but that no remote volume holds (see list-broken-files). */
  missingBlocks: number;
  warnings: string[];
  errors: string[];
  durationMs: number;
  exitCode: number;
}

/** True when `repair` must recreate: no database, an empty one, or an unfinished recreate. */
export function needsRecreate(path: string): boolean {
  try {
    Deno.statSync(path);
  } catch {
    return true;
  }
  const db = LocalDatabase.open(path, { create: false });
  try {
    return isRecreating(db) || hasNoVolumes(db);
  } finally {
    db.close();
  }
}

async function removeDatabaseFiles(path: string): Promise<void> {
  for (const p of [path, `${path}-wal`, `${path}-shm`]) await Deno.remove(p).catch(() => {});
}

/**
 * Recreates (or finishes recreating) the database of `url`. Throws UserError when the remote holds
 * no backup, the passphrase is missing or wrong, or a complete database exists and `force` is not
 * set.
 */
export async function recreateDatabase(req: RecreateRequest): Promise<RecreateResult> {
  const started = Date.now();
  const opts = req.options;
  const logger = req.logger ?? new Logger();
  const progress = req.progress ?? noProgress;
  const settings = formatSettings(opts);
  const path = databasePathFor(req.url, opts);
  if (!needsRecreate(path)) {
    if (!req.force) {
      throw new UserError(
        `The local database ${path} exists; "repair" fixes the remote from it. To rebuild it ` +
          `from the remote files instead, delete it first.`,
        { code: "DatabaseExists", exitCode: ExitCode.BadArguments },
      );
    }
    await removeDatabaseFiles(path);
  }
  const session = await Session.open(req.url, opts, logger, "Recreate");
  let db: LocalDatabase | undefined;
  try {
    progress({ operation: "Recreate", phase: "Listing remote files", filesDone: 0, bytesDone: 0 });
    const remote = await listRemoteVolumes(session, settings.prefix);
    if (remote.dlists.length === 0) {
      throw new UserError(
        `No backup was found at ${session.displayUrl} (no ${settings.prefix}-*.dlist.* files), ` +
          `so there is nothing to recreate the database from. Check the URL and --prefix.`,
        { code: "NoBackupFound", exitCode: ExitCode.Fatal },
      );
    }
    let resumed = false;
    try {
      Deno.statSync(path);
      const old = LocalDatabase.open(path, { create: false });
      resumed = isRecreating(old);
      old.close();
      if (!resumed) await removeDatabaseFiles(path); // empty leftover of a failed first backup
    } catch { /* no database yet */ }
    db = LocalDatabase.open(path, { create: true });
    db.transaction(() => setRecreating(db!, true));
    if (resumed) {
      logger.info(`Continuing the interrupted recreate of ${path}`);
      // The passphrase check is recorded at the end: make sure this run's passphrase is right
      // even when every file was already read by the interrupted run.
      const probe = await fetchVolume(session, settings, remote.dlists[0].name);
      await Deno.remove(probe).catch(() => {});
    }
    if (req.signal?.aborted) throw req.signal.reason;
    const rep = await importFromRemote(
      session,
      db,
      settings,
      remote.dlists,
      remote,
      (p) => {
        if (req.signal?.aborted) throw req.signal.reason;
        progress(p);
      },
    );
    // Records block size and the passphrase check, as the first backup does.
    verifyFormatSettings(db, settings, opts);
    const missingBlocks = blocksWithoutVolume(db);
    if (missingBlocks > 0) {
      logger.warn(
        `${missingBlocks} block(s) used by the versions are in no remote volume; the files that ` +
          `need them cannot be restored. Run "list-broken-files" to see them.`,
      );
    }
    db.transaction(() => {
      clearScanMarks(db!);
      setRecreating(db!, false);
    });
    const files = rep.filesets + rep.dindexRead + rep.dblocksRead;
    return {
      databasePath: path,
      resumed,
      versions: remote.dlists.length,
      dlistsRead: rep.filesets,
      dindexRead: rep.dindexRead,
      dblocksRead: rep.dblocksRead,
      dblocksDownloaded: rep.dblocksScanned,
      filesDownloaded: files,
      bytesDownloaded: rep.bytesDownloaded,
      missingBlocks,
      warnings: logger.warnings,
      errors: logger.errors,
      durationMs: Date.now() - started,
      exitCode: logger.errors.length
        ? ExitCode.Errors
        : logger.warnings.length
        ? ExitCode.Warnings
        : ExitCode.Success,
    };
  } finally {
    db?.close();
    await session.close();
  }
}
