/**
 * `repair`: with a local database, fixes the remote from it; without one (or after an interrupted
 * recreate), recreates the database from the remote (see `recreate.ts`).
 *
 * With a database, in this order:
 * 1. leftovers of interrupted runs are cleaned up and the interrupted version sealed as a partial
 *    version (`recovery.ts`);
 * 2. remote dblock/dindex files the database does not know are deleted (unknown dlists are kept
 *    and reported: they may be versions made with another database);
 * 3. missing or damaged (wrong size) dlists are rebuilt from the database and uploaded again;
 *    missing dindex files are rebuilt for their dblocks;
 * 4. missing dblocks are rebuilt from the source files with `--rebuild-missing-dblock-files` where
 *    the source still has every block; otherwise their blocks are marked lost, so that
 *    `list-broken-files` names the files that use them and the next backup stores again whatever
 *    the source still has.
 */
import { createHash } from "node:crypto";
import type { OptionValues } from "../core/option_values.ts";
import { ExitCode, UserError } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import { noProgress, type ProgressSink } from "../core/progress.ts";
import { base64ToUrl, toBase64 } from "../core/bytes.ts";
import { parseVolumeName } from "../format/volume_names.ts";
import { encodeMetadata } from "../format/metadata.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { VolumeState, VolumeType } from "../db/schema.ts";
import {
  addVolume,
  allVolumeNames,
  deleteVolumeRow,
  setVolumeState,
  type VolumeRow,
  volumesInStates,
} from "../db/volumes.ts";
import {
  blocklistsInVolume,
  blockRowsInVolume,
  filesetOfVolume,
  indexVolumesOf,
  markBlocksLost,
  metadataLocationsOfBlock,
  moveBlocks,
  sourceLocationsOfBlock,
} from "../db/repair.ts";
import type { RemoteEntry } from "../backends/backend.ts";
import { databasePathFor, type FormatSettings, formatSettings, Session } from "./session.ts";
import { assertNotRecreating, verifyFormatSettings } from "./preflight.ts";
import { rebuildMissingIndexes, recoverInterrupted, uploadDlist } from "./recovery.ts";
import { startVolume } from "./index_writer.ts";
import { metadataOf } from "./metadata_source.ts";
import { sealVolume } from "./remote_volumes.ts";
import { needsRecreate, recreateDatabase, type RecreateResult } from "./recreate.ts";
import { LocalDatabase as Db } from "../db/local_database.ts";

/** Inputs of a repair. */
export interface RepairRequest {
  url: string;
  options: OptionValues;
  progress?: ProgressSink;
  logger?: Logger;
  signal?: AbortSignal;
}

/** What a repair did (or, with --dry-run, would do). */
export interface RepairResult {
  /** "recreate" when the database was (re)built from the remote files. */
  mode: "repair" | "recreate";
  recreate?: RecreateResult;
  /** Interrupted versions sealed as partial versions. */
  partialVersions: string[];
  /** Remote files deleted: leftovers of interrupted runs and files the database does not know. */
  removedRemote: string[];
  rebuiltIndexes: string[];
  rebuiltDlists: string[];
  /** Rebuilt dblocks as `old -> new`. */
  rebuiltDblocks: string[];
  /** Problems repair could not fix, each with what to do. */
  unfixable: string[];
  dryRun: boolean;
  warnings: string[];
  errors: string[];
  durationMs: number;
  exitCode: number;
}

/** Runs `repair`. Throws UserError when nothing can be done (no backup, wrong passphrase...). */
export async function repair(req: RepairRequest): Promise<RepairResult> {
  const started = Date.now();
  const opts = req.options;
  const logger = req.logger ?? new Logger();
  const progress = req.progress ?? noProgress;
  const path = databasePathFor(req.url, opts);
  if (needsRecreate(path)) {
    const rec = await recreateDatabase({ ...req, logger, progress });
    return {
      ...emptyResult(opts.bool("dry-run"), logger),
      mode: "recreate",
      recreate: rec,
      durationMs: Date.now() - started,
      exitCode: rec.exitCode,
    };
  }
  const settings = formatSettings(opts);
  const session = await Session.open(req.url, opts, logger, "Repair");
  const db = Db.open(path, { create: false });
  try {
    assertNotRecreating(db);
    verifyFormatSettings(db, settings, opts);
    const result = await repairFromDatabase(session, db, settings, req, logger, progress);
    result.durationMs = Date.now() - started;
    return result;
  } finally {
    db.close();
    await session.close();
  }
}

function emptyResult(dryRun: boolean, logger: Logger): RepairResult {
  return {
    mode: "repair",
    partialVersions: [],
    removedRemote: [],
    rebuiltIndexes: [],
    rebuiltDlists: [],
    rebuiltDblocks: [],
    unfixable: [],
    dryRun,
    warnings: logger.warnings,
    errors: logger.errors,
    durationMs: 0,
    exitCode: 0,
  };
}

async function repairFromDatabase(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  req: RepairRequest,
  logger: Logger,
  progress: ProgressSink,
): Promise<RepairResult> {
  const opts = req.options;
  const dryRun = opts.bool("dry-run");
  const r = emptyResult(dryRun, logger);
  const step = (phase: string) =>
    progress({ operation: "Repair", phase, filesDone: 0, bytesDone: 0 });
  const checkAbort = () => {
    if (req.signal?.aborted) throw req.signal.reason ?? new Error("Repair cancelled");
  };

  step("Listing remote files");
  let remote = await session.backend.list();
  refuseIfOutdated(db, remote, settings, opts);

  step("Cleaning up after interrupted runs");
  const rec = await recoverInterrupted(session, db, remote, settings, { dryRun });
  r.partialVersions.push(...rec.partialVersions);
  r.removedRemote.push(...rec.removedRemote);
  r.rebuiltIndexes.push(...rec.rebuiltIndexes);
  if (!dryRun) remote = await session.backend.list();

  // Files of this backup that the database does not know.
  const known = allVolumeNames(db);
  for (const e of remote) {
    const p = parseVolumeName(e.name, settings.prefix);
    if (!p || known.has(e.name) || r.removedRemote.includes(e.name)) continue;
    if (p.type === "dlist") {
      logger.warn(
        `The remote file ${e.name} is a version the local database does not know; it is left ` +
          `alone. To include it, delete the local database and run "repair" to recreate it.`,
      );
      continue;
    }
    checkAbort();
    if (!dryRun) await session.backend.delete(e.name);
    r.removedRemote.push(e.name);
    logger.info(`${dryRun ? "Would delete" : "Deleted"} the unknown remote file ${e.name}`);
  }

  // Trusted volumes that are missing or damaged on the remote.
  const byName = new Map(remote.map((e) => [e.name, e]));
  const trusted = volumesInStates(db, VolumeState.Uploaded, VolumeState.Verified);
  const bad = trusted.filter((v) => {
    const e = byName.get(v.Name);
    return !e || (v.Size >= 0 && e.size !== v.Size);
  });
  const present = (v: VolumeRow) => byName.has(v.Name);
  step("Fixing missing remote files");
  for (const v of bad.filter((v) => v.Type === VolumeType.Index)) {
    checkAbort();
    if (dryRun) {
      r.rebuiltIndexes.push(`(would rebuild) ${v.Name}`);
      continue;
    }
    if (present(v)) await session.backend.delete(v.Name).catch(() => {});
    db.transaction(() => deleteVolumeRow(db, v.ID));
  }
  for (const v of bad.filter((v) => v.Type === VolumeType.Blocks)) {
    checkAbort();
    await fixMissingDblock(session, db, settings, v, present(v), r, opts);
  }
  for (const v of bad.filter((v) => v.Type === VolumeType.Files)) {
    checkAbort();
    const fs = filesetOfVolume(db, v.ID);
    if (!fs) continue;
    if (dryRun) {
      r.rebuiltDlists.push(`(would rebuild) ${v.Name}`);
      continue;
    }
    if (present(v)) await session.backend.delete(v.Name).catch(() => {});
    await uploadDlist(session, db, settings, fs.ID, v.ID, v.Name, fs.IsFullBackup === 1);
    r.rebuiltDlists.push(v.Name);
    logger.info(`Rebuilt the file list ${v.Name} from the local database`);
  }
  if (!dryRun) {
    step("Rebuilding missing index files");
    const idx = await rebuildMissingIndexes(session, db, settings);
    r.rebuiltIndexes.push(...idx);
    for (const n of idx) logger.info(`Uploaded the rebuilt index file ${n}`);
  }
  r.exitCode = r.unfixable.length
    ? ExitCode.Errors
    : logger.warnings.length
    ? ExitCode.Warnings
    : ExitCode.Success;
  return r;
}

/**
 * Refuses to repair from a database that is older than the remote (a newer version on the remote
 * that it does not know): "fixing" the remote from it would lose that version.
 */
function refuseIfOutdated(
  db: LocalDatabase,
  remote: RemoteEntry[],
  settings: FormatSettings,
  opts: OptionValues,
): void {
  if (opts.bool("repair-ignore-outdated-database")) return;
  const known = allVolumeNames(db);
  const newestKnown = Math.max(
    0,
    ...[...known].map((n) => parseVolumeName(n, settings.prefix)?.time?.getTime() ?? 0),
  );
  const newer = remote.filter((e) => {
    const p = parseVolumeName(e.name, settings.prefix);
    return p?.type === "dlist" && !known.has(e.name) && p.time!.getTime() > newestKnown;
  });
  if (newer.length) {
    throw new UserError(
      `The local database is older than the remote files: ${newer.map((e) => e.name).join(", ")} ` +
        `${newer.length === 1 ? "is a version" : "are versions"} it does not know. Delete the ` +
        `local database and run "repair" to recreate it from the remote, or use ` +
        `--repair-ignore-outdated-database to repair anyway.`,
      { code: "DatabaseOutdated", exitCode: ExitCode.Fatal },
    );
  }
}

/** A dblock is missing or damaged: rebuild it from the source, or mark its blocks lost. */
async function fixMissingDblock(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  v: VolumeRow,
  present: boolean,
  r: RepairResult,
  opts: OptionValues,
): Promise<void> {
  const dryRun = opts.bool("dry-run");
  const what = present ? "damaged (wrong size)" : "missing";
  if (opts.bool("rebuild-missing-dblock-files")) {
    const data = collectBlocksFromSource(db, settings, v);
    if (data.missing === 0) {
      if (dryRun) {
        r.rebuiltDblocks.push(`(would rebuild) ${v.Name}`);
        return;
      }
      const newName = await uploadRebuiltDblock(session, db, settings, v, data.blocks, present);
      r.rebuiltDblocks.push(`${v.Name} -> ${newName}`);
      session.logger.info(
        `Rebuilt the ${what} data volume ${v.Name} from the source as ${newName}`,
      );
      return;
    }
    r.unfixable.push(
      `The data volume ${v.Name} is ${what}; ${data.missing} of its ${data.blocks.length} ` +
        `blocks are no longer in the source files, so it cannot be rebuilt.`,
    );
  } else {
    r.unfixable.push(
      `The data volume ${v.Name} is ${what}. Run "repair --rebuild-missing-dblock-files" to ` +
        `rebuild it from the source files, if they are unchanged.`,
    );
  }
  if (dryRun) return;
  // Forget the volume but remember its blocks as lost: list-broken-files names the files that
  // need them, and the next backup stores again the blocks the source still has.
  for (const i of indexVolumesOf(db, v.ID)) {
    await session.backend.delete(i.Name).catch(() => {});
    db.transaction(() => deleteVolumeRow(db, i.ID));
  }
  if (present) await session.backend.delete(v.Name).catch(() => {});
  db.transaction(() => {
    markBlocksLost(db, v.ID);
    deleteVolumeRow(db, v.ID);
  });
  r.unfixable.push(
    `The files that used ${v.Name} are listed by "list-broken-files"; the next backup stores ` +
      `again what the source still has, and "purge-broken-files" removes the rest from the versions.`,
  );
}

/** Reads every block of a volume back from the source files (checking each hash). */
function collectBlocksFromSource(
  db: LocalDatabase,
  settings: FormatSettings,
  v: VolumeRow,
): { blocks: { hash: string; data?: Uint8Array }[]; missing: number } {
  const hpb = settings.blocksize / settings.hashSize;
  const lists = new Map(
    blocklistsInVolume(db, v.ID, hpb).map((b) => [toBase64(b.Hash), b.Data]),
  );
  const blocks: { hash: string; data?: Uint8Array }[] = [];
  let missing = 0;
  for (const b of blockRowsInVolume(db, v.ID)) {
    const hash = toBase64(b.Hash);
    let data = lists.get(hash);
    if (!data) {
      for (const loc of sourceLocationsOfBlock(db, b.ID, settings.blocksize)) {
        const d = readAt(loc.Path, loc.Offset, b.Size);
        if (d && createHash("sha256").update(d).digest("base64") === hash) {
          data = d;
          break;
        }
      }
    }
    if (!data) {
      for (const loc of metadataLocationsOfBlock(db, b.ID, settings.blocksize)) {
        const blob = currentMetadata(loc.Path);
        const d = blob?.subarray(loc.Offset, loc.Offset + b.Size);
        if (d?.length === b.Size && createHash("sha256").update(d).digest("base64") === hash) {
          data = d;
          break;
        }
      }
    }
    if (!data) missing++;
    blocks.push({ hash, data });
  }
  return { blocks, missing };
}

/** The metadata blob a backup would store for `path` now (undefined when it is gone). */
function currentMetadata(path: string): Uint8Array | undefined {
  const p = path.length > 1 && /[\\/]$/.test(path) ? path.slice(0, -1) : path;
  try {
    const info = Deno.lstatSync(p);
    const kind = info.isSymlink ? "symlink" : info.isDirectory ? "folder" : "file";
    const symlinkTarget = info.isSymlink ? Deno.readLinkSync(p) : undefined;
    return encodeMetadata(metadataOf({ path, kind, info, symlinkTarget }));
  } catch {
    return undefined;
  }
}

function readAt(path: string, offset: number, size: number): Uint8Array | undefined {
  try {
    const f = Deno.openSync(path, { read: true });
    try {
      f.seekSync(offset, Deno.SeekMode.Start);
      const buf = new Uint8Array(size);
      let n = 0;
      while (n < size) {
        const k = f.readSync(buf.subarray(n));
        if (k === null || k === 0) break;
        n += k;
      }
      return n === size ? buf : undefined;
    } finally {
      f.close();
    }
  } catch {
    return undefined;
  }
}

/** Writes the rebuilt dblock under a new name, moves the blocks to it and uploads it. */
async function uploadRebuiltDblock(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  old: VolumeRow,
  blocks: { hash: string; data?: Uint8Array }[],
  oldPresent: boolean,
): Promise<string> {
  const { name, path: zipPath, zip: z } = startVolume(session, settings, "dblock");
  for (const b of blocks) {
    z.add(base64ToUrl(b.hash), b.data!, { compress: true, level: settings.zipLevel });
  }
  z.finish();
  const sealed = await sealVolume(settings, zipPath);
  const oldIndexes = indexVolumesOf(db, old.ID);
  // Upload first, then move the blocks in one transaction: a crash in between leaves the blocks
  // with the old (missing) volume, and at worst an empty extra volume.
  const id = db.transaction(() => {
    const op = db.addOperation("Repair");
    const id = addVolume(db, name, VolumeType.Blocks, VolumeState.Uploading, op);
    setVolumeState(db, id, VolumeState.Uploading, sealed);
    return id;
  });
  session.remoteLog.knownHash(name, sealed.hash);
  await session.backend.put(name, sealed.path);
  await Deno.remove(sealed.path).catch(() => {});
  db.transaction(() => {
    setVolumeState(db, id, VolumeState.Uploaded);
    moveBlocks(db, old.ID, id);
    for (const i of oldIndexes) deleteVolumeRow(db, i.ID);
    deleteVolumeRow(db, old.ID);
  });
  for (const i of oldIndexes) await session.backend.delete(i.Name).catch(() => {});
  if (oldPresent) await session.backend.delete(old.Name).catch(() => {});
  return name;
}
