/**
 * `purge <url> [path...]`: removes files from existing versions. The files are named by paths
 * (globs; `[regex]`; a path ending in a separator means the folder and everything below it) or by
 * --include filters, not both. Versions: all, or those chosen with --version / --time. Each changed
 * version's dlist is rewritten in place (crash-safe, see dlist_rewrite.ts). The data blocks stay
 * until `compact` reclaims them.
 */
import type { OptionValues } from "../core/option_values.ts";
import { ArgumentError, ExitCode, UserError } from "../core/errors.ts";
import { FilterList } from "../core/filters.ts";
import { Logger } from "../core/log.ts";
import { parseTimeValue, parseVersionList } from "../core/timeparse.ts";
import { noProgress, type ProgressSink } from "../core/progress.ts";
import { FOLDER_BLOCKSET_ID } from "../db/schema.ts";
import { completedFilesets, filesetEntries } from "../db/filesets.ts";
import { deleteFilesetEntries } from "../db/broken.ts";
import { formatSettings, Session } from "./session.ts";
import { checkRemoteAgainstDatabase, openCheckedDatabase } from "./preflight.ts";
import { patternFilter } from "./path_filter.ts";
import { rewriteDlist } from "./dlist_rewrite.ts";

/** Inputs of `purge`. */
export interface PurgeRequest {
  url: string;
  /** Paths or globs to remove; empty when filters are used. */
  paths: string[];
  filters: FilterList;
  options: OptionValues;
  progress?: ProgressSink;
  logger?: Logger;
  signal?: AbortSignal;
}

/** What purge removed (or would remove with --dry-run). */
export interface PurgeResult {
  versions: { version: number; time: Date; name: string; files: string[] }[];
  removedEntries: number;
  dryRun: boolean;
  warnings: string[];
  errors: string[];
  durationMs: number;
  exitCode: number;
}

/** Runs purge. Throws ArgumentError when neither or both of paths and filters are given. */
export async function purge(req: PurgeRequest): Promise<PurgeResult> {
  const started = Date.now();
  const opts = req.options;
  const logger = req.logger ?? new Logger();
  const progress = req.progress ?? noProgress;
  const dryRun = opts.bool("dry-run");
  const paths = req.paths.filter((p) => p !== "");
  if (paths.length && !req.filters.isEmpty) {
    throw new ArgumentError(
      "Give either paths or --include filters to purge, not both.",
    );
  }
  if (!paths.length && req.filters.isEmpty) {
    throw new ArgumentError(
      "Nothing to purge: give the paths to remove (purge <url> <path> ...) or --include filters.",
    );
  }
  const matches = paths.length
    ? patternFilter(
      paths.map((p) => /[\\/]$/.test(p) ? `${p}*` : p),
      new FilterList([]),
      false,
    )
    : (path: string, isFolder: boolean) =>
      req.filters.evaluate(path, isFolder).matched?.include === true;

  const settings = formatSettings(opts);
  const db = openCheckedDatabase(req.url, opts, settings);
  const session = await Session.open(req.url, opts, logger, "PurgeFiles").catch((err) => {
    db.close();
    throw err;
  });
  try {
    await checkRemoteAgainstDatabase(session, db, settings, { autoCreateFolder: false });
    const filesets = completedFilesets(db);
    const chosen = selectVersions(filesets.map((f) => f.Timestamp), opts);
    const result: PurgeResult = {
      versions: [],
      removedEntries: 0,
      dryRun,
      warnings: logger.warnings,
      errors: logger.errors,
      durationMs: 0,
      exitCode: ExitCode.Success,
    };
    let done = 0;
    for (const i of chosen) {
      if (req.signal?.aborted) throw req.signal.reason;
      const fs = filesets[i];
      progress({
        operation: "Purge",
        phase: "Rewriting versions",
        filesDone: done++,
        filesTotal: chosen.length,
        bytesDone: 0,
        current: fs.Name,
      });
      const ids: number[] = [];
      const files: string[] = [];
      for (const e of filesetEntries(db, fs.ID)) {
        if (matches(e.Path, e.BlocksetID === FOLDER_BLOCKSET_ID)) {
          ids.push(e.FileID);
          files.push(e.Path);
        }
      }
      if (!ids.length) continue;
      files.sort();
      result.versions.push({ version: i, time: new Date(fs.Timestamp), name: fs.Name, files });
      result.removedEntries += ids.length;
      if (dryRun) continue;
      await rewriteDlist(session, db, settings, fs, () => deleteFilesetEntries(db, fs.ID, ids));
      logger.info(`Removed ${ids.length} entries from version ${i} (${fs.Name})`);
    }
    result.durationMs = Date.now() - started;
    result.exitCode = logger.errors.length
      ? ExitCode.Errors
      : logger.warnings.length
      ? ExitCode.Warnings
      : ExitCode.Success;
    return result;
  } finally {
    db.close();
    await session.close();
  }
}

/** Version numbers from --version / --time; all versions by default. */
function selectVersions(timestamps: number[], opts: OptionValues): number[] {
  const n = timestamps.length;
  if (n === 0) {
    throw new UserError("The backup has no versions yet: there is nothing to purge.", {
      code: "NoVersions",
    });
  }
  if (opts.has("version") && opts.str("version") !== "") {
    const list = parseVersionList(opts.str("version")!);
    const bad = list.filter((v) => v < 0 || v >= n);
    if (bad.length) {
      throw new ArgumentError(
        `There is no version ${bad[0]}: this backup has versions 0 to ${n - 1}.`,
      );
    }
    return list;
  }
  if (opts.has("time") && opts.str("time") !== "" && opts.str("time")!.toLowerCase() !== "now") {
    const t = parseTimeValue(opts.str("time")!).getTime();
    const i = timestamps.findIndex((ts) => ts <= t);
    if (i < 0) throw new ArgumentError(`No version is older than ${new Date(t).toISOString()}.`);
    return [i];
  }
  return timestamps.map((_, i) => i);
}
