/**
 * The restore operation: pick a version, select paths, map them under the target folder, download
 * each needed dblock once, write its blocks at their offsets, verify every file by size and hash,
 * then apply metadata (folders last) and create symlinks. Works from the local database or, when
 * there is none, from the remote dlist and dindex files alone.
 *
 * Safety: paths from a dlist are never trusted. Relative paths and `..` segments are refused,
 * every target must resolve inside the restore folder, and no write goes through a symlink.
 */
import { createHash } from "node:crypto";
import { dirname, join, resolve, sep } from "node:path";
import { eventLoopTurn } from "../core/event_loop.ts";
import type { OptionValues } from "../core/option_values.ts";
import type { FilterList } from "../core/filters.ts";
import { patternFilter } from "./path_filter.ts";
import { ExitCode, UserError } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import { noProgress, type ProgressSink } from "../core/progress.ts";
import { base64ToUrl, type Bytes, equalBytes, toBase64 } from "../core/bytes.ts";
import { parseTimeValue, parseVersionList } from "../core/timeparse.ts";
import { ZipReader } from "../format/zip.ts";
import { decodeMetadata, parsePosixMetadata } from "../format/metadata.ts";
import { LocalDatabase } from "../db/local_database.ts";
import { FOLDER_BLOCKSET_ID, SYMLINK_BLOCKSET_ID } from "../db/schema.ts";
import {
  KIND_FILE,
  KIND_FOLDER,
  KIND_SYMLINK,
  type PlanRow,
  RestoreTargets,
  TARGET_DONE,
  TARGET_FAILED,
  TARGET_FOLDER_DONE,
  TARGET_PENDING,
} from "../db/restore_targets.ts";
import {
  completedFilesets,
  type EntryRow,
  filesetEntries,
  type FilesetRow,
} from "../db/filesets.ts";
import { databasePathFor, type FormatSettings, formatSettings, Session } from "./session.ts";
import { type Decoded, type DecodeItem, runCpuJob } from "./cpu_worker.ts";
import { sha256 } from "../core/sha256.ts";
import { collectWhenHeapGrows, collectYoungGarbage, releaseMemory } from "../core/memory.ts";
import { hashFile, type OpenedVolume, openVolume, VolumeHasher } from "./remote_volumes.ts";
import { type BlockTarget, closeBlockTargets } from "./block_targets.ts";
import { assertNotRecreating } from "./preflight.ts";
import { BufferPool } from "./buffer_pool.ts";
import { blockCeil, blockFloor } from "../format/aes_ranges.ts";
import { IdSet } from "./id_set.ts";
import { importFromRemote, listRemoteVolumes, type RemoteVolume } from "./remote_index.ts";
import { expandPortablePath } from "../core/portable_paths.ts";
import { SafeFolders } from "./safe_folders.ts";

/** What a restore did. */
export interface RestoreResult {
  version: { index: number; time: Date };
  restoredFiles: number;
  restoredFolders: number;
  restoredSymlinks: number;
  sizeRestored: number;
  skippedIdentical: number;
  verifiedFiles: number;
  volumesDownloaded: number;
  usedLocalDatabase: boolean;
  warnings: string[];
  errors: string[];
  durationMs: number;
  exitCode: number;
}

/** Inputs besides the options. */
export interface RestoreRequest {
  url: string;
  /** File patterns (Duplicati wraps each with `*`); empty means everything. */
  patterns: string[];
  options: OptionValues;
  filters: FilterList;
  progress?: ProgressSink;
  logger?: Logger;
  signal?: AbortSignal;
}

interface Target {
  entry: EntryRow;
  kind: "file" | "folder" | "symlink";
  target: string;
  /** Files are written here first and renamed over `target` only once verified. */
  tmp?: string;
  /** One-block files are verified in memory and written in one go, without a temp file. */
  single?: boolean;
  done?: boolean;
}

/** Opens the local database if it exists and holds versions, else undefined. */
export function openExistingDatabase(url: string, opts: OptionValues): LocalDatabase | undefined {
  if (opts.bool("no-local-db")) return undefined;
  const path = databasePathFor(url, opts);
  try {
    Deno.statSync(path);
  } catch {
    return undefined;
  }
  const db = LocalDatabase.open(path, { create: false });
  try {
    assertNotRecreating(db);
  } catch (err) {
    db.close();
    throw err;
  }
  if (completedFilesets(db).length === 0) {
    db.close();
    return undefined;
  }
  return db;
}

/** Chooses a fileset from `--version` / `--time`; throws a UserError naming the choices. */
export function selectVersion<T extends { Timestamp: number }>(
  list: T[],
  opts: OptionValues,
): [T, number] {
  if (list.length === 0) {
    throw new UserError("The backup has no versions yet: run a backup first.", {
      code: "NoVersions",
    });
  }
  if (opts.has("version") && opts.str("version") !== "") {
    const idx = parseVersionList(opts.str("version")!)[0];
    if (idx < 0 || idx >= list.length) {
      throw new UserError(
        `There is no version ${idx}: this backup has versions 0 to ${list.length - 1}.`,
        { code: "NoSuchVersion", exitCode: ExitCode.BadArguments },
      );
    }
    return [list[idx], idx];
  }
  if (opts.has("time") && opts.str("time") !== "" && opts.str("time")!.toLowerCase() !== "now") {
    const t = parseTimeValue(opts.str("time")!).getTime();
    const idx = list.findIndex((f) => f.Timestamp <= t);
    if (idx < 0) {
      throw new UserError(
        `No version is older than ${new Date(t).toISOString()}; the oldest is ` +
          `${new Date(list[list.length - 1].Timestamp).toISOString()}.`,
        { code: "NoSuchVersion", exitCode: ExitCode.BadArguments },
      );
    }
    return [list[idx], idx];
  }
  return [list[0], 0];
}

/** Splits a stored path into segments, refusing relative paths and `..`. */
export function pathSegments(p: string): { segments: string[]; isFolder: boolean } {
  const isWin = /^[A-Za-z]:\\/.test(p) || p.startsWith("\\\\");
  const isFolder = p.endsWith("/") || (isWin && p.endsWith("\\"));
  if (!isWin && !p.startsWith("/")) {
    throw new UserError(`Refusing to restore "${p}": the backup holds a relative path`, {
      code: "HostilePath",
    });
  }
  const parts = (isWin ? p.replace(/^([A-Za-z]):\\/, "$1\\").split("\\") : p.split("/"))
    .filter((s) => s !== "");
  for (const s of parts) {
    if (s === ".." || s === "." || s.includes("\0") || (!isWin && s.includes("\\") && false)) {
      throw new UserError(`Refusing to restore "${p}": the path contains "${s}"`, {
        code: "HostilePath",
      });
    }
  }
  return { segments: parts, isFolder };
}

/** Runs a restore. */
export async function restore(req: RestoreRequest): Promise<RestoreResult> {
  const started = Date.now();
  const opts = req.options;
  const logger = req.logger ?? new Logger();
  const progress = req.progress ?? noProgress;
  const settings = formatSettings(opts);
  const session = await Session.open(req.url, opts, logger, "Restore");
  const hasher = new VolumeHasher(session);
  let db = openExistingDatabase(req.url, opts);
  const usedLocal = db !== undefined;
  let volumesDownloaded = 0;
  try {
    let fileset: FilesetRow;
    let versionIndex: number;
    if (db) {
      const stored = db.getConfig("blocksize");
      if (stored) settings.blocksize = Number(stored);
      [fileset, versionIndex] = selectVersion(completedFilesets(db), opts);
    } else {
      const remote = await listRemoteVolumes(session, settings.prefix);
      const pseudo = remote.dlists.map((d) => ({ Timestamp: d.parsed.time!.getTime(), vol: d }));
      if (pseudo.length === 0) {
        throw new UserError(
          `No backup was found at ${session.displayUrl} (no ${settings.prefix}-*.dlist.* files). ` +
            `Check the URL and --prefix.`,
          { code: "NoBackupFound" },
        );
      }
      const [sel, idx] = selectVersion(pseudo, opts);
      versionIndex = idx;
      progress({
        operation: "Restore",
        phase: "Reading the remote index",
        filesDone: 0,
        bytesDone: 0,
      });
      // Restoring everything needs every data volume: they are checked in the CPU pool while
      // the file list and the index files are read (which this thread does).
      if (req.patterns.length === 0 && req.filters.rules.length === 0) {
        hasher.add(remote.dblocks.map((d) => d.name));
      }
      db = LocalDatabase.open(session.tempFile(".sqlite"));
      const rep = await importFromRemote(
        session,
        db,
        settings,
        [sel.vol as RemoteVolume],
        remote,
        progress,
      );
      volumesDownloaded += 1 + rep.dindexRead + rep.dblocksRead;
      fileset = completedFilesets(db)[0];
      // The file list's text and the import's lookups are garbage now: the restore starts lean.
      releaseMemory();
    }
    const result = await restoreFileset(
      session,
      db,
      settings,
      fileset,
      req,
      logger,
      progress,
      hasher,
    );
    result.version = { index: versionIndex, time: new Date(fileset.Timestamp) };
    result.volumesDownloaded += volumesDownloaded;
    result.usedLocalDatabase = usedLocal;
    result.durationMs = Date.now() - started;
    return result;
  } finally {
    hasher.close();
    db?.close();
    await session.close();
  }
}

/**
 * Restores one fileset. Every per-file fact lives in a temporary table, not in JavaScript
 * objects, so memory stays flat however many files the version holds.
 */
async function restoreFileset(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  fileset: FilesetRow,
  req: RestoreRequest,
  logger: Logger,
  progress: ProgressSink,
  hasher: VolumeHasher,
): Promise<RestoreResult> {
  const opts = req.options;
  const overwrite = opts.bool("overwrite");
  const givenRestorePath = opts.str("restore-path");
  const restorePath = givenRestorePath && expandPortablePath(givenRestorePath);
  const skipMeta = opts.bool("skip-metadata");
  const restorePerms = opts.bool("restore-permissions");
  const verify = !opts.bool("skip-restore-verification");
  const selected = patternFilter(req.patterns, req.filters);
  const result: RestoreResult = {
    version: { index: 0, time: new Date(0) },
    restoredFiles: 0,
    restoredFolders: 0,
    restoredSymlinks: 0,
    sizeRestored: 0,
    skippedIdentical: 0,
    verifiedFiles: 0,
    volumesDownloaded: 0,
    usedLocalDatabase: true,
    warnings: logger.warnings,
    errors: logger.errors,
    durationMs: 0,
    exitCode: 0,
  };
  // The working tables below and the sort of the block plan grow with the number of files; the
  // database keeps temporary data in a file once it outgrows the page cache (temp_store=FILE).
  const state = new RestoreTargets(db);

  // 1. Select entries; find the longest folder prefix they share.
  let common: string[] | undefined;
  let count = 0;
  db.begin();
  for (const e of filesetEntries(db, fileset.ID)) {
    rowDone();
    const kind = e.BlocksetID === FOLDER_BLOCKSET_ID
      ? KIND_FOLDER
      : e.BlocksetID === SYMLINK_BLOCKSET_ID
      ? KIND_SYMLINK
      : KIND_FILE;
    if (!selected(e.Path, kind === KIND_FOLDER)) continue;
    const { segments } = pathSegments(e.Path);
    const parent = kind === KIND_FOLDER ? segments : segments.slice(0, -1);
    if (common === undefined) common = parent;
    else {
      let i = 0;
      while (i < common.length && i < parent.length && common[i] === parent[i]) i++;
      if (i < common.length) common = common.slice(0, i);
    }
    state.add(kind, e.Path, e.BlocksetID, e.Length ?? 0, e.FullHash, e.MetaBlocksetID);
    count++;
  }
  db.commit();
  if (count === 0) {
    logger.warn("No files matched; nothing was restored");
    result.exitCode = ExitCode.Warnings;
    return result;
  }
  // The selected files' volumes are hashed (checked) while their folders are prepared.
  hasher.add(state.selectedVolumes());
  const root = restorePath ? resolve(restorePath) : sep;
  const strip = restorePath && !opts.bool("dont-compress-restore-paths") ? common!.length : 0;
  Deno.mkdirSync(root, { recursive: true });
  const rootPrefix = root.endsWith(sep) ? root : root + sep;

  // 2. Folders (and parents of files), checking that no component is a symlink.
  const folders = new SafeFolders(root, !!restorePath);
  const ensureDir = (dir: string) => folders.ensure(dir);
  const targetOf = (path: string): string | undefined => {
    const rel = pathSegments(path).segments.slice(strip);
    const target = rel.length ? join(root, ...rel) : root;
    if (target !== root && !target.startsWith(rootPrefix)) {
      throw new UserError(`Refusing to restore "${path}" outside ${root}`, { code: "HostilePath" });
    }
    return target;
  };

  // 3. Targets: folders are created; files are checked against what is already there.
  let bytesTotal = 0;
  let filesTotal = 0;
  /** Files of one block still to write (they are written whole, see `apply`). */
  let singles = 0;
  db.begin();
  for (const r of state.all()) {
    rowDone();
    await eventLoopTurn();
    let target = targetOf(r.Path)!;
    if (r.Kind === KIND_FOLDER) {
      ensureDir(target);
      result.restoredFolders++;
      state.setTarget(r.ID, target, null, TARGET_FOLDER_DONE);
      continue;
    }
    if (target === root) continue;
    ensureDir(dirname(target));
    if (r.Kind === KIND_SYMLINK) {
      state.setTarget(r.ID, target, null, TARGET_PENDING);
      continue;
    }
    filesTotal++;
    let st: Deno.FileInfo | undefined;
    if (folders.mayExist(target)) {
      try {
        st = Deno.lstatSync(target);
      } catch { /* missing */ }
    }
    if (st) {
      if (st.isSymlink || st.isDirectory) {
        if (!overwrite) target = freeName(target, fileset.Timestamp);
        else Deno.removeSync(target, { recursive: false });
      } else if (st.size === r.Length && await fileHashEquals(target, r.FullHash!)) {
        result.skippedIdentical++;
        result.restoredFiles++;
        state.setTarget(r.ID, target, null, TARGET_DONE);
        continue;
      } else if (!overwrite) target = freeName(target, fileset.Timestamp);
    }
    bytesTotal += r.Length;
    if (r.Length === 0) {
      if (!equalBytes(r.FullHash!, EMPTY_SHA256)) {
        logger.error(
          `Failed to restore ${r.Path}: the backup says it is empty but has a content hash`,
        );
        state.setTarget(r.ID, target, null, TARGET_FAILED);
        continue;
      }
      Deno.writeFileSync(target, new Uint8Array(0));
      result.restoredFiles++;
      result.verifiedFiles++;
      state.setTarget(r.ID, target, null, TARGET_DONE);
      continue;
    }
    // One-block files are verified in memory and written in one go. Larger files are written to
    // a temporary name beside the target and renamed only once verified: a failed restore never
    // leaves a damaged file under the real name, nor destroys the old one.
    const tmp = r.Length > settings.blocksize
      ? join(dirname(target), `.${crypto.randomUUID().slice(0, 8)}.restore-tmp`)
      : null;
    if (tmp) Deno.writeFileSync(tmp, new Uint8Array(0));
    else singles++;
    state.setTarget(r.ID, target, tmp, TARGET_PENDING);
  }
  db.commit();

  // 4. Write blocks, one dblock at a time.
  let bytesDone = 0;
  const failed = new IdSet();
  const done = new IdSet();
  const hashOk = new IdSet();
  const hashBad = new IdSet();
  const readBack = new IdSet();
  try {
    // File blocks and metadata blocks in one pass, volume by volume: each dblock is read once,
    // and the next one is fetched while the current one is written out. Encrypted volumes are
    // read in place: only the ciphertext of the needed entries is read, and the worker decrypts
    // it (see aes_ranges.ts); nothing decrypted is written to disk.
    const plan = state.plan();
    const volumeOrder = state.volumes();
    const nextIndex = new Map(volumeOrder.map((v, i) => [v.V, i + 1]));
    const prefetched = new Map<number, Promise<OpenedVolume>>();
    const fetchAhead = (i: number) => {
      const v = volumeOrder[i];
      if (!v || prefetched.has(v.V)) return;
      const p = openVolume(session, settings, v.Name, {
        size: v.VSize !== null && v.VSize >= 0 ? v.VSize : undefined,
        hash: v.VHash ?? undefined,
      }, { inPlace: true, hasher });
      p.catch(() => {}); // handled when awaited
      prefetched.set(v.V, p);
    };
    // The main thread reads the stored entries of each volume and writes the files; inflating,
    // CRC checks and the hashes of whole-file blocks run in the CPU pool, one batch per worker
    // ahead (each batch in flight holds two pooled buffers).
    type Item = { row: PlanRow; raw?: DecodeItem; error?: string; logged?: boolean };
    type Done = { items: Item[]; decoded: Decoded[]; buffers: Bytes[] };
    const pool = session.pool;
    const queue: Promise<Done>[] = [];
    // The stored bytes of a batch are read into one pooled buffer (`raw`, filled up to `fill`);
    // the worker inflates into a second (`outBytes` of room needed) and hands both back.
    const buffers = new BufferPool(BATCH_BYTES, (pool.size + 2) * 2 + 2);
    let batch: Item[] = [];
    let raw: Bytes | undefined;
    let fill = 0;
    let outBytes = 0;
    // An encrypted volume is read as ciphertext, in spans of consecutive blocks (each preceded by
    // the block before it), and decrypted by the worker: `span` is the one being extended, which
    // covers plaintext [from, to) and is the last thing in `raw`.
    type Span = { at: number; from: number; to: number };
    let spans: Span[] = [];
    let span: Span | undefined;
    const dispatch = () => {
      if (batch.length === 0) return;
      const items = batch;
      const inBuf = raw;
      const out = outBytes > 0 ? buffers.take(outBytes) : undefined;
      const decrypt = spans.length && inBuf && opened?.cipher
        ? {
          key: opened.cipher.layout.key,
          spans: spans.map((sp) => inBuf.subarray(sp.at, sp.at + 16 + sp.to - sp.from)),
        }
        : undefined;
      batch = [];
      raw = undefined;
      fill = 0;
      outBytes = 0;
      spans = [];
      span = undefined;
      const work = items.filter((it) => it.raw).map((it) => it.raw!);
      const label = items.find((it) => it.raw)?.row.Name ?? "";
      const own = [inBuf, out].filter((b) => b !== undefined);
      let p: Promise<Done>;
      if (work.length === 0) {
        p = Promise.resolve({ items, decoded: [], buffers: own });
      } else {
        const job = { op: "decode" as const, label, items: work, out, decrypt };
        // When the worker is behind, this thread decodes the batch itself (results are still
        // handled in order, from `queue`).
        const slot = pool.pickSlot();
        const here = pool.size === 0 || pool.backlog(slot) >= STEAL_WHEN_BEHIND;
        const transfer = own.map((b) => b.buffer as ArrayBuffer);
        p = (here ? runCpuJob(job) : pool.runOn(slot, job, transfer)).then((r) => {
          if (r.op !== "decode") throw new Error("CPU pool: unexpected result");
          return { items, decoded: r.decoded, buffers: r.buffers };
        });
      }
      p.catch(() => {}); // handled when awaited
      queue.push(p);
    };
    /** Closes the temporary files the workers and this thread have open (block_targets.ts). */
    const closeTargets = async () => {
      closeBlockTargets();
      await pool.everywhere({ op: "close-targets" });
    };
    /** Where the decoded block of `row` is written: its temporary file, for larger files. */
    const targetOfBlock = (row: PlanRow): BlockTarget | undefined =>
      row.M === 0 && row.Tmp !== null
        ? { path: row.Tmp, pos: row.Idx * settings.blocksize, size: row.Size }
        : undefined;
    // Blocks usually arrive in file order; then the file hash is computed on the way and the file
    // need not be read back to verify it. `inOrder` holds the hashes of the files being written,
    // `hashOk` / `hashBad` the verdicts of those completed; files whose blocks came out of order
    // (`readBack`) are read back instead.
    const inOrder = new Map<number, { hash: ReturnType<typeof createHash>; next: number }>();

    /** Writes one decoded block (or records why it is missing), in plan order. */
    const apply = (row: PlanRow, data: Uint8Array | undefined, hash: Uint8Array | undefined) => {
      if (row.M === 0 && failed.has(row.F)) return;
      if (data === undefined) {
        if (row.M === 0) failed.add(row.F);
        return;
      }
      if (row.M === 1) {
        state.addMetaBlock(row.F, row.Idx, data, row.Length, settings.blocksize);
        return;
      }
      if (row.Tmp === null) {
        // The block is the whole file: check it against the file hash before writing anything.
        if (!equalBytes(hash ?? sha256(data), row.FullHash)) {
          failed.add(row.F);
          return;
        }
        writeWholeFile(row.Target, data);
        done.add(row.F);
        result.restoredFiles++;
        result.verifiedFiles++;
        result.sizeRestored += data.length;
        bytesDone += data.length;
        return;
      }
      // The thread that decoded the block has written it (see targetOfBlock).
      bytesDone += data.length;
      if (readBack.has(row.F)) return;
      const h = inOrder.get(row.F) ?? { hash: createHash("sha256"), next: 0 };
      if (h.next !== row.Idx) {
        inOrder.delete(row.F);
        readBack.add(row.F);
        return;
      }
      h.hash.update(data);
      h.next++;
      if (h.next < Math.ceil(row.Length / settings.blocksize)) {
        inOrder.set(row.F, h);
        return;
      }
      inOrder.delete(row.F);
      (equalBytes(h.hash.digest(), row.FullHash) ? hashOk : hashBad).add(row.F);
    };
    let drained = 0;
    const drainOne = async () => {
      const { items, decoded, buffers: used } = await queue.shift()!;
      let k = 0;
      for (const it of items) {
        let data: Uint8Array | undefined;
        let hash: Uint8Array | undefined;
        let error = it.error;
        if (it.raw) {
          const d = decoded[k++];
          if (d.error !== undefined) error = d.error;
          else if (d.data.length !== it.row.Size) error = "wrong block size";
          else {
            data = d.data;
            hash = d.hash;
          }
        }
        if (error !== undefined && !it.logged && it.row.M === 0 && !failed.has(it.row.F)) {
          logger.error(`A block is missing or damaged in ${it.row.Name}: ${error}`);
        }
        apply(it.row, data, hash);
        await eventLoopTurn();
      }
      // Every block of the batch is written (or stored): its buffers may be filled again.
      for (const b of used) buffers.give(b);
      // The batches' bytes live in pooled buffers; what dies here is small (rows, results), so a
      // young collection every 8 batches suffices (every batch cost 0.3 s of a 5 s restore).
      if (++drained % 8 === 0) collectYoungGarbage();
      collectWhenHeapGrows(HEAP_GROWTH);
    };

    let curVol = -2;
    let zip: ZipReader | undefined;
    let opened: OpenedVolume | undefined;
    db.begin();
    try {
      for (const row of plan) {
        if (row.V !== curVol) {
          dispatch();
          if (zip) {
            await opened?.close();
            zip = undefined;
            opened = undefined;
          }
          curVol = row.V;
          if (row.Name) {
            progress({
              operation: "Restore",
              phase: "Restoring files",
              filesDone: result.restoredFiles,
              filesTotal,
              bytesDone,
              bytesTotal,
              current: row.Name,
            });
            try {
              const ahead = prefetched.get(row.V);
              prefetched.delete(row.V);
              const fetching = ahead ?? openVolume(session, settings, row.Name, {
                size: row.VSize !== null && row.VSize >= 0 ? row.VSize : undefined,
                hash: row.VHash ?? undefined,
              }, { inPlace: true, hasher });
              fetchAhead(nextIndex.get(row.V) ?? volumeOrder.length);
              opened = await fetching;
              zip = opened.zip;
              result.volumesDownloaded++;
            } catch (err) {
              if (err instanceof UserError && err.code === "WrongPassphrase") throw err;
              logger.error(`Cannot read ${row.Name}: ${(err as Error).message}`);
              zip = undefined;
            }
          }
        }
        if (req.signal?.aborted) throw req.signal.reason ?? new Error("Restore cancelled");
        if (!zip) {
          batch.push({ row, error: "volume unreadable", logged: true });
          continue;
        }
        try {
          const entry = zip.entry(base64ToUrl(toBase64(row.Hash)));
          if (!entry) throw new Error(`${row.Name} has no entry for this block`);
          const hash = row.M === 0 && row.Tmp === null;
          const out = (entry.method === 0 ? 0 : entry.uncompressedSize) + (hash ? 32 : 0);
          const cipher = opened?.cipher;
          if (cipher) {
            // The entry's extent (local header and stored bytes) as ciphertext: appended to the
            // current span when it starts inside it, else in a new span.
            const { start, end } = zip.extent(entry);
            const from = blockFloor(start), to = Math.min(blockCeil(end), cipher.layout.ctLen);
            let extend = span !== undefined && from >= span.from && from <= span.to;
            let need = extend ? Math.max(0, to - span!.to) : 32 + to - from;
            if (raw && fill + need + outBytes + out > BATCH_BYTES) {
              dispatch();
              // The next buffer holds a new span: its IV block and the whole extent.
              extend = false;
              need = 32 + to - from;
            }
            raw ??= buffers.take(need);
            if (!extend) {
              fill = blockCeil(fill);
              const n = cipher.readCipherInto(start, end, raw, fill);
              span = { at: fill, from, to: from + n - 16 };
              spans.push(span);
              fill += n;
            } else if (to > span!.to) {
              fill += cipher.extendCipherInto(span!.to, end, raw, fill);
              span!.to = to;
            }
            const at = span!.at + 16 - span!.from;
            outBytes += out;
            batch.push({
              row,
              raw: {
                entry,
                raw: raw.subarray(at + start, at + end),
                hash,
                extent: true,
                write: targetOfBlock(row),
              },
            });
          } else {
            // A batch holds at most BATCH_BYTES of stored and inflated bytes (or one larger block).
            if (raw && fill + entry.compressedSize + outBytes + out > BATCH_BYTES) dispatch();
            raw ??= buffers.take(entry.compressedSize);
            const stored = zip.readRawInto(entry, raw, fill);
            fill += stored.length;
            outBytes += out;
            batch.push({ row, raw: { entry, raw: stored, hash, write: targetOfBlock(row) } });
          }
        } catch (err) {
          batch.push({ row, error: (err as Error).message, logged: row.M === 1 });
        }
        if (batch.length >= 256) dispatch();
        while (queue.length > pool.size + 1) await drainOne();
        await eventLoopTurn();
      }
      dispatch();
      while (queue.length) await drainOne();
      await closeTargets();
    } finally {
      db.commit();
      for (const p of prefetched.values()) {
        p.then((v) => v.close(), () => {});
      }
      await closeTargets().catch(() => {});
      if (zip) {
        await opened?.close();
      }
    }

    // 5. Verify the larger files by size and hash, then move them into place. The one-block
    // files were written as their block came: they are visited only when some did not make it.
    for (const r of state.pendingFiles(done.size < singles)) {
      rowDone();
      await eventLoopTurn();
      if (done.has(r.ID)) continue;
      if (failed.has(r.ID) || r.Tmp === null) {
        if (r.Tmp) Deno.removeSync(r.Tmp);
        logger.error(`Failed to restore ${r.Path}: some of its data is missing or damaged`);
        failed.add(r.ID);
        continue;
      }
      if (verify) {
        const size = Deno.statSync(r.Tmp).size;
        const ok = hashOk.has(r.ID) ||
          (!hashBad.has(r.ID) && await fileHashEquals(r.Tmp, r.FullHash!));
        if (size !== r.Length || !ok) {
          Deno.removeSync(r.Tmp);
          failed.add(r.ID);
          logger.error(
            `Failed to restore ${r.Path}: the restored content does not match the backup ` +
              `(size ${size}, expected ${r.Length})`,
          );
          continue;
        }
        result.verifiedFiles++;
      }
      Deno.renameSync(r.Tmp, r.Target);
      done.add(r.ID);
      result.restoredFiles++;
      result.sizeRestored += r.Length;
    }
  } finally {
    // After an error (or a stop), no temporary file is left behind.
    for (const r of state.tmpFiles()) {
      try {
        Deno.removeSync(r.Tmp);
      } catch { /* already renamed or removed */ }
    }
  }
  progress({
    operation: "Restore",
    phase: "Applying metadata",
    filesDone: result.restoredFiles,
    filesTotal,
    bytesDone,
    bytesTotal,
  });

  // 6. Metadata: files, then symlinks, then folders deepest first.
  const meta = (blob: Uint8Array | null): Map<string, string> | undefined => {
    if (!blob) return undefined;
    try {
      return decodeMetadata(blob);
    } catch (err) {
      logger.warn(`Metadata could not be read: ${(err as Error).message}`);
      return undefined;
    }
  };
  if (!skipMeta) {
    for (const r of state.withMetadata(KIND_FILE)) {
      rowDone();
      await eventLoopTurn();
      if (done.has(r.ID) || r.Done === TARGET_DONE) {
        applyMetadata(r.Target, meta(r.Meta), restorePerms, logger);
      }
    }
  }
  for (const r of state.withMetadata(KIND_SYMLINK)) {
    rowDone();
    await eventLoopTurn();
    const linkTarget = meta(r.Meta)?.get("CoreSymlinkTarget");
    if (linkTarget === undefined) {
      logger.warn(`${r.Path}: the symbolic link has no target recorded; skipped`);
      continue;
    }
    let target = r.Target;
    ensureDir(dirname(target));
    try {
      const st = Deno.lstatSync(target);
      if (!overwrite) {
        if (st.isSymlink && Deno.readLinkSync(target) === linkTarget) {
          result.restoredSymlinks++;
          continue;
        }
        target = freeName(target, fileset.Timestamp);
      } else Deno.removeSync(target);
    } catch { /* missing */ }
    Deno.symlinkSync(linkTarget, target);
    result.restoredSymlinks++;
  }
  if (!skipMeta) {
    for (const r of state.withMetadata(KIND_FOLDER)) {
      rowDone();
      await eventLoopTurn();
      applyMetadata(r.Target, meta(r.Meta), restorePerms, logger);
    }
  }
  state.drop();
  result.exitCode = result.errors.length
    ? ExitCode.Errors
    : result.warnings.length
    ? ExitCode.Warnings
    : ExitCode.Success;
  return result;
}

/**
 * How far the JavaScript heap may grow between full collections in the loops over all entries: the
 * rows and blocks in flight are promoted by young collections and die in the old generation.
 */
const HEAP_GROWTH = 12 << 20;

let rows = 0;

/** Called once per entry by the loops over all entries: checks the heap every 256 rows. */
function rowDone(): void {
  if (++rows % 256 === 0) collectWhenHeapGrows(HEAP_GROWTH);
}

/** Batches waiting in the worker from which on the main thread decodes the next one itself. */
const STEAL_WHEN_BEHIND = 2;

/** Bytes of stored plus inflated blocks per batch sent to a CPU worker. */
const BATCH_BYTES = 1 << 20;

const EMPTY_SHA256 = createHash("sha256").update(new Uint8Array(0)).digest();

/** A free name for a file that must not be overwritten: `name.yyyy-MM-dd[ (n)].ext`. */
function freeName(target: string, versionTime: number): string {
  const d = new Date(versionTime).toISOString().slice(0, 10);
  const dir = dirname(target);
  const base = target.slice(dir.length + 1);
  const dot = base.lastIndexOf(".");
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const ext = dot > 0 ? base.slice(dot) : "";
  for (let i = 0;; i++) {
    const cand = join(dir, `${stem}.${d}${i ? ` (${i})` : ""}${ext}`);
    try {
      Deno.lstatSync(cand);
    } catch {
      return cand;
    }
  }
}

/**
 * Writes `data` as the whole content of `path`. Not Deno.writeFileSync: that copies the data into
 * fresh memory first, whose pages fault in one by one (3.5× slower for 1 MB files, measured).
 */
function writeWholeFile(path: string, data: Uint8Array): void {
  const f = Deno.openSync(path, { write: true, create: true, truncate: true });
  try {
    let off = 0;
    while (off < data.length) off += f.writeSync(data.subarray(off));
  } finally {
    f.close();
  }
}

/** True when the file's SHA-256 is `expected`. */
async function fileHashEquals(path: string, expected: Uint8Array): Promise<boolean> {
  return (await hashFile(path)).hash === toBase64(expected);
}

function applyMetadata(
  target: string,
  meta: Map<string, string> | undefined,
  perms: boolean,
  logger: Logger,
): void {
  if (!meta) return;
  const m = parsePosixMetadata(meta);
  try {
    if (perms && m.perm !== undefined) Deno.chmodSync(target, m.perm);
    if (perms && m.uid !== undefined && m.gid !== undefined && Deno.uid?.() === 0) {
      try {
        Deno.chownSync(target, m.uid, m.gid);
      } catch { /* not permitted: keep the current owner */ }
    }
    if (m.mtimeMs !== undefined && !Number.isNaN(m.mtimeMs)) {
      const d = new Date(m.mtimeMs);
      Deno.utimeSync(target, d, d);
    }
  } catch (err) {
    logger.warn(`Could not set the metadata of ${target}: ${(err as Error).message}`);
  }
}
