/**
 * Fills a local database from the remote files alone: dlists (the versions), dindex files (which
 * dblock holds which block, and the blocklists), and dblocks only where an index is missing.
 * Used by restore without a local database (into a temporary database) and by recreate.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { IntegrityError, UserError } from "../core/errors.ts";
import { fromBase64 } from "../core/bytes.ts";
import { collectWhenHeapGrows } from "../core/memory.ts";
import type { ProgressSink } from "../core/progress.ts";
import { ZipReader } from "../format/zip.ts";
import { decodeManifest, type Manifest, verifyManifest } from "../format/manifest.ts";
import { decodeFileset, type FilelistEntry, FilelistParser } from "../format/filelist.ts";
import {
  decodeVolumeIndex,
  hashFromEntryName,
  isBlockEntryName,
  LIST_PREFIX,
  VOL_PREFIX,
} from "../format/dindex.ts";
import { type ParsedVolumeName, parseVolumeName } from "../format/volume_names.ts";
import { hashesPerBlocklist } from "../format/blocks.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { type BlocksetSpec, FilesetImporter } from "../db/fileset_import.ts";
import {
  blockVolumesOfIndexName,
  expandBlocklist,
  isScanned,
  isWantedBlocklist,
  markScanned,
  missingBlocklistCount,
  placeBlock,
  placeBlocks,
  setVolumeSize,
  volumesHoldingMissingBlocklists,
} from "../db/remote_import.ts";
import { FOLDER_BLOCKSET_ID, SYMLINK_BLOCKSET_ID, VolumeState, VolumeType } from "../db/schema.ts";
import { addFileset, splitPath } from "../db/filesets.ts";
import { addVolume, linkIndex, volumeByName } from "../db/volumes.ts";
import type { RemoteEntry } from "../backends/backend.ts";
import type { FormatSettings, Session } from "./session.ts";
import { fetchVolume, type OpenedVolume, openVolume } from "./remote_volumes.ts";

/** A remote volume found in the listing. */
export interface RemoteVolume {
  name: string;
  size: number;
  parsed: ParsedVolumeName;
}

/** Lists the remote and returns this backup's volumes, dlists newest first. */
export async function listRemoteVolumes(
  session: Session,
  prefix: string,
): Promise<
  { dlists: RemoteVolume[]; dindex: RemoteVolume[]; dblocks: RemoteVolume[]; all: RemoteEntry[] }
> {
  const all = await session.backend.list();
  const vols: RemoteVolume[] = [];
  for (const r of all) {
    if (r.isFolder) continue;
    const parsed = parseVolumeName(r.name, prefix);
    if (parsed) vols.push({ name: r.name, size: r.size, parsed });
  }
  const dlists = vols.filter((v) => v.parsed.type === "dlist").sort((a, b) =>
    b.parsed.time!.getTime() - a.parsed.time!.getTime()
  );
  return {
    dlists,
    dindex: vols.filter((v) => v.parsed.type === "dindex"),
    dblocks: vols.filter((v) => v.parsed.type === "dblock"),
    all,
  };
}

/** Result of an import. */
export interface ImportReport {
  filesets: number;
  dindexRead: number;
  dblocksRead: number;
  /** Names of the dblocks that had to be downloaded (no usable index covered them). */
  dblocksScanned: string[];
  /** Bytes downloaded (remote sizes of the volumes read). */
  bytesDownloaded: number;
  /** Volumes skipped because an earlier, interrupted import had already read them. */
  resumedVolumes: number;
  manifest?: Manifest;
}

function readManifest(z: ZipReader, name: string): Manifest {
  if (!z.has("manifest")) throw new IntegrityError(`The remote file ${name} has no manifest`);
  return decodeManifest(z.read("manifest"), name);
}

/**
 * Imports the given dlists (all when `dlists` lists them all), every dindex, and the dblocks needed
 * for what the indexes do not cover (or blocklists they lack). Sets `settings.blocksize` from the
 * first manifest (or from the database when it already knows it).
 * Commits after every volume and skips volumes already imported, so an interrupted import (kill -9)
 * resumes where it stopped when called again on the same database.
 */
export async function importFromRemote(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  dlists: RemoteVolume[],
  remote: { dindex: RemoteVolume[]; dblocks: RemoteVolume[] },
  progress?: ProgressSink,
  o: { indexes?: boolean } = {},
): Promise<ImportReport> {
  const report: ImportReport = {
    filesets: 0,
    dindexRead: 0,
    dblocksRead: 0,
    dblocksScanned: [],
    bytesDownloaded: 0,
    resumedVolumes: 0,
  };
  const anyEncrypted = [...dlists, ...remote.dindex].some((v) => v.parsed.encryption);
  if (anyEncrypted && settings.passphrase === undefined) {
    throw new UserError(
      "The backup is encrypted: give its passphrase with --passphrase or PASSPHRASE.",
      { code: "PassphraseMissing", exitCode: 200 },
    );
  }
  db.begin();
  const op = db.addOperation("Recreate");
  let manifest: Manifest | undefined;
  const storedBlocksize = db.getConfig("blocksize");
  if (storedBlocksize) settings.blocksize = Number(storedBlocksize);
  const total = dlists.length + remote.dindex.length;
  let done = 0;
  const tick = (phase: string, current?: string) =>
    progress?.({
      operation: "Recreate",
      phase,
      filesDone: ++done,
      filesTotal: total,
      bytesDone: 0,
      current,
    });
  // One importer for all dlists: the versions share most of their rows. Into a fresh database
  // it loads them without indexes; a run that stops before `finish` leaves them to the next open.
  const importer = new FilesetImporter(db);
  importer.deferIndexes();
  // Oldest first, so the first manifest sets the format, as Duplicati does.
  for (const v of [...dlists].reverse()) {
    if (volumeByName(db, v.name)) {
      report.resumedVolumes++;
      tick("Reading file lists", v.name);
      continue;
    }
    const path = await fetchVolume(session, settings, v.name, { size: v.size });
    report.bytesDownloaded += v.size;
    // Read from the file, not into memory: the file list is streamed (see importDlist).
    const z = ZipReader.openSync(path);
    try {
      const m = readManifest(z, v.name);
      if (!manifest) {
        manifest = m;
        if (!storedBlocksize) settings.blocksize = m.Blocksize;
      }
      verifyManifest(
        m,
        { blocksize: settings.blocksize, blockHash: "SHA256", fileHash: "SHA256" },
        v.name,
      );
      const isFull = z.has("fileset") ? decodeFileset(z.read("fileset")).isFullBackup : true;
      if (!z.has("filelist.json")) {
        throw new IntegrityError(`The remote file ${v.name} has no filelist.json`);
      }
      await importDlist(db, importer, op, v, isFull, z.stream("filelist.json"));
    } finally {
      z.close();
      await Deno.remove(path).catch(() => {});
    }
    if (!storedBlocksize) db.setConfig("blocksize", String(settings.blocksize));
    db.checkpoint();
    report.filesets++;
    tick("Reading file lists", v.name);
  }
  importer.finish();
  report.manifest = manifest;

  if (o.indexes === false) {
    db.commit();
    return report;
  }
  // dindex files: block locations and blocklists.
  const dblockByName = new Map(remote.dblocks.map((d) => [d.name, d]));
  const covered = new Set<string>();
  for (const v of remote.dindex) {
    if (volumeByName(db, v.name)) {
      // Read by an earlier, interrupted run (each index is committed whole).
      for (const n of blockVolumesOfIndexName(db, v.name)) covered.add(n);
      report.resumedVolumes++;
      tick("Reading index files", v.name);
      continue;
    }
    // Index files are small: decrypted in memory by this thread, which leaves the CPU pool free
    // (a restore checks its data volumes there meanwhile).
    let vol: OpenedVolume;
    try {
      report.bytesDownloaded += v.size;
      vol = await openVolume(session, settings, v.name, { size: v.size });
    } catch (err) {
      if (err instanceof UserError && err.code === "WrongPassphrase") throw err;
      session.logger.warn(
        `The index file ${v.name} cannot be read (${(err as Error).message}); ` +
          `the dblocks it describes will be scanned instead`,
      );
      continue;
    }
    const z = vol.zip;
    try {
      verifyManifest(readManifest(z, v.name), {
        blocksize: settings.blocksize,
        blockHash: "SHA256",
        fileHash: "SHA256",
      }, v.name);
    } catch (err) {
      await vol.close();
      session.logger.warn(`The index file ${v.name} is damaged (${(err as Error).message})`);
      continue;
    }
    try {
      const indexId = addVolume(db, v.name, VolumeType.Index, VolumeState.Uploaded, op);
      setVolumeSize(db, indexId, v.size);
      for (const e of z.entries()) {
        if (e.name.startsWith(VOL_PREFIX)) {
          const dblockName = e.name.slice(VOL_PREFIX.length);
          const vi = decodeVolumeIndex(z.read(e), `${v.name}/${e.name}`);
          let actualName = dblockName;
          if (!dblockByName.has(actualName)) {
            // Same guid with other suffixes, as Duplicati tries.
            const guid = parseVolumeName(dblockName)?.guid;
            const alt = remote.dblocks.find((d) => guid && d.parsed.guid === guid);
            if (alt) actualName = alt.name;
            else {
              session.logger.warn(
                `The index ${v.name} describes ${dblockName}, which is not on the remote`,
              );
              continue;
            }
          }
          covered.add(actualName);
          const volId = ensureBlockVolume(db, actualName, op, vi.volumeSize, vi.volumeHash);
          linkIndex(db, indexId, volId);
          placeBlocks(
            db,
            vi.blocks.map((b) => ({ hash: Buffer.from(b.hash, "base64"), size: b.size })),
            volId,
          );
        } else if (e.name.startsWith(LIST_PREFIX)) {
          const hashB64 = hashFromEntryName(e.name.slice(LIST_PREFIX.length));
          const data = z.read(e);
          const h = createHash("sha256").update(data).digest("base64");
          if (h !== hashB64 || data.length % settings.hashSize !== 0) {
            session.logger.warn(`The blocklist ${e.name} in ${v.name} is damaged; it is ignored`);
            continue;
          }
          expandBlocklist(db, settings.blocksize, settings.hashSize, fromBase64(hashB64), data);
        }
      }
    } finally {
      await vol.close();
    }
    db.checkpoint();
    report.dindexRead++;
    tick("Reading index files", v.name);
  }

  // What the indexes did not cover: dblocks without an index, and the dblocks holding blocklists
  // that no index carried. Only those are downloaded, never all of them.
  const hpb = hashesPerBlocklist(settings.blocksize, settings.hashSize);
  const wanted = new Set(remote.dblocks.filter((d) => !covered.has(d.name)).map((d) => d.name));
  if (missingBlocklistCount(db, hpb) > 0) {
    for (const n of volumesHoldingMissingBlocklists(db, hpb)) wanted.add(n);
  }
  const scan = remote.dblocks.filter((d) => wanted.has(d.name));
  for (const d of scan) {
    if (isScanned(db, d.name)) {
      report.resumedVolumes++;
      continue;
    }
    progress?.({
      operation: "Recreate",
      phase: "Reading data volumes without a usable index",
      filesDone: report.dblocksRead,
      filesTotal: scan.length,
      bytesDone: report.bytesDownloaded,
      current: d.name,
    });
    report.bytesDownloaded += d.size;
    let path: string;
    try {
      path = await fetchVolume(session, settings, d.name, { size: d.size });
    } catch (err) {
      if (err instanceof UserError && err.code === "WrongPassphrase") throw err;
      session.logger.warn(`The data volume ${d.name} cannot be read: ${(err as Error).message}`);
      continue;
    }
    let z: ZipReader | undefined;
    try {
      z = await ZipReader.open(path);
      verifyManifest(readManifest(z, d.name), {
        blocksize: settings.blocksize,
        blockHash: "SHA256",
        fileHash: "SHA256",
      }, d.name);
      const volId = ensureBlockVolume(db, d.name, op, d.size, undefined);
      for (const e of z.entries()) {
        if (!isBlockEntryName(e.name)) continue;
        const h = fromBase64(hashFromEntryName(e.name));
        placeBlock(db, h, e.uncompressedSize, volId);
        if (e.uncompressedSize % settings.hashSize === 0 && isWantedBlocklist(db, h)) {
          const data = z.read(e);
          if (createHash("sha256").update(data).digest().equals(h)) {
            expandBlocklist(db, settings.blocksize, settings.hashSize, h, data);
          }
        }
      }
      markScanned(db, d.name);
      db.checkpoint();
    } catch (err) {
      if (err instanceof UserError && err.code === "WrongPassphrase") throw err;
      session.logger.warn(`The data volume ${d.name} is damaged: ${(err as Error).message}`);
    } finally {
      z?.close();
      await Deno.remove(path).catch(() => {});
    }
    report.dblocksRead++;
    report.dblocksScanned.push(d.name);
  }
  db.commit();
  return report;
}

function ensureBlockVolume(
  db: LocalDatabase,
  name: string,
  op: number,
  size: number | undefined,
  hash: string | undefined,
): number {
  const existing = volumeByName(db, name);
  if (existing) return existing.ID;
  const id = addVolume(db, name, VolumeType.Blocks, VolumeState.Uploaded, op);
  setVolumeSize(db, id, size ?? -1, hash ?? null);
  return id;
}

/** A blockset as a dlist entry describes it: one block, or blocklists (none when empty). */
function blocksetSpec(
  fullHash: string,
  length: number,
  blockHash: string | undefined,
  blockSize: number | undefined,
  blocklists: string[] | undefined,
): BlocksetSpec {
  return {
    fullHash,
    length,
    block: length > 0 ? { hash: blockHash ?? fullHash, size: blockSize ?? length } : undefined,
    blocklists,
  };
}

/**
 * Adds a dlist's version. Its filelist.json is parsed while it is inflated, entry by entry, so
 * memory does not grow with the number of files (the text of 100,000 entries is tens of MB).
 */
async function importDlist(
  db: LocalDatabase,
  importer: FilesetImporter,
  op: number,
  v: RemoteVolume,
  isFull: boolean,
  filelist: AsyncIterable<Uint8Array>,
): Promise<void> {
  const existing = volumeByName(db, v.name);
  if (existing) return;
  const volId = addVolume(db, v.name, VolumeType.Files, VolumeState.Uploaded, op);
  setVolumeSize(db, volId, v.size);
  const fsId = addFileset(db, op, volId, v.parsed.time!.getTime(), isFull);
  const parser = new FilelistParser(`filelist.json in ${v.name}`);
  let entries = 0;
  const add = (e: FilelistEntry) => {
    if (!e.metahash || e.metasize === undefined) {
      // Very old dlists may lack metadata; give them an empty metadata set.
      e.metahash = "qiXpeARtaA74dA2Dfm3lvB4qLcYInb2hASVEtTjVP2U="; // sha256(BOM + "{}")
      e.metasize = 5;
    }
    const meta = blocksetSpec(
      e.metahash,
      e.metasize,
      e.metablockhash,
      undefined,
      e.metablocklists,
    );
    let content: BlocksetSpec | number | null;
    let lastModified = 0;
    if (e.type === "Folder") content = FOLDER_BLOCKSET_ID;
    else if (e.type === "Symlink") content = SYMLINK_BLOCKSET_ID;
    else if (e.hash === undefined || e.size === undefined) content = null;
    else {
      content = blocksetSpec(e.hash, e.size, e.blockhash, e.blocksize, e.blocklists);
      lastModified = e.time ? parseEntryTime(e.time) : 0;
    }
    const [folder, name] = splitPath(e.path);
    importer.add(fsId, { folder, name, meta, content, lastModified });
    // The parsed entries die young but are many: keep the heap from growing far past the live
    // data (the importer's lookups).
    if (++entries % 4096 === 0) collectWhenHeapGrows(IMPORT_HEAP_GROWTH);
  };
  // Pieces arrive asynchronously; the entries of each are handled synchronously.
  for await (const piece of filelist) for (const e of parser.push(piece)) add(e);
  parser.end();
  importer.flush();
}

/** Heap growth (bytes) during a file list's import beyond which a full collection runs. */
const IMPORT_HEAP_GROWTH = 32 << 20;

/** `yyyyMMddTHHmmssZ` as milliseconds (0 when it is not that). Hand-parsed: one per entry. */
function parseEntryTime(s: string): number {
  if (s.length !== 16 || s[8] !== "T" || s[15] !== "Z") return 0;
  const num = (from: number, to: number) => {
    let v = 0;
    for (let i = from; i < to; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return NaN;
      v = v * 10 + d;
    }
    return v;
  };
  const t = Date.UTC(num(0, 4), num(4, 6) - 1, num(6, 8), num(9, 11), num(11, 13), num(13, 15));
  return Number.isNaN(t) ? 0 : t;
}
