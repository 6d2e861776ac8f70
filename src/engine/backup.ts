/**
 * The backup operation: walk the sources, skip what did not change, split the rest into
 * fixed-size blocks, store each new block once in a dblock volume (with its dindex), and upload
 * the version's dlist last. Crash-safe: see `recovery.ts` for how an interrupted run is cleaned up.
 */
import { createHash } from "node:crypto";
import { sha256 } from "../core/sha256.ts";
import { collectAllGarbage } from "../core/memory.ts";
import { eventLoopTurn } from "../core/event_loop.ts";
import type { OptionValues } from "../core/option_values.ts";
import type { FilterList } from "../core/filters.ts";
import { CancelledError, ExitCode, UserError } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import { noProgress, type ProgressEvent, type ProgressSink } from "../core/progress.ts";
import { equalBytes, toBase64 } from "../core/bytes.ts";
import { encodeMetadata } from "../format/metadata.ts";
import { nextFreeDlistName, parseVolumeName } from "../format/volume_names.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { FOLDER_BLOCKSET_ID, SYMLINK_BLOCKSET_ID, VolumeState, VolumeType } from "../db/schema.ts";
import { blocksetFor, findBlockset, insertBlockIfNew, metadatasetFor } from "../db/blocks.ts";
import {
  addFileset,
  addFilesetEntry,
  completedFilesets,
  countEntries,
  deleteFileset,
  fileId,
  findPrefixId,
  prefixId,
  previousEntry,
  splitPath,
} from "../db/filesets.ts";
import { addVolume, deleteVolumeRow, setVolumeState } from "../db/volumes.ts";
import { DblockWriter } from "./dblock_writer.ts";
import {
  blocksetsWithLostBlocks,
  makePartialFileset,
  metadatasetsWithLostBlocks,
} from "../db/repair.ts";
import { VolumeUploader } from "./uploader.ts";
import { sealVolume } from "./remote_volumes.ts";
import { type FormatSettings, formatSettings, openDatabase, Session } from "./session.ts";
import { type SourceEntry, walkOptionsFrom, walkSources } from "./source_walker.ts";
import { metadataOf } from "./metadata_source.ts";
import { SourceCounter } from "./source_counter.ts";
import { isIncompressibleName } from "./compress_hint.ts";
import { autoVacuum } from "./vacuum.ts";
import { afterBackup, type AfterBackupResult, exitCodeAfter } from "./after_backup.ts";
import { writeDlist } from "./dlist_writer.ts";
import { type BackendStatistics, statisticsFromDatabase } from "./remote_files.ts";
import {
  assertNotRecreating,
  checkRemoteAgainstDatabase,
  verifyFormatSettings,
} from "./preflight.ts";
import { expandPortablePaths } from "../core/portable_paths.ts";

/** What a backup did. */
export interface BackupResult {
  /**
   * Name and time of the new version's dlist, if one was uploaded; `partial` when the backup was
   * stopped before it had seen every source file (the version then holds the files it finished).
   */
  version?: { name: string; time: Date; partial: boolean };
  /** True when a stop request ended the backup early (exit code 50 when a version was kept). */
  interrupted: boolean;
  examinedFiles: number;
  openedFiles: number;
  addedFiles: number;
  modifiedFiles: number;
  deletedFiles: number;
  unchangedFiles: number;
  addedFolders: number;
  sizeOfExaminedFiles: number;
  sizeOfAddedFiles: number;
  sizeOfModifiedFiles: number;
  newBlocks: number;
  bytesUploaded: number;
  filesUploaded: number;
  warnings: string[];
  errors: string[];
  durationMs: number;
  dryRun: boolean;
  exitCode: number;
  /** Retention, compact and the sample test run afterwards. */
  maintenance?: AfterBackupResult;
  /** What the backup occupies at the destination afterwards (not after a dry run). */
  backendStatistics?: BackendStatistics;
}

/** Inputs besides the options. */
export interface BackupRequest {
  url: string;
  sources: string[];
  options: OptionValues;
  filters: FilterList;
  progress?: ProgressSink;
  logger?: Logger;
  /** Abort: ends the backup at once, inside a file between two blocks. */
  signal?: AbortSignal;
  /**
   * Stop (see core/cancellation.ts): ends the walk between two files (a large file in progress is
   * left at its previous version), uploads what is done as a partial version and skips retention,
   * compact and the sample test.
   */
  stopSignal?: AbortSignal;
  /**
   * Called once the new version is uploaded, before retention, compact and the sample test
   * (`--run-script-post-backup` runs here).
   */
  afterUpload?: () => Promise<void>;
}

interface Counters {
  examined: number;
  opened: number;
  added: number;
  modified: number;
  unchanged: number;
  addedFolders: number;
  changedOther: number;
  sizeExamined: number;
  sizeAdded: number;
  sizeModified: number;
  newBlocks: number;
  matchedPrevious: number;
}

/** Runs a backup. Throws UserError for problems the user must fix before any data is sent. */
export async function backup(request: BackupRequest): Promise<BackupResult> {
  const req = { ...request, sources: expandPortablePaths(request.sources) };
  const started = Date.now();
  const opts = req.options;
  const logger = req.logger ?? new Logger();
  const progress = req.progress ?? noProgress;
  const settings = formatSettings(opts);
  const dryRun = opts.bool("dry-run");
  if (req.sources.length === 0) {
    throw new UserError("No source folders given: backup <url> <source> [<source> ...]", {
      exitCode: ExitCode.BadArguments,
    });
  }
  const session = await Session.open(req.url, opts, logger, "Backup");
  let db: LocalDatabase | undefined;
  try {
    db = openDatabase(req.url, opts);
    assertNotRecreating(db);
    verifyFormatSettings(db, settings, opts);
    const remote = await checkRemoteAgainstDatabase(session, db, settings, {
      autoCreateFolder: true,
    });
    const result = await runBackup(session, db, settings, req, remote, logger, progress, dryRun);
    await req.afterUpload?.();
    let maintained = false;
    if (!result.interrupted && !req.stopSignal?.aborted) {
      // A stop during retention, compact or the sample test ends them; the version is done.
      const signals = [req.signal, req.stopSignal].filter((s): s is AbortSignal => !!s);
      try {
        result.maintenance = await afterBackup(session, db, settings, {
          dryRun,
          progress,
          signal: signals.length ? AbortSignal.any(signals) : undefined,
        });
        result.exitCode = exitCodeAfter(result.exitCode, result.maintenance);
        maintained = true;
      } catch (err) {
        if (!req.stopSignal?.aborted || req.signal?.aborted) throw err;
        // What the clean-up had not committed is undone here and finished by the next run.
        db.rollback();
        logger.info("Stopped during the clean-up after the backup; the next backup finishes it");
      }
    }
    if (maintained) autoVacuum(db, opts, logger);
    if (!dryRun) result.backendStatistics = await statisticsFromDatabase(session, db);
    result.durationMs = Date.now() - started;
    return result;
  } finally {
    db?.close();
    await session.close();
  }
}

async function runBackup(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  req: BackupRequest,
  remoteNames: Set<string>,
  logger: Logger,
  sink: ProgressSink,
  dryRun: boolean,
): Promise<BackupResult> {
  const opts = req.options;
  const opTime = new Date(Math.floor(Date.now() / 1000) * 1000);
  const previous = completedFilesets(db)[0];
  const c: Counters = {
    examined: 0,
    opened: 0,
    added: 0,
    modified: 0,
    unchanged: 0,
    addedFolders: 0,
    changedOther: 0,
    sizeExamined: 0,
    sizeAdded: 0,
    sizeModified: 0,
    newBlocks: 0,
    matchedPrevious: 0,
  };
  const uploader = new VolumeUploader(session, opts.int("asynchronous-upload-limit", 4)!);
  const indexPolicy = (opts.enumValue("index-file-policy") ?? "Full") as "None" | "Lookup" | "Full";

  db.begin();
  const operationId = db.addOperation("Backup", opTime.getTime());
  const dlistName = nextFreeDlistName(remoteNames, {
    prefix: settings.prefix,
    time: opTime,
    compression: "zip",
    encryption: settings.encryption,
  });
  const dlistTime = parseVolumeName(dlistName, settings.prefix)!.time!;
  const dlistVolumeId = addVolume(
    db,
    dlistName,
    VolumeType.Files,
    VolumeState.Temporary,
    operationId,
  );
  const filesetId = addFileset(db, operationId, dlistVolumeId, dlistTime.getTime(), true);
  const writer = new DblockWriter(session, settings, db, operationId, uploader, indexPolicy);
  const ctx = new BackupContext(db, settings, writer, dryRun, c, opts, filesetId, req, sink);
  db.checkpoint();

  const walkOpts = walkOptionsFrom(opts, req.filters, (m: string) => logger.warn(m));
  const checkFiletimeOnly = opts.bool("check-filetime-only");
  const disableFiletimeCheck = opts.bool("disable-filetime-check");
  for (const s of req.sources) {
    try {
      Deno.lstatSync(s);
    } catch {
      if (opts.bool("allow-missing-source")) {
        logger.warn(`The source ${s} does not exist; it was skipped`);
        continue;
      }
      db.rollback();
      throw new UserError(
        `The source ${s} does not exist. Check the path, or use --allow-missing-source to back up ` +
          `the other sources anyway.`,
        { code: "SourceMissing", exitCode: ExitCode.Fatal },
      );
    }
  }
  const sources = req.sources.filter((s) => {
    try {
      Deno.lstatSync(s);
      return true;
    } catch {
      return false;
    }
  });

  // Totals for the progress display, counted a slice at a time between the files (see
  // SourceCounter); a slice is far ahead of the backup, so the count ends early in the run. The
  // count walks the sources a second time: skipped when nobody watches the progress.
  const counter = sink === noProgress ? undefined : new SourceCounter(sources, walkOpts);
  const totals = (): Partial<ProgressEvent> =>
    !counter
      ? {}
      : counter.counting
      ? { filesTotal: counter.files, bytesTotal: counter.bytes, stillCounting: true }
      : counter.done
      ? { filesTotal: counter.files, bytesTotal: counter.bytes, stillCounting: false }
      : { stillCounting: false };
  const progress: ProgressSink = (e) => sink({ ...totals(), ...e });
  ctx.progress = progress;

  let lastProgress = 0;
  let entries = 0;
  let interrupted = false;
  for (const entry of walkSources(sources, walkOpts)) {
    throwIfAborted(req.signal);
    if (req.stopSignal?.aborted) {
      interrupted = true;
      break;
    }
    uploader.check();
    try {
      await ctx.processEntry(entry, previous?.ID, {
        checkFiletimeOnly,
        disableFiletimeCheck,
      });
    } catch (err) {
      if (err instanceof StoppedInsideFile) {
        logger.info(`Stopped while reading ${entry.path}; it keeps its previous version`);
        interrupted = true;
        break;
      }
      if (err instanceof UserError || err instanceof CancelledError) throw err;
      if (req.signal?.aborted) throw req.signal.reason;
      logger.warn(`Failed to process ${entry.path}: ${(err as Error).message}`);
    }
    const counted = counter?.counting && counter.advance(COUNT_SLICE);
    const now = Date.now();
    if (counted || now - lastProgress > 100) {
      lastProgress = now;
      progress({
        operation: "Backup",
        phase: "Processing files",
        filesDone: c.examined,
        bytesDone: c.sizeExamined,
        current: entry.path,
      });
    }
    if (writer.full) await writer.closeVolume();
    await eventLoopTurn();
    // Native hasher and file objects are freed only by full collections; keep them few.
    if (++entries % 20_000 === 0) collectAllGarbage();
  }
  counter?.stop();
  // The walk's caches are not needed any more: free them before the file list is written.
  ctx.release();
  collectAllGarbage();
  // An abort (also one that follows a stop) still ends the run before its version is uploaded.
  throwIfAborted(req.signal);
  await writer.closeVolume();
  throwIfAborted(req.signal);
  progress({
    operation: "Backup",
    phase: "Uploading",
    filesDone: c.examined,
    bytesDone: c.sizeExamined,
  });
  await uploader.drain();
  throwIfAborted(req.signal);

  const prevCount = previous ? countEntries(db, previous.ID) : 0;
  // A stopped walk did not see every file: the ones it missed are not deleted.
  const deleted = interrupted ? 0 : Math.max(0, prevCount - c.matchedPrevious);
  // A first backup is a version even when empty, unless a stop came before it stored anything.
  const changed = c.added + c.modified + c.changedOther + deleted > 0 ||
    (!previous && (!interrupted || c.addedFolders > 0));
  const result: BackupResult = {
    examinedFiles: c.examined,
    openedFiles: c.opened,
    addedFiles: c.added,
    modifiedFiles: c.modified,
    deletedFiles: deleted,
    unchangedFiles: c.unchanged,
    addedFolders: c.addedFolders,
    sizeOfExaminedFiles: c.sizeExamined,
    sizeOfAddedFiles: c.sizeAdded,
    sizeOfModifiedFiles: c.sizeModified,
    newBlocks: c.newBlocks,
    bytesUploaded: 0,
    filesUploaded: 0,
    warnings: logger.warnings,
    errors: logger.errors,
    durationMs: 0,
    dryRun,
    exitCode: 0,
    interrupted,
  };

  if (dryRun) {
    db.rollback();
    logger.log("DryRun", `Would upload a new version with ${c.newBlocks} new blocks`);
  } else if (!changed && !opts.bool("upload-unchanged-backups")) {
    deleteFileset(db, filesetId);
    deleteVolumeRow(db, dlistVolumeId);
    db.commit();
    logger.info("No changes were found; no new version was created");
  } else {
    progress({
      operation: "Backup",
      phase: "Uploading file list",
      filesDone: c.examined,
      bytesDone: c.sizeExamined,
    });
    if (interrupted) {
      // The partial version: the files finished now, the rest as the version before had them.
      makePartialFileset(db, filesetId, previous?.ID);
      db.checkpoint();
    }
    const zipPath = await writeDlist(session, db, settings, filesetId, !interrupted);
    const sealed = await sealVolume(settings, zipPath);
    throwIfAborted(req.signal);
    setVolumeState(db, dlistVolumeId, VolumeState.Uploading, sealed);
    db.checkpoint();
    session.remoteLog.knownHash(dlistName, sealed.hash);
    await uploader.put(dlistName, sealed.path, sealed.size);
    setVolumeState(db, dlistVolumeId, VolumeState.Uploaded);
    db.commit();
    result.version = { name: dlistName, time: dlistTime, partial: interrupted };
  }
  result.bytesUploaded = uploader.bytesUploaded;
  result.filesUploaded = uploader.filesUploaded;
  result.exitCode = interrupted && result.version
    ? ExitCode.Partial
    : result.errors.length
    ? ExitCode.Errors
    : result.warnings.length
    ? ExitCode.Warnings
    : result.bytesUploaded === 0
    ? ExitCode.NothingUploaded
    : ExitCode.Success;
  return result;
}

/** Source entries counted for the progress totals per file the backup processes. */
const COUNT_SLICE = 200;

/** A stop request reached the backup in the middle of a file; the file is left out. */
class StoppedInsideFile extends Error {
  constructor() {
    super("Stopped inside a file");
    this.name = "StoppedInsideFile";
  }
}

/** Throws the abort reason (a CancelledError unless the caller gave another). */
function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new CancelledError("Backup aborted");
}

/** Per-run state for turning source entries into database rows and blocks. */
class BackupContext {
  private prefixCache = new Map<string, number>();
  private readBuf: Uint8Array<ArrayBuffer>;
  private hpb: number;
  /** Contents whose data was lost remotely (repair): read again even when unchanged. */
  private lostBlocksets: Set<number>;
  private lostMetadata: Set<number>;

  constructor(
    private db: LocalDatabase,
    private settings: FormatSettings,
    private writer: DblockWriter,
    private dryRun: boolean,
    private c: Counters,
    private opts: OptionValues,
    private filesetId: number,
    private req: Pick<BackupRequest, "signal" | "stopSignal">,
    /** Replaced by the backup loop with a sink that adds the totals. */
    public progress: ProgressSink,
  ) {
    this.readBuf = new Uint8Array(settings.blocksize);
    this.hpb = settings.blocksize / settings.hashSize;
    this.lostBlocksets = blocksetsWithLostBlocks(db);
    this.lostMetadata = metadatasetsWithLostBlocks(db, this.lostBlocksets);
  }

  /** Drops the lookup caches (after the walk). */
  release(): void {
    this.prefixCache.clear();
    this.metaCache.clear();
  }

  private prefix(p: string, create: boolean): number | undefined {
    let id = this.prefixCache.get(p);
    if (id !== undefined) return id;
    id = create ? prefixId(this.db, p) : findPrefixId(this.db, p);
    if (id !== undefined) {
      if (this.prefixCache.size > 50_000) this.prefixCache.clear();
      this.prefixCache.set(p, id);
    }
    return id;
  }

  async processEntry(
    e: SourceEntry,
    previousFilesetId: number | undefined,
    o: { checkFiletimeOnly: boolean; disableFiletimeCheck: boolean },
  ): Promise<void> {
    const [folder, name] = splitPath(e.path);
    const pid = this.prefix(folder, true)!;
    const prev = previousFilesetId !== undefined
      ? previousEntry(this.db, previousFilesetId, pid, name)
      : undefined;
    if (prev) this.c.matchedPrevious++;
    const metaBlob = this.opts.bool("skip-metadata")
      ? encodeMetadata(new Map())
      : encodeMetadata(metadataOf(e));
    const metaHash = sha256(metaBlob);
    const metaSame = prev !== undefined && equalBytes(prev.MetaHash, metaHash) &&
      !this.lostMetadata.has(prev.MetadataID);
    const mtime = e.info.mtime?.getTime() ?? 0;

    if (e.kind !== "file") {
      const bsid = e.kind === "folder" ? FOLDER_BLOCKSET_ID : SYMLINK_BLOCKSET_ID;
      if (prev && prev.BlocksetID === bsid && metaSame) {
        addFilesetEntry(this.db, this.fsId(), prev.FileID, mtime);
        return;
      }
      const metaId = await this.storeMetadata(metaBlob, metaHash);
      const fid = fileId(this.db, pid, name, bsid, metaId);
      addFilesetEntry(this.db, this.fsId(), fid, mtime);
      if (!prev) {
        if (e.kind === "folder") this.c.addedFolders++;
        else this.c.changedOther++;
      } else this.c.changedOther++;
      return;
    }

    this.c.examined++;
    this.c.sizeExamined += e.info.size;
    const timeAndSizeSame = prev !== undefined && prev.BlocksetID >= 0 &&
      prev.Length === e.info.size && prev.Lastmodified === mtime &&
      !this.lostBlocksets.has(prev.BlocksetID);
    if (
      prev && timeAndSizeSame && !o.disableFiletimeCheck && (metaSame || o.checkFiletimeOnly)
    ) {
      this.c.unchanged++;
      addFilesetEntry(this.db, this.fsId(), prev.FileID, mtime);
      return;
    }
    let blocksetId: number;
    if (prev && timeAndSizeSame && !o.disableFiletimeCheck) {
      blocksetId = prev.BlocksetID; // only the metadata changed: no need to read the content
    } else {
      const r = await this.storeFileContent(e.path, e.info.size, isIncompressibleName(e.path));
      if (r === undefined) return;
      blocksetId = r;
      this.c.opened++;
    }
    const metaId = await this.storeMetadata(metaBlob, metaHash);
    const fid = fileId(this.db, pid, name, blocksetId, metaId);
    addFilesetEntry(this.db, this.fsId(), fid, mtime);
    if (prev) {
      if (prev.FileID === fid) this.c.unchanged++;
      else {
        this.c.modified++;
        this.c.sizeModified += e.info.size;
      }
    } else {
      this.c.added++;
      this.c.sizeAdded += e.info.size;
    }
  }

  /** The ID of the fileset being written. */
  private fsId(): number {
    return this.filesetId;
  }

  /** Stores a new block if it is not known yet; returns its ID. */
  private async putBlock(
    hash: Uint8Array,
    data: Uint8Array,
    compress: boolean,
    isBlocklist: boolean,
    owned = false,
  ): Promise<number> {
    return (await this.putBlockTaken(hash, data, compress, isBlocklist, owned)).id;
  }

  /**
   * Like {@link putBlock}; `taken` tells whether an `owned` buffer was kept (the block was new),
   * so the caller must not reuse it.
   */
  private async putBlockTaken(
    hash: Uint8Array,
    data: Uint8Array,
    compress: boolean,
    isBlocklist: boolean,
    owned: boolean,
  ): Promise<{ id: number; taken: boolean }> {
    if (!this.dryRun) this.writer.ensureOpen();
    const { id, isNew } = insertBlockIfNew(
      this.db,
      hash,
      data.length,
      this.dryRun ? -1 : this.writer.volumeId,
    );
    if (!isNew) return { id, taken: false };
    this.c.newBlocks++;
    if (this.dryRun) return { id, taken: false };
    await this.writer.add(toBase64(hash), owned ? data : data.slice(), compress, isBlocklist);
    if (this.writer.full) await this.writer.closeVolume();
    return { id, taken: owned };
  }

  /** Stores the blocklists of a blockset with more than one block; returns their hashes. */
  private async storeBlocklists(hashes: Uint8Array[]): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    if (hashes.length <= 1) return out;
    for (let k = 0; k < hashes.length; k += this.hpb) {
      const part = hashes.slice(k, k + this.hpb);
      const bl = new Uint8Array(part.length * this.settings.hashSize);
      part.forEach((h, i) => bl.set(h, i * this.settings.hashSize));
      const blHash = sha256(bl);
      await this.putBlock(blHash, bl, false, true);
      out.push(blHash);
    }
    return out;
  }

  /** Stores metadata as a blockset (normally one block) and returns its metadata set ID. */
  private metaCache = new Map<string, number>();

  private async storeMetadata(blob: Uint8Array, hash: Uint8Array): Promise<number> {
    const key = `${toBase64(hash)}:${blob.length}`;
    const cached = this.metaCache.get(key);
    if (cached !== undefined) return cached;
    const id = await this.storeMetadataUncached(blob, hash);
    if (this.metaCache.size > 20_000) this.metaCache.clear();
    this.metaCache.set(key, id);
    return id;
  }

  private async storeMetadataUncached(blob: Uint8Array, hash: Uint8Array): Promise<number> {
    const bsz = this.settings.blocksize;
    if (blob.length <= bsz) {
      // The usual case: one block whose hash is the metadata hash; insert-first saves lookups.
      const id = await this.putBlock(hash, blob, true, false);
      return metadatasetFor(this.db, blocksetFor(this.db, hash, blob.length, [id], []));
    }
    let bs = findBlockset(this.db, hash, blob.length);
    if (bs === undefined) {
      const ids: number[] = [];
      const hashes: Uint8Array[] = [];
      for (let o = 0; o < blob.length; o += bsz) {
        const part = blob.subarray(o, o + bsz);
        const h = sha256(part);
        ids.push(await this.putBlock(h, part, true, false));
        hashes.push(h);
      }
      const lists = await this.storeBlocklists(hashes);
      bs = blocksetFor(this.db, hash, blob.length, ids, lists);
    }
    return metadatasetFor(this.db, bs);
  }

  /** Reads a file block by block and stores it; returns the blockset ID or undefined on error. */
  private async storeFileContent(
    path: string,
    size: number,
    incompressible: boolean,
  ): Promise<number | undefined> {
    if (size < this.settings.blocksize) {
      // Small files: one read, and (one block) the block hash is the file hash.
      let data: Uint8Array;
      try {
        data = Deno.readFileSync(path);
      } catch (err) {
        throw new Error(`cannot read the file: ${(err as Error).message}`);
      }
      if (data.length <= this.settings.blocksize) {
        const full = sha256(data);
        // Read the length first: handing the buffer over (owned) may transfer it to a worker.
        const length = data.length;
        const ids = length ? [await this.putBlock(full, data, !incompressible, false, true)] : [];
        return blocksetFor(this.db, full, length, ids, []);
      }
    }
    let f: Deno.FsFile;
    try {
      f = Deno.openSync(path, { read: true });
    } catch (err) {
      throw new Error(`cannot open the file: ${(err as Error).message}`);
    }
    const fileHasher = createHash("sha256");
    const ids: number[] = [];
    const hashes: Uint8Array[] = [];
    let length = 0;
    let buf = this.readBuf;
    let lastProgress = Date.now();
    try {
      while (true) {
        // Between blocks: abort ends the backup, stop gives up this file (see BackupRequest).
        throwIfAborted(this.req.signal);
        if (this.req.stopSignal?.aborted) throw new StoppedInsideFile();
        const now = Date.now();
        if (now - lastProgress > 250) {
          lastProgress = now;
          this.progress({
            operation: "Backup",
            phase: "Processing files",
            filesDone: this.c.examined,
            bytesDone: this.c.sizeExamined,
            current: path,
            currentSize: size,
            currentOffset: length,
          });
        }
        let n = 0;
        while (n < buf.length) {
          const r = f.readSync(buf.subarray(n));
          if (r === null || r === 0) break;
          n += r;
        }
        if (n === 0) break;
        const block = buf.subarray(0, n);
        fileHasher.update(block);
        const h = sha256(block);
        // A new block keeps the read buffer (no copy); the next block is read into a fresh one.
        const put = await this.putBlockTaken(h, block, !incompressible, false, true);
        if (put.taken) buf = this.readBuf = new Uint8Array(this.settings.blocksize);
        ids.push(put.id);
        hashes.push(h);
        length += n;
        if (n < buf.length) break;
        await eventLoopTurn();
      }
    } finally {
      f.close();
    }
    const full = fileHasher.digest();
    // Blocklists are stored (or found) even for a known blockset: one lookup per blocklist, and a
    // blocklist whose volume was lost is stored again.
    const lists = await this.storeBlocklists(hashes);
    const existing = findBlockset(this.db, full, length);
    if (existing !== undefined) return existing;
    return blocksetFor(this.db, full, length, ids, lists);
  }
}
