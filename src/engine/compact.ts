/**
 * The compact operation: reclaims remote space held by blocks no version uses any more.
 *
 * Volumes that hold nothing live are deleted. When enough space is wasted (`--threshold`) or there
 * are too many small volumes (`--small-file-size`, `--small-file-max-count`), the volumes with
 * waste are downloaded one at a time, their live blocks are copied as they are (no recompression)
 * into new dblocks, and the old volumes are deleted only after every block they held is in a new
 * volume that is on the remote with its dindex. The database moves a block to its new volume in
 * the same commit that records the new volume as uploaded, and records `Deleting` before a remote
 * delete, so an interruption at any point loses nothing: the next operation removes the
 * half-uploaded new volumes (recovery.ts) or finishes the deletions (volume_deleter.ts).
 */
import type { OptionValues } from "../core/option_values.ts";
import { CancelledError, UserError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { noProgress, type ProgressSink } from "../core/progress.ts";
import { formatSize } from "../core/sizes.ts";
import type { PreparedEntry } from "../format/zip.ts";
import { hashFromEntryName, isBlockEntryName } from "../format/dindex.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { indexVolumesOnlyFor, liveBlockCount } from "../db/deletion.ts";
import {
  dropListHashes,
  lastCompactTime,
  liveBlocksOf,
  moveBlocks,
  prepareListHashes,
  setLastCompactTime,
  type VolumeUsage,
  volumeUsage,
} from "../db/wasted_space.ts";
import { volumeByName, type VolumeRow } from "../db/volumes.ts";
import { DblockWriter } from "./dblock_writer.ts";
import { VolumeUploader } from "./uploader.ts";
import { openVolume } from "./remote_volumes.ts";
import type { FormatSettings, Session } from "./session.ts";
import { withBackup } from "./maintenance_session.ts";
import { commitNow, deleteRemoteVolumes } from "./volume_deleter.ts";
import { uploadVerificationFile } from "./verification_file.ts";

/** What a compact did (or, with --dry-run, would do). */
export interface CompactResult {
  /** Why it compacted, or why not. */
  reason: string;
  compacted: boolean;
  deletedFiles: number;
  deletedBytes: number;
  downloadedFiles: number;
  downloadedBytes: number;
  uploadedFiles: number;
  uploadedBytes: number;
  dryRun: boolean;
  warnings: string[];
  errors: string[];
  durationMs: number;
  exitCode: number;
}

/** Inputs of a compact. */
export interface CompactRequest {
  url: string;
  options: OptionValues;
  progress?: ProgressSink;
  logger?: Logger;
  signal?: AbortSignal;
}

/** The limits that decide whether to compact. */
export interface CompactLimits {
  /** --dblock-size in bytes. */
  volumeSize: number;
  /** --threshold in percent. */
  threshold: number;
  /** --small-file-size in bytes. */
  smallFileSize: number;
  /** --small-file-max-count. */
  smallFileMaxCount: number;
}

/** Duplicati's compact report: what to delete, what to repack, and whether to. */
export interface CompactPlan {
  deletable: VolumeUsage[];
  compactable: VolumeUsage[];
  shouldReclaim: boolean;
  shouldCompact: boolean;
  reason: string;
}

/** Reads the compact limits from the options. */
export function compactLimits(opts: OptionValues, settings: FormatSettings): CompactLimits {
  return {
    volumeSize: settings.dblockSize,
    threshold: opts.int("threshold", 25),
    smallFileSize: opts.has("small-file-size")
      ? opts.size("small-file-size")!
      : Math.floor(settings.dblockSize / 5),
    smallFileMaxCount: opts.int("small-file-max-count", 20),
  };
}

/**
 * Decides with Duplicati's rules (LocalDeleteDatabase.CompactReport): volumes with nothing live
 * are deletable; a volume is wasteful when its waste reaches the threshold of its own data or of
 * the volume size; compact when the waste in wasteful volumes reaches the threshold of all data
 * and there are at least two such volumes, or the small volumes add up to more than one volume,
 * or there are more of them than the maximum.
 */
export function planCompact(usage: readonly VolumeUsage[], l: CompactLimits): CompactPlan {
  const deletable = usage.filter((v) => v.dataSize <= v.wastedSize);
  const del = new Set(deletable);
  const waste = usage.filter((v) =>
    !del.has(v) &&
    ((v.wastedSize / v.dataSize) * 100 >= l.threshold ||
      (v.wastedSize / l.volumeSize) * 100 >= l.threshold)
  );
  const small = usage.filter((v) => !del.has(v) && v.compressedSize <= l.smallFileSize);
  const fullSize = usage.reduce((a, v) => a + v.dataSize, 0);
  const wasted = waste.reduce((a, v) => a + v.wastedSize, 0);
  const smallSpace = small.reduce((a, v) => a + v.compressedSize, 0);
  const wastePct = fullSize > 0 ? (wasted / fullSize) * 100 : 0;
  const shouldReclaim = deletable.length > 0;
  const shouldCompact = (wastePct >= l.threshold && waste.length >= 2) ||
    smallSpace > l.volumeSize || small.length > l.smallFileMaxCount;
  let reason: string;
  if (shouldReclaim) reason = `there are ${deletable.length} fully deletable volume(s)`;
  else if (wastePct >= l.threshold && waste.length >= 2) {
    reason = `there is ${wastePct.toFixed(2)}% wasted space and the limit is ${l.threshold}%`;
  } else if (smallSpace > l.volumeSize) {
    reason = `there are ${formatSize(smallSpace)} in small volumes and the volume size is ${
      formatSize(l.volumeSize)
    }`;
  } else if (small.length > l.smallFileMaxCount) {
    reason = `there are ${small.length} small volumes and the maximum is ${l.smallFileMaxCount}`;
  } else reason = "";
  // Old volumes first: their data is the most likely to stay.
  const seen = new Set<VolumeUsage>();
  const compactable = [...waste, ...small].filter((v) => !seen.has(v) && seen.add(v));
  return { deletable, compactable, shouldReclaim, shouldCompact, reason };
}

/** Runs the compact command: checks the remote, compacts, uploads the verification file. */
export function compact(req: CompactRequest): Promise<CompactResult> {
  const started = Date.now();
  return withBackup(
    req.url,
    req.options,
    req.logger,
    { checkRemote: true, operation: "Compact" },
    async (c) => {
      const r = await runCompact(c.session, c.db, c.settings, {
        progress: req.progress,
        signal: req.signal,
      });
      if (r.compacted && !r.dryRun && req.options.bool("upload-verification-file")) {
        await uploadVerificationFile(c.session, c.db, c.settings.prefix);
      }
      r.durationMs = Date.now() - started;
      return r;
    },
  );
}

/**
 * Compacts with an open session and database (also used after delete and backup). With `auto`,
 * honours --no-auto-compact and --auto-compact-interval.
 */
export async function runCompact(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  o: { auto?: boolean; progress?: ProgressSink; signal?: AbortSignal } = {},
): Promise<CompactResult> {
  const started = Date.now();
  const opts = session.opts;
  const logger = session.logger;
  const progress = o.progress ?? noProgress;
  const dryRun = opts.bool("dry-run");
  const result: CompactResult = {
    reason: "",
    compacted: false,
    deletedFiles: 0,
    deletedBytes: 0,
    downloadedFiles: 0,
    downloadedBytes: 0,
    uploadedFiles: 0,
    uploadedBytes: 0,
    dryRun,
    warnings: logger.warnings,
    errors: logger.errors,
    durationMs: 0,
    exitCode: 0,
  };
  if (o.auto) {
    if (opts.bool("no-auto-compact")) return result;
    const interval = opts.timespan("auto-compact-interval", 0);
    if (interval > 0 && Date.now() - lastCompactTime(db) < interval) {
      logger.info("Skipping the automatic compact: --auto-compact-interval has not passed yet");
      return result;
    }
  }
  const plan = planCompact(volumeUsage(db), compactLimits(opts, settings));
  if (!plan.shouldReclaim && !plan.shouldCompact) {
    result.reason = "Compacting not required";
    logger.info(result.reason);
    return result;
  }
  result.reason = `Compacting because ${plan.reason}`;
  logger.info(result.reason);
  if (dryRun) {
    result.deletedFiles = plan.deletable.length;
    result.deletedBytes = plan.deletable.reduce((a, v) => a + v.compressedSize, 0);
    if (plan.shouldCompact) {
      result.downloadedFiles = plan.compactable.length;
      result.downloadedBytes = plan.compactable.reduce((a, v) => a + v.compressedSize, 0);
    }
    logger.log(
      "DryRun",
      `Would delete ${result.deletedFiles} volume(s) and download ${result.downloadedFiles} ` +
        `volume(s) (${formatSize(result.downloadedBytes)}) to repack`,
    );
    return result;
  }
  result.compacted = true;
  const opened = db.inTransaction;
  db.begin();
  try {
    // Nothing live in them: delete straight away (with their index files).
    await deleteDblocks(session, db, plan.deletable.map((v) => v.id), result, o.signal);
    if (plan.shouldCompact) {
      await repack(session, db, settings, plan.compactable, result, progress, o.signal);
    }
    setLastCompactTime(db, Date.now());
    commitNow(db);
  } finally {
    if (!opened) db.commit();
  }
  logger.info(
    `Compact: downloaded ${result.downloadedFiles} file(s) (${
      formatSize(result.downloadedBytes)
    }), uploaded ${result.uploadedFiles} (${
      formatSize(result.uploadedBytes)
    }), deleted ${result.deletedFiles} (${formatSize(result.deletedBytes)})`,
  );
  result.durationMs = Date.now() - started;
  return result;
}

/** Deletes dblocks (with the index files that only describe them) once nothing live is in them. */
async function deleteDblocks(
  session: Session,
  db: LocalDatabase,
  ids: number[],
  result: CompactResult,
  signal?: AbortSignal,
): Promise<void> {
  const ok = ids.filter((id) => liveBlockCount(db, id) === 0);
  if (ok.length === 0) return;
  const vols = db.all<VolumeRow>(
    `SELECT * FROM Remotevolume WHERE ID IN (${ok.map(() => "?").join(", ")})`,
    ...ok,
  );
  const all = [...vols, ...indexVolumesOnlyFor(db, ok)];
  const d = await deleteRemoteVolumes(session, db, all, signal);
  result.deletedFiles += d.names.length;
  result.deletedBytes += d.bytes;
}

async function repack(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  volumes: VolumeUsage[],
  result: CompactResult,
  progress: ProgressSink,
  signal?: AbortSignal,
): Promise<void> {
  const opts = session.opts;
  const uploader = new VolumeUploader(session, opts.int("asynchronous-upload-limit", 4)!);
  const indexPolicy = (opts.enumValue("index-file-policy") ?? "Full") as "None" | "Lookup" | "Full";
  const operationId = db.addOperation("Compact");
  const writer = new DblockWriter(session, settings, db, operationId, uploader, indexPolicy);
  const pending = new Map<number, { blockId: number; from: number }[]>();
  writer.onUploaded = (volumeId) => {
    // The new volume and its index are on the remote: its blocks live there from now on.
    moveBlocks(db, pending.get(volumeId) ?? [], volumeId);
    pending.delete(volumeId);
    commitNow(db);
  };
  prepareListHashes(db);
  const processed: number[] = [];
  let prefetched: Promise<{ vol: { close(): Promise<void> } }> | undefined;
  const deleteDone = async () => {
    const done = processed.filter((id) => liveBlockCount(db, id) === 0);
    if (done.length === 0) return;
    for (const id of done) processed.splice(processed.indexOf(id), 1);
    await deleteDblocks(session, db, done, result, signal);
  };
  try {
    // --skip-file-hash-checks: salvage what can be read from volumes whose hash is off.
    const skipHashes = opts.bool("skip-file-hash-checks");
    // The next volume downloads and decrypts while the current one is repacked.
    const fetch = (v: VolumeUsage | undefined) => {
      const row = v ? volumeByName(db, v.name) : undefined;
      if (!v || !row) return undefined;
      const p = openVolume(session, settings, v.name, {
        size: row.Size,
        hash: skipHashes ? undefined : row.Hash ?? undefined,
      }).then((vol) => ({ vol, row }));
      p.catch(() => {}); // handled when awaited
      return p;
    };
    let next = fetch(volumes[0]);
    let i = 0;
    for (const v of volumes) {
      if (signal?.aborted) throw signal.reason ?? new CancelledError();
      uploader.check();
      progress({
        operation: "Compact",
        phase: "Repacking volumes",
        filesDone: i++,
        filesTotal: volumes.length,
        bytesDone: result.downloadedBytes,
        current: v.name,
      });
      const current = next;
      next = fetch(volumes[i]);
      prefetched = next;
      if (!current) continue;
      const { vol, row } = await current;
      const live = liveBlocksOf(db, v.id);
      result.downloadedFiles++;
      result.downloadedBytes += Math.max(0, row.Size);
      try {
        for (const e of vol.zip.entries()) {
          if (!isBlockEntryName(e.name)) continue;
          const hash = hashFromEntryName(e.name);
          const b = live.get(`${hash}:${e.uncompressedSize}`);
          if (!b) continue;
          live.delete(`${hash}:${e.uncompressedSize}`);
          const entry: PreparedEntry = {
            method: e.method as 0 | 8,
            crc32: e.crc32,
            uncompressedSize: e.uncompressedSize,
            data: vol.zip.readRaw(e),
          };
          await writer.addPrepared(hash, entry, b.IsList ? vol.zip.read(e) : undefined);
          const list = pending.get(writer.volumeId) ?? [];
          list.push({ blockId: b.ID, from: v.id });
          pending.set(writer.volumeId, list);
          if (writer.full) await writer.closeVolume();
        }
      } finally {
        await vol.close();
      }
      if (live.size > 0) {
        throw new UserError(
          `The remote file ${v.name} lacks ${live.size} block(s) the local database expects in ` +
            `it; nothing was deleted. Run "test" on it and "repair".`,
          { code: "CompactMissingBlocks" },
        );
      }
      processed.push(v.id);
      await deleteDone();
    }
    await writer.closeVolume();
    await uploader.drain();
    await deleteDone();
    if (processed.length) {
      session.logger.warn(
        `${processed.length} volume(s) still hold blocks after compacting and were kept`,
      );
    }
  } finally {
    await prefetched?.then((p) => p.vol.close()).catch(() => {});
    await uploader.drain().catch(() => {});
    dropListHashes(db);
    result.uploadedFiles += uploader.filesUploaded;
    result.uploadedBytes += uploader.bytesUploaded;
  }
}
