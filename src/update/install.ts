/**
 * Installing a new version beside the running one: download the zip, check it, unpack
 * `duplicati-<version>-<target>/` next to the current portable folder and copy `data/` into it.
 * Everything happens in a hidden staging folder that is renamed into place only when every step
 * worked, so a failed update leaves nothing behind and never touches the current folder.
 */
import { dirname, join } from "node:path";
import { UserError } from "../core/errors.ts";
import { isSqliteFile, snapshotDatabase } from "../db/snapshot.ts";
import type { UpdateCheck } from "./check.ts";
import { downloadPackage, type DownloadProgress } from "./download.ts";
import { unpackPortable } from "./unpack.ts";

/** Where and how to install. */
export interface InstallOptions {
  /** The running program's portable folder; the new one goes into its parent folder. */
  programFolder: string;
  /** Progress of the download. */
  onProgress?: DownloadProgress;
  /** Give up when the download server sends nothing for this long (default 60 s). */
  idleMs?: number;
  /** Stops the download (CancelledError); nothing is left behind. */
  signal?: AbortSignal;
}

/** What an install did. */
export interface InstallResult {
  /** The new portable folder. */
  folder: string;
  /** True when the folder was already there (an earlier download); nothing was done. */
  alreadyThere: boolean;
  /** Files copied from the current data/ folder (0 when there is none). */
  dataFiles: number;
}

/**
 * Returns `folder` when it is an unzipped portable folder (it has README.txt); otherwise throws a
 * UserError (UpdateNotPortable, exit code 200): there is no place to put a new version beside it.
 */
export function requirePortableFolder(folder: string): string {
  try {
    Deno.statSync(join(folder, "README.txt"));
  } catch {
    throw new UserError(
      `${folder} is not a portable folder (duplicati-<version>-<target>/), so there is nowhere ` +
        `to put the new version beside it. Download the portable zip yourself and unzip it.`,
      { code: "UpdateNotPortable", exitCode: 200 },
    );
  }
  return folder;
}

/** The folder name a version's portable zip unpacks to. */
export function portableFolderName(version: string, target: string): string {
  return `duplicati-${version}-${target}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

const SKIP_DATA = /(^server\.lock$)|(-wal$)|(-shm$)|(-journal$)/;

/**
 * Copies the data folder `from` into `to` (created): SQLite databases as consistent snapshots
 * (the server may be running), their -wal/-shm/-journal files and the server's lock left out,
 * everything else byte for byte. Returns the number of files copied. Throws a UserError naming
 * the file that could not be copied.
 */
export async function copyDataFolder(from: string, to: string): Promise<number> {
  await Deno.mkdir(to, { recursive: true, mode: 0o700 });
  let n = 0;
  for await (const e of Deno.readDir(from)) {
    const src = join(from, e.name);
    const dst = join(to, e.name);
    try {
      if (e.isSymlink) {
        await Deno.symlink(await Deno.readLink(src), dst);
      } else if (e.isDirectory) {
        n += await copyDataFolder(src, dst);
      } else if (e.isFile && !SKIP_DATA.test(e.name)) {
        if (isSqliteFile(src)) snapshotDatabase(src, dst);
        else await Deno.copyFile(src, dst);
        n++;
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(
        `${src} could not be copied into the new version (${(err as Error).message}). Stop ` +
          `Duplicati and run "duplicati update download" again.`,
        { code: "UpdateDataCopyFailed", cause: err },
      );
    }
  }
  return n;
}

/**
 * Downloads and unpacks the version of an "available" check beside `programFolder` and copies
 * its `data/` into the new folder (the old one is kept as it is). Throws UserErrors for every
 * failure (UpdateNotPortable, see downloadPackage, unpackPortable, copyDataFolder; UpdateFolderNotWritable when the
 * parent folder cannot be written); then nothing is left behind.
 */
export async function installUpdate(
  check: Extract<UpdateCheck, { status: "available" }>,
  opts: InstallOptions,
): Promise<InstallResult> {
  requirePortableFolder(opts.programFolder);
  const name = portableFolderName(check.manifest.version, check.target);
  const parent = dirname(opts.programFolder);
  const folder = join(parent, name);
  if (await exists(folder)) return { folder, alreadyThere: true, dataFiles: 0 };
  const staging = join(parent, `.${name}.partial-${crypto.randomUUID().slice(0, 8)}`);
  try {
    await Deno.mkdir(staging, { mode: 0o700 });
  } catch (e) {
    throw new UserError(
      `The new version cannot be put beside this one: ${parent} cannot be written ` +
        `(${(e as Error).message}). Move the portable folder to a place you can write to, or ` +
        `download ${check.package.url} yourself.`,
      { code: "UpdateFolderNotWritable", cause: e },
    );
  }
  try {
    const zip = join(staging, `${name}.zip`);
    await downloadPackage(check.package, zip, {
      onProgress: opts.onProgress,
      idleMs: opts.idleMs,
      signal: opts.signal,
    });
    opts.signal?.throwIfAborted();
    const unpacked = join(staging, name);
    await unpackPortable(zip, unpacked, name);
    const data = join(opts.programFolder, "data");
    let dataFiles = 0;
    if ((await Deno.stat(data).catch(() => null))?.isDirectory) {
      dataFiles = await copyDataFolder(data, join(unpacked, "data"));
    }
    if (await exists(folder)) throw new UserError(`${folder} appeared while downloading`);
    await Deno.rename(unpacked, folder);
    return { folder, alreadyThere: false, dataFiles };
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}
