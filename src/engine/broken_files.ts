/**
 * `list-broken-files` and `purge-broken-files`: the files of each version that cannot be restored
 * because their data is in a remote volume that is missing or damaged, or in none at all (lost
 * blocks after a repair or recreate); and removing exactly those files from the versions, so the
 * rest of the backup stays usable (their dlists are rewritten).
 */
import type { OptionValues } from "../core/option_values.ts";
import { ExitCode } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import { noProgress, type ProgressSink } from "../core/progress.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { VolumeState, VolumeType } from "../db/schema.ts";
import { volumesInStates } from "../db/volumes.ts";
import { completedFilesets, type FilesetRow } from "../db/filesets.ts";
import {
  deleteFilesetEntries,
  dependentEntries,
  type DependentEntry,
  dropDependencyTables,
  markDependentBlocksets,
} from "../db/broken.ts";
import { type FormatSettings, formatSettings, Session } from "./session.ts";
import { openCheckedDatabase } from "./preflight.ts";
import { hashFile } from "./remote_volumes.ts";
import { rewriteDlist } from "./dlist_rewrite.ts";

/** Inputs of list-broken-files / purge-broken-files. */
export interface BrokenFilesRequest {
  url: string;
  options: OptionValues;
  progress?: ProgressSink;
  logger?: Logger;
  signal?: AbortSignal;
}

/** The broken (or affected) files of one version. */
export interface BrokenVersion {
  /** Version number (0 = newest). */
  version: number;
  time: Date;
  files: { path: string; size: number }[];
}

/** Result of list-broken-files / purge-broken-files. */
export interface BrokenFilesResult {
  /** Remote volumes found missing or damaged, with the reason. */
  brokenVolumes: { name: string; reason: string }[];
  versions: BrokenVersion[];
  totalFiles: number;
  /** purge-broken-files: entries removed (or that would be, with --dry-run). */
  purgedEntries: number;
  dryRun: boolean;
  warnings: string[];
  errors: string[];
  durationMs: number;
  exitCode: number;
}

/** Lists the files that cannot be restored, grouped by version. */
export function listBrokenFiles(req: BrokenFilesRequest): Promise<BrokenFilesResult> {
  return run(req, false);
}

/** Removes the files that cannot be restored from every version and rewrites those dlists. */
export function purgeBrokenFiles(req: BrokenFilesRequest): Promise<BrokenFilesResult> {
  return run(req, true);
}

async function run(req: BrokenFilesRequest, purge: boolean): Promise<BrokenFilesResult> {
  const started = Date.now();
  const logger = req.logger ?? new Logger();
  const progress = req.progress ?? noProgress;
  const opts = req.options;
  const dryRun = opts.bool("dry-run");
  const settings = formatSettings(opts);
  const db = openCheckedDatabase(req.url, opts, settings);
  const session = await Session.open(req.url, opts, logger, "ListBrokenFiles").catch((err) => {
    db.close();
    throw err;
  });
  try {
    progress({
      operation: "ListBrokenFiles",
      phase: "Checking remote files",
      filesDone: 0,
      bytesDone: 0,
    });
    const brokenVolumes = await findBrokenVolumes(session, db, settings, opts, req.signal);
    const filesets = completedFilesets(db);
    markDependentBlocksets(db, brokenVolumes.map((b) => b.id), {
      lostBlocks: true,
      blocksize: settings.blocksize,
    });
    let entries: DependentEntry[];
    try {
      entries = dependentEntries(db);
    } finally {
      dropDependencyTables(db);
    }
    const versions = groupByVersion(filesets, entries);
    const result: BrokenFilesResult = {
      brokenVolumes: brokenVolumes.map(({ name, reason }) => ({ name, reason })),
      versions,
      totalFiles: entries.length,
      purgedEntries: 0,
      dryRun,
      warnings: logger.warnings,
      errors: logger.errors,
      durationMs: 0,
      exitCode: ExitCode.Success,
    };
    if (purge && entries.length) {
      result.purgedEntries = entries.length;
      if (!dryRun) await purgeEntries(session, db, settings, filesets, entries, logger);
    }
    result.durationMs = Date.now() - started;
    result.exitCode = logger.errors.length ? ExitCode.Errors : ExitCode.Success;
    return result;
  } finally {
    db.close();
    await session.close();
  }
}

/**
 * Data volumes the database trusts that are missing from the remote or have the wrong size; with
 * --full-remote-verification also those whose content hash differs (downloads every dblock).
 */
async function findBrokenVolumes(
  session: Session,
  db: LocalDatabase,
  _settings: FormatSettings,
  opts: OptionValues,
  signal?: AbortSignal,
): Promise<{ id: number; name: string; reason: string }[]> {
  const remote = new Map((await session.backend.list()).map((e) => [e.name, e]));
  const deep = (opts.enumValue("full-remote-verification") ?? "False") !== "False";
  const out: { id: number; name: string; reason: string }[] = [];
  for (const v of volumesInStates(db, VolumeState.Uploaded, VolumeState.Verified)) {
    if (v.Type !== VolumeType.Blocks) continue;
    if (signal?.aborted) throw signal.reason;
    const e = remote.get(v.Name);
    if (!e) out.push({ id: v.ID, name: v.Name, reason: "missing" });
    else if (v.Size >= 0 && e.size !== v.Size) {
      out.push({ id: v.ID, name: v.Name, reason: `${e.size} bytes, expected ${v.Size}` });
    } else if (deep && v.Hash) {
      const tmp = session.tempFile(".check");
      try {
        await session.backend.get(v.Name, tmp);
        if ((await hashFile(tmp)).hash !== v.Hash) {
          out.push({ id: v.ID, name: v.Name, reason: "content does not match the recorded hash" });
        }
      } finally {
        await Deno.remove(tmp).catch(() => {});
      }
    }
  }
  return out;
}

/** Groups dependent entries by version number (0 = newest). */
export function groupByVersion(filesets: FilesetRow[], entries: DependentEntry[]): BrokenVersion[] {
  const index = new Map(filesets.map((f, i) => [f.ID, i]));
  const byVersion = new Map<number, BrokenVersion>();
  for (const e of entries) {
    const v = index.get(e.FilesetID);
    if (v === undefined) continue;
    let b = byVersion.get(v);
    if (!b) {
      b = { version: v, time: new Date(e.Timestamp), files: [] };
      byVersion.set(v, b);
    }
    b.files.push({ path: e.Path, size: e.Length ?? 0 });
  }
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}

async function purgeEntries(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  filesets: FilesetRow[],
  entries: DependentEntry[],
  logger: Logger,
): Promise<void> {
  const byFileset = new Map<number, number[]>();
  for (const e of entries) {
    const l = byFileset.get(e.FilesetID) ?? [];
    l.push(e.FileID);
    byFileset.set(e.FilesetID, l);
  }
  for (const fs of filesets) {
    const ids = byFileset.get(fs.ID);
    if (!ids) continue;
    await rewriteDlist(session, db, settings, fs, () => deleteFilesetEntries(db, fs.ID, ids));
    logger.info(`Removed ${ids.length} broken file(s) from ${fs.Name}`);
  }
}
