/**
 * The recovery tool's restore: one version's files from the downloaded, decrypted volumes, finding
 * every block through the block index (no database, no dindex files). Each block is checked
 * against its hash and each file against its size and hash before it gets its real name; a file
 * that fails is reported and not written. Paths from the dlist are never trusted: relative paths
 * and `..` are refused, every target stays inside --targetpath, no write goes through a symbolic
 * link, and symbolic links from the backup are created last.
 */
import { createHash } from "node:crypto";
import { dirname, join, resolve, sep } from "node:path";
import { ExitCode, UserError } from "../core/errors.ts";
import type { FilterList } from "../core/filters.ts";
import { toBase64 } from "../core/bytes.ts";
import { EMPTY_FILE_HASH, sha256b64, splitBlocklist } from "../format/blocks.ts";
import { blockEntryName } from "../format/dindex.ts";
import type { FilelistEntry } from "../format/filelist.ts";
import { decodeMetadata, parsePosixMetadata } from "../format/metadata.ts";
import { ZipReader } from "../format/zip.ts";
import { pathSegments } from "../engine/restore.ts";
import { SafeFolders } from "../engine/safe_folders.ts";
import { BlockIndex, INDEX_FILE_NAME } from "./recovery_index.ts";
import { readVersion, selected, selectVersion } from "./recovery_list.ts";

/** What to restore and where. */
export interface RecoveryRestoreRequest {
  folder: string;
  /** Version number, dlist name or date; newest when absent. */
  version?: string;
  targetPath: string;
  filters: FilterList;
  indexPath?: string;
  /** How many dblock files stay open at once. */
  maxOpenArchives?: number;
  log?: (line: string) => void;
}

/** What a restore did. */
export interface RecoveryRestoreResult {
  version: number;
  files: number;
  folders: number;
  symlinks: number;
  bytes: number;
  failed: string[];
  exitCode: number;
}

/** Open dblock files, the least recently used closed first. */
class ArchiveCache {
  #open = new Map<string, ZipReader>();
  constructor(private folder: string, private max: number) {}

  get(name: string): ZipReader {
    let z = this.#open.get(name);
    if (z) {
      this.#open.delete(name);
      this.#open.set(name, z);
      return z;
    }
    z = ZipReader.openSync(join(this.folder, name));
    this.#open.set(name, z);
    if (this.#open.size > this.max) {
      const [oldest, zip] = this.#open.entries().next().value!;
      zip.close();
      this.#open.delete(oldest);
    }
    return z;
  }

  close(): void {
    for (const z of this.#open.values()) z.close();
    this.#open.clear();
  }
}

/** Restores one version into `targetPath`. Throws UserErrors for problems before any file. */
export function recoveryRestore(req: RecoveryRestoreRequest): RecoveryRestoreResult {
  const log = req.log ?? (() => {});
  if (!req.targetPath) {
    throw new UserError(
      "Give the folder to restore into with --targetpath=<folder>; the recovery tool does not " +
        "write to the original locations.",
      { code: "TargetPathMissing", exitCode: ExitCode.BadArguments },
    );
  }
  const folder = resolve(req.folder);
  const version = selectVersion(folder, req.version);
  const index = BlockIndex.load(req.indexPath ?? join(folder, INDEX_FILE_NAME), folder);
  const first = readVersion(folder, version);
  const m = first.manifest;
  if (m.BlockHash.toUpperCase() !== "SHA256" || m.FileHash.toUpperCase() !== "SHA256") {
    throw new UserError(
      `The backup uses ${m.BlockHash}/${m.FileHash} hashes; only SHA256 is supported.`,
      { code: "UnsupportedHash" },
    );
  }
  log(`Restoring version ${version.index} (${version.time.toISOString()}) to ${req.targetPath}`);

  // Pass 1: the folder all selected entries share is left out of the target paths.
  let common: string[] | undefined;
  let count = 0;
  for (const e of first.entries) {
    if (!selected(e, req.filters)) continue;
    const { segments } = pathSegments(e.path);
    const parent = e.type === "Folder" ? segments : segments.slice(0, -1);
    if (common === undefined) common = parent;
    else {
      let i = 0;
      while (i < common.length && i < parent.length && common[i] === parent[i]) i++;
      common = common.slice(0, i);
    }
    count++;
  }
  const result: RecoveryRestoreResult = {
    version: version.index,
    files: 0,
    folders: 0,
    symlinks: 0,
    bytes: 0,
    failed: [],
    exitCode: ExitCode.Success,
  };
  if (count === 0) {
    log("No files matched the filters; nothing was restored");
    result.exitCode = ExitCode.Warnings;
    return result;
  }
  const strip = common!.length;
  const root = resolve(req.targetPath);
  Deno.mkdirSync(root, { recursive: true });
  const rootPrefix = root.endsWith(sep) ? root : root + sep;
  const safe = new SafeFolders(root, true);
  const ensureDir = (dir: string) => safe.ensure(dir);
  const targetOf = (path: string): string => {
    const rel = pathSegments(path).segments.slice(strip);
    const target = rel.length ? join(root, ...rel) : root;
    if (target !== root && !target.startsWith(rootPrefix)) {
      throw new UserError(`Refusing to restore "${path}" outside ${root}`, { code: "HostilePath" });
    }
    return target;
  };

  const cache = new ArchiveCache(folder, Math.max(1, req.maxOpenArchives ?? 200));
  const readBlock = (hash: string): Uint8Array => {
    const vol = index.find(hash);
    if (!vol) {
      throw new UserError(`block ${hash} is in none of the downloaded dblock files`, {
        code: "BlockMissing",
      });
    }
    const data = cache.get(vol).read(blockEntryName(hash));
    if (sha256b64(data) !== hash) {
      throw new UserError(`block ${hash} in ${vol} is damaged (its hash differs)`, {
        code: "BlockDamaged",
      });
    }
    return data;
  };
  const readBlocks = function* (
    hash: string,
    blockHash: string | undefined,
    blocklists: string[] | undefined,
    size: number,
  ): Generator<Uint8Array> {
    if (!blocklists?.length) {
      if (size > 0) yield readBlock(blockHash ?? hash);
      return;
    }
    for (const bl of blocklists) {
      for (const h of splitBlocklist(readBlock(bl))) yield readBlock(toBase64(h));
    }
  };
  const metadataOf = (e: FilelistEntry) => {
    if (!e.metahash) return undefined;
    try {
      const parts = [
        ...readBlocks(e.metahash, e.metablockhash, e.metablocklists, e.metasize ?? 1),
      ];
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let off = 0;
      for (const p of parts) {
        all.set(p, off);
        off += p.length;
      }
      return parsePosixMetadata(decodeMetadata(all));
    } catch (err) {
      log(`warning: no metadata for ${e.path}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const applyMetadata = (target: string, e: FilelistEntry) => {
    const md = metadataOf(e);
    if (!md) return;
    try {
      if (md.perm !== undefined && Deno.build.os !== "windows") {
        Deno.chmodSync(target, md.perm & 0o777);
      }
      if (md.mtimeMs !== undefined && !isNaN(md.mtimeMs)) {
        const t = new Date(md.mtimeMs);
        Deno.utimeSync(target, t, t);
      }
    } catch (err) {
      log(`warning: cannot set the time or permissions of ${target}: ${(err as Error).message}`);
    }
  };

  const folders: [string, FilelistEntry][] = [];
  const symlinks: [string, FilelistEntry][] = [];
  try {
    for (const e of readVersion(folder, version).entries) {
      if (!selected(e, req.filters)) continue;
      let target: string;
      try {
        target = targetOf(e.path);
        if (e.type === "Folder") {
          ensureDir(target);
          folders.push([target, e]);
          result.folders++;
          continue;
        }
        if (target === root) continue;
        ensureDir(dirname(target));
        if (e.type === "Symlink") {
          symlinks.push([target, e]);
          continue;
        }
        if (e.type !== "File") continue;
        const size = e.size ?? 0;
        writeVerified(target, e, readBlocks(e.hash!, e.blockhash, e.blocklists, size));
        applyMetadata(target, e);
        result.files++;
        result.bytes += size;
        log(`${e.path} (${size} bytes) done`);
      } catch (err) {
        if (err instanceof UserError && err.code === "HostilePath") throw err;
        result.failed.push(e.path);
        log(`error: ${e.path}: ${(err as Error).message}`);
      }
    }
    for (const [target, e] of symlinks) {
      const link = metadataOf(e)?.symlinkTarget;
      let exists = true;
      try {
        Deno.lstatSync(target);
      } catch {
        exists = false;
      }
      if (link === undefined || exists) {
        result.failed.push(e.path);
        log(
          `error: ${e.path}: ${
            exists ? "something is in the way of the link" : "its target is not in the backup"
          }`,
        );
        continue;
      }
      Deno.symlinkSync(link, target);
      result.symlinks++;
    }
    for (const [target, e] of folders.reverse()) applyMetadata(target, e);
  } finally {
    cache.close();
  }
  if (result.failed.length) result.exitCode = ExitCode.Errors;
  return result;
}

/**
 * Writes the blocks to a temporary file beside `target` and renames it over `target` only when
 * size and hash match the dlist; throws (leaving nothing behind) when they do not.
 */
function writeVerified(target: string, e: FilelistEntry, blocks: Iterable<Uint8Array>): void {
  const size = e.size ?? 0;
  if (size === 0 && e.hash !== EMPTY_FILE_HASH) {
    throw new Error("the backup says the file is empty but gives a content hash");
  }
  let st: Deno.FileInfo | undefined;
  try {
    st = Deno.lstatSync(target);
  } catch { /* missing */ }
  if (st?.isDirectory) throw new Error(`a folder is in the way at ${target}`);
  const tmp = join(dirname(target), `.${crypto.randomUUID().slice(0, 8)}.recovery-tmp`);
  const f = Deno.openSync(tmp, { write: true, createNew: true });
  const h = createHash("sha256");
  let written = 0;
  try {
    for (const b of blocks) {
      h.update(b);
      let off = 0;
      while (off < b.length) off += f.writeSync(b.subarray(off));
      written += b.length;
    }
    f.close();
    const digest = h.digest("base64");
    if (written !== size || digest !== e.hash) {
      throw new Error(
        `the restored file does not match the backup (${written} of ${size} bytes, hash ` +
          `${digest === e.hash ? "matches" : "differs"}); it was not written`,
      );
    }
    Deno.renameSync(tmp, target);
  } catch (err) {
    try {
      f.close();
    } catch { /* closed */ }
    try {
      Deno.removeSync(tmp);
    } catch { /* gone */ }
    throw err;
  }
}
