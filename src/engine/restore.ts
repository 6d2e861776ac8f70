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
import type { OptionValues } from "../core/option_values.ts";
import { FilterList } from "../core/filters.ts";
import { ExitCode, UserError } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import { noProgress, type ProgressSink } from "../core/progress.ts";
import { base64ToUrl, concatBytes, equalBytes, toBase64 } from "../core/bytes.ts";
import { parseTimeValue, parseVersionList } from "../core/timeparse.ts";
import { ZipReader } from "../format/zip.ts";
import { decodeMetadata, parsePosixMetadata } from "../format/metadata.ts";
import { LocalDatabase } from "../db/local_database.ts";
import { FOLDER_BLOCKSET_ID, SYMLINK_BLOCKSET_ID } from "../db/schema.ts";
import {
  completedFilesets,
  type EntryRow,
  filesetEntries,
  type FilesetRow,
} from "../db/filesets.ts";
import { databasePathFor, type FormatSettings, formatSettings, Session } from "./session.ts";
import { fetchVolume } from "./remote_volumes.ts";
import { importFromRemote, listRemoteVolumes, type RemoteVolume } from "./remote_index.ts";

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
  const session = await Session.open(req.url, opts, logger);
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
    }
    const result = await restoreFileset(session, db, settings, fileset, req, logger, progress);
    result.version = { index: versionIndex, time: new Date(fileset.Timestamp) };
    result.volumesDownloaded += volumesDownloaded;
    result.usedLocalDatabase = usedLocal;
    result.durationMs = Date.now() - started;
    return result;
  } finally {
    db?.close();
    await session.close();
  }
}

function selectionFilter(
  patterns: string[],
  filters: FilterList,
): (path: string, isFolder: boolean) => boolean {
  const pats = patterns.filter((p) => p !== "*" && p !== "");
  const patList = pats.length
    ? FilterList.fromArgs(
      pats.map((p) => {
        if (p.startsWith("[") && p.endsWith("]")) {
          return { include: true, kind: "regex" as const, pattern: p.slice(1, -1) };
        }
        if (p.startsWith("@")) {
          return { include: true, kind: "literal" as const, pattern: p.slice(1) };
        }
        const g = (p.startsWith("*") ? "" : "*") + p + (p.endsWith("*") ? "" : "*");
        return { include: true, kind: "glob" as const, pattern: g };
      }).concat([{ include: false, kind: "glob" as const, pattern: "*" }]),
    )
    : undefined;
  return (path, isFolder) => {
    if (patList && !patList.evaluate(path, isFolder).include) return false;
    return filters.evaluate(path, isFolder).include;
  };
}

async function restoreFileset(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  fileset: FilesetRow,
  req: RestoreRequest,
  logger: Logger,
  progress: ProgressSink,
): Promise<RestoreResult> {
  const opts = req.options;
  const overwrite = opts.bool("overwrite");
  const restorePath = opts.str("restore-path");
  const skipMeta = opts.bool("skip-metadata");
  const restorePerms = opts.bool("restore-permissions");
  const verify = !opts.bool("skip-restore-verification");
  const selected = selectionFilter(req.patterns, req.filters);
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

  // 1. Select entries and compute targets.
  const chosen: { e: EntryRow; seg: string[]; kind: Target["kind"] }[] = [];
  for (const e of filesetEntries(db, fileset.ID)) {
    const kind = e.BlocksetID === FOLDER_BLOCKSET_ID
      ? "folder"
      : e.BlocksetID === SYMLINK_BLOCKSET_ID
      ? "symlink"
      : "file";
    if (!selected(e.Path, kind === "folder")) continue;
    const { segments } = pathSegments(e.Path);
    chosen.push({ e, seg: segments, kind });
  }
  if (chosen.length === 0) {
    logger.warn("No files matched; nothing was restored");
    result.exitCode = ExitCode.Warnings;
    return result;
  }
  let root: string;
  let strip = 0;
  if (restorePath) {
    root = resolve(restorePath);
    if (!opts.bool("dont-compress-restore-paths")) {
      // Strip the longest folder prefix shared by every selected entry.
      const parents = chosen.map((c) => c.kind === "folder" ? c.seg : c.seg.slice(0, -1));
      let common = parents[0].length;
      for (const p of parents) {
        let i = 0;
        while (i < common && i < p.length && p[i] === parents[0][i]) i++;
        common = i;
      }
      strip = common;
    }
  } else {
    root = sep;
  }
  const targets: Target[] = [];
  for (const c of chosen) {
    const rel = c.seg.slice(strip);
    if (rel.length === 0 && c.kind !== "folder") continue;
    const target = rel.length ? join(root, ...rel) : root;
    if (target !== root && !target.startsWith(root.endsWith(sep) ? root : root + sep)) {
      throw new UserError(`Refusing to restore "${c.e.Path}" outside ${root}`, {
        code: "HostilePath",
      });
    }
    targets.push({ entry: c.e, kind: c.kind, target });
  }
  Deno.mkdirSync(root, { recursive: true });
  const realRoot = Deno.realPathSync(root);

  // 2. Folders (and parents of files), checking that no component is a symlink.
  const safeDirs = new Set<string>();
  const ensureDir = (dir: string) => {
    if (safeDirs.has(dir)) return;
    const rel = dir === root ? [] : dir.slice(root.length).split(sep).filter((s) => s);
    let cur = root;
    for (const s of rel) {
      cur = join(cur, s);
      if (safeDirs.has(cur)) continue;
      let st: Deno.FileInfo | undefined;
      try {
        st = Deno.lstatSync(cur);
      } catch { /* missing */ }
      if (st?.isSymlink) {
        throw new UserError(`Refusing to restore into ${cur}: it is a symbolic link`, {
          code: "HostilePath",
        });
      }
      if (st && !st.isDirectory) {
        throw new UserError(`Cannot restore into ${cur}: a file with that name is in the way`, {
          code: "PathInTheWay",
        });
      }
      if (!st) Deno.mkdirSync(cur);
      safeDirs.add(cur);
    }
    if (restorePath && !Deno.realPathSync(dir).startsWith(realRoot)) {
      throw new UserError(`Refusing to restore into ${dir}: it resolves outside ${root}`, {
        code: "HostilePath",
      });
    }
    safeDirs.add(dir);
  };
  for (const t of targets) {
    if (t.kind === "folder") {
      ensureDir(t.target);
      result.restoredFolders++;
    }
  }

  // 3. Decide per file: skip identical, overwrite, or a new name.
  const files = targets.filter((t) => t.kind === "file");
  const todo: Target[] = [];
  const applyNow: Target[] = [];
  let bytesTotal = 0;
  for (const t of files) {
    ensureDir(dirname(t.target));
    let st: Deno.FileInfo | undefined;
    try {
      st = Deno.lstatSync(t.target);
    } catch { /* missing */ }
    if (st) {
      if (st.isSymlink || st.isDirectory) {
        if (!overwrite) {
          t.target = freeName(t.target, fileset.Timestamp);
        } else {
          Deno.removeSync(t.target, { recursive: false });
        }
      } else if (st.size === t.entry.Length && await fileHashEquals(t.target, t.entry.FullHash!)) {
        result.skippedIdentical++;
        result.restoredFiles++;
        applyNow.push(t);
        continue;
      } else if (!overwrite) {
        t.target = freeName(t.target, fileset.Timestamp);
      }
    }
    todo.push(t);
    bytesTotal += t.entry.Length ?? 0;
  }

  // 4. Write blocks, one dblock at a time.
  db.db.exec(
    "DROP TABLE IF EXISTS temp.RestoreFile; CREATE TEMP TABLE RestoreFile(ID INTEGER PRIMARY KEY, BlocksetID INTEGER, Target TEXT)",
  );
  const ins = db.db.prepare("INSERT INTO temp.RestoreFile(ID, BlocksetID, Target) VALUES(?, ?, ?)");
  todo.forEach((t, i) => ins.run(i, t.entry.BlocksetID, t.target));
  let bytesDone = 0;
  try {
    for (const t of todo) {
      const len = t.entry.Length ?? 0;
      if (len === 0) {
        Deno.writeFileSync(t.target, new Uint8Array(0));
        t.done = true;
        result.restoredFiles++;
        result.verifiedFiles++;
        applyNow.push(t);
      } else if (len <= settings.blocksize) {
        t.single = true;
      } else {
        // Larger files are written to a temporary name beside the target, renamed only once
        // verified: a failed restore never leaves a damaged file under the real name, nor
        // destroys the old one.
        t.tmp = join(dirname(t.target), `.${crypto.randomUUID().slice(0, 8)}.restore-tmp`);
        Deno.writeFileSync(t.tmp, new Uint8Array(0));
      }
    }
    const plan = db.db.prepare(
      `SELECT rf.ID AS F, be.Idx AS Idx, b.Hash AS Hash, b.Size AS Size, b.VolumeID AS V, v.Name AS Name,
         v.Size AS VSize, v.Hash AS VHash
       FROM temp.RestoreFile rf JOIN BlocksetEntry be ON be.BlocksetID = rf.BlocksetID
       JOIN Block b ON b.ID = be.BlockID LEFT JOIN Remotevolume v ON v.ID = b.VolumeID
       ORDER BY b.VolumeID, rf.ID, be.Idx`,
    );
    let curVol = -2;
    let zip: ZipReader | undefined;
    let zipPath = "";
    const failed = new Set<number>();
    const openFiles = new Map<number, Deno.FsFile>();
    const closeAll = () => {
      for (const f of openFiles.values()) f.close();
      openFiles.clear();
    };
    try {
      for (
        const row of plan.iterate() as Iterable<
          {
            F: number;
            Idx: number;
            Hash: Uint8Array;
            Size: number;
            V: number;
            Name: string | null;
            VSize: number | null;
            VHash: string | null;
          }
        >
      ) {
        if (failed.has(row.F)) continue;
        if (row.V !== curVol) {
          closeAll();
          if (zip) {
            zip.close();
            await Deno.remove(zipPath).catch(() => {});
            zip = undefined;
          }
          curVol = row.V;
          if (!row.Name) {
            failed.add(row.F);
            logger.error(`${todo[row.F].entry.Path}: a block of this file is in no known volume`);
            continue;
          }
          progress({
            operation: "Restore",
            phase: "Downloading " + row.Name,
            filesDone: result.restoredFiles,
            filesTotal: files.length,
            bytesDone,
            bytesTotal,
          });
          try {
            zipPath = await fetchVolume(session, settings, row.Name, {
              size: row.VSize !== null && row.VSize >= 0 ? row.VSize : undefined,
              hash: row.VHash ?? undefined,
            });
            zip = await ZipReader.open(zipPath);
            result.volumesDownloaded++;
          } catch (err) {
            if (err instanceof UserError && err.code === "WrongPassphrase") throw err;
            logger.error(`Cannot read ${row.Name}: ${(err as Error).message}`);
            zip = undefined;
          }
        }
        if (req.signal?.aborted) throw req.signal.reason ?? new Error("Restore cancelled");
        if (!zip) {
          failed.add(row.F);
          continue;
        }
        let data: Uint8Array;
        try {
          data = zip.read(base64ToUrl(toBase64(row.Hash)));
          if (data.length !== row.Size) throw new Error("wrong block size");
        } catch (err) {
          failed.add(row.F);
          logger.error(
            `${todo[row.F].entry.Path}: block missing or damaged in ${row.Name}: ${
              (err as Error).message
            }`,
          );
          continue;
        }
        const t = todo[row.F];
        if (t.single) {
          // The block is the whole file: check it against the file hash before writing anything.
          if (!equalBytes(createHash("sha256").update(data).digest(), t.entry.FullHash!)) {
            failed.add(row.F);
            continue;
          }
          Deno.writeFileSync(t.target, data);
          t.done = true;
          result.restoredFiles++;
          result.verifiedFiles++;
          result.sizeRestored += data.length;
          bytesDone += data.length;
          applyNow.push(t);
          continue;
        }
        let f = openFiles.get(row.F);
        if (!f) {
          if (openFiles.size >= 64) closeAll();
          f = Deno.openSync(todo[row.F].tmp!, { write: true });
          openFiles.set(row.F, f);
        }
        f.seekSync(row.Idx * settings.blocksize, Deno.SeekMode.Start);
        let off = 0;
        while (off < data.length) off += f.writeSync(data.subarray(off));
        bytesDone += data.length;
      }
    } finally {
      closeAll();
      if (zip) {
        zip.close();
        await Deno.remove(zipPath).catch(() => {});
      }
    }

    // 5. Verify every file by size and hash.
    for (let i = 0; i < todo.length; i++) {
      const t = todo[i];
      if (t.done) continue;
      if (failed.has(i) || t.single) {
        if (t.tmp) Deno.removeSync(t.tmp);
        logger.error(`Failed to restore ${t.entry.Path}: some of its data is missing or damaged`);
        continue;
      }
      if (verify) {
        const size = Deno.statSync(t.tmp!).size;
        if (size !== t.entry.Length || !(await fileHashEquals(t.tmp!, t.entry.FullHash!))) {
          Deno.removeSync(t.tmp!);
          logger.error(
            `Failed to restore ${t.entry.Path}: the restored content does not match the backup ` +
              `(size ${size}, expected ${t.entry.Length})`,
          );
          continue;
        }
        result.verifiedFiles++;
      }
      Deno.renameSync(t.tmp!, t.target);
      result.restoredFiles++;
      result.sizeRestored += t.entry.Length ?? 0;
      applyNow.push(t);
    }
  } finally {
    // After an error (or a stop), no temporary file is left behind.
    for (const t of todo) {
      try {
        if (t.tmp) Deno.removeSync(t.tmp);
      } catch { /* already renamed or removed */ }
    }
  }
  progress({
    operation: "Restore",
    phase: "Applying metadata",
    filesDone: result.restoredFiles,
    filesTotal: files.length,
    bytesDone,
    bytesTotal,
  });

  // 6. Metadata: files, then symlinks, then folders deepest first.
  const metaOf = await loadMetadata(session, db, settings, targets, logger);
  if (!skipMeta) {
    for (const t of applyNow) {
      applyMetadata(t, metaOf.get(t.entry.MetaBlocksetID), restorePerms, logger);
    }
  }
  for (const t of targets.filter((t) => t.kind === "symlink")) {
    const meta = metaOf.get(t.entry.MetaBlocksetID);
    const target = meta?.get("CoreSymlinkTarget");
    if (target === undefined) {
      logger.warn(`${t.entry.Path}: the symbolic link has no target recorded; skipped`);
      continue;
    }
    ensureDir(dirname(t.target));
    try {
      const st = Deno.lstatSync(t.target);
      if (!overwrite) {
        if (st.isSymlink && Deno.readLinkSync(t.target) === target) {
          result.restoredSymlinks++;
          continue;
        }
        t.target = freeName(t.target, fileset.Timestamp);
      } else Deno.removeSync(t.target);
    } catch { /* missing */ }
    Deno.symlinkSync(target, t.target);
    result.restoredSymlinks++;
  }
  if (!skipMeta) {
    const folders = targets.filter((t) => t.kind === "folder").sort((a, b) =>
      b.target.length - a.target.length
    );
    for (const t of folders) {
      applyMetadata(t, metaOf.get(t.entry.MetaBlocksetID), restorePerms, logger);
    }
  }
  result.exitCode = result.errors.length
    ? ExitCode.Errors
    : result.warnings.length
    ? ExitCode.Warnings
    : ExitCode.Success;
  return result;
}

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

async function fileHashEquals(path: string, expected: Uint8Array): Promise<boolean> {
  const h = createHash("sha256");
  const f = await Deno.open(path);
  const buf = new Uint8Array(1 << 20);
  try {
    while (true) {
      const n = await f.read(buf);
      if (n === null) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    f.close();
  }
  return equalBytes(h.digest(), expected);
}

/** Reads the metadata blobs of the given entries (one download per dblock that holds them). */
async function loadMetadata(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  targets: Target[],
  logger: Logger,
): Promise<{ get(id: number): Map<string, string> | undefined }> {
  // Raw blobs only (a few hundred bytes each); decoded when applied, so memory stays small.
  const raw = new Map<number, Uint8Array>();
  db.db.exec(
    "DROP TABLE IF EXISTS temp.RestoreMeta; CREATE TEMP TABLE RestoreMeta(BlocksetID INTEGER PRIMARY KEY)",
  );
  const ins = db.db.prepare("INSERT OR IGNORE INTO temp.RestoreMeta(BlocksetID) VALUES(?)");
  for (const t of targets) ins.run(t.entry.MetaBlocksetID);
  const rows = db.db.prepare(
    `SELECT rm.BlocksetID AS B, be.Idx AS Idx, b.Hash AS Hash, b.Size AS Size, v.Name AS Name, v.Size AS VSize, v.Hash AS VHash
     FROM temp.RestoreMeta rm JOIN BlocksetEntry be ON be.BlocksetID = rm.BlocksetID
     JOIN Block b ON b.ID = be.BlockID LEFT JOIN Remotevolume v ON v.ID = b.VolumeID
     ORDER BY b.VolumeID, rm.BlocksetID, be.Idx`,
  ).all() as {
    B: number;
    Idx: number;
    Hash: Uint8Array;
    Size: number;
    Name: string | null;
    VSize: number | null;
    VHash: string | null;
  }[];
  const parts = new Map<number, Uint8Array[]>();
  let cur: string | null = null;
  let zip: ZipReader | undefined;
  let zipPath = "";
  try {
    for (const r of rows) {
      if (r.Name !== cur) {
        if (zip) {
          zip.close();
          await Deno.remove(zipPath).catch(() => {});
          zip = undefined;
        }
        cur = r.Name;
        if (!r.Name) continue;
        try {
          zipPath = await fetchVolume(session, settings, r.Name, {
            size: r.VSize !== null && r.VSize >= 0 ? r.VSize : undefined,
            hash: r.VHash ?? undefined,
          });
          zip = await ZipReader.open(zipPath);
        } catch (err) {
          if (err instanceof UserError && err.code === "WrongPassphrase") throw err;
          logger.warn(`Cannot read metadata from ${r.Name}: ${(err as Error).message}`);
        }
      }
      if (!zip) continue;
      try {
        const d = zip.read(base64ToUrl(toBase64(r.Hash)));
        const list = parts.get(r.B) ?? [];
        list[r.Idx] = d;
        parts.set(r.B, list);
      } catch { /* reported below as missing metadata */ }
    }
  } finally {
    if (zip) {
      zip.close();
      await Deno.remove(zipPath).catch(() => {});
    }
  }
  for (const [b, list] of parts) {
    raw.set(b, list.length === 1 ? list[0] : concatBytes(list));
  }
  parts.clear();
  return {
    get(id: number) {
      const blob = raw.get(id);
      if (!blob) return undefined;
      try {
        return decodeMetadata(blob);
      } catch (err) {
        logger.warn(`Metadata could not be read: ${(err as Error).message}`);
        return undefined;
      }
    },
  };
}

function applyMetadata(
  t: Target,
  meta: Map<string, string> | undefined,
  perms: boolean,
  logger: Logger,
): void {
  if (!meta) return;
  const m = parsePosixMetadata(meta);
  try {
    if (perms && m.perm !== undefined) Deno.chmodSync(t.target, m.perm);
    if (perms && m.uid !== undefined && m.gid !== undefined && Deno.uid?.() === 0) {
      try {
        Deno.chownSync(t.target, m.uid, m.gid);
      } catch { /* not permitted: keep the current owner */ }
    }
    if (m.mtimeMs !== undefined && !Number.isNaN(m.mtimeMs)) {
      const d = new Date(m.mtimeMs);
      Deno.utimeSync(t.target, d, d);
    }
  } catch (err) {
    logger.warn(`Could not set the metadata of ${t.target}: ${(err as Error).message}`);
  }
}

/** Base64 SHA-256 helper for callers that compare restored data. */
export function sha256File(path: string): string {
  return toBase64(createHash("sha256").update(Deno.readFileSync(path)).digest());
}
