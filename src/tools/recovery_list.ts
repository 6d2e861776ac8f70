/**
 * The versions (dlist files) in a recovery folder: listing them, choosing one by number, file name
 * or date, and reading its file list, all without a database.
 */
import { join } from "node:path";
import { ExitCode, UserError } from "../core/errors.ts";
import type { FilterList } from "../core/filters.ts";
import { parseTimeValue } from "../core/timeparse.ts";
import { type FilelistEntry, parseFilelist } from "../format/filelist.ts";
import { decodeManifest, type Manifest } from "../format/manifest.ts";
import { parseVolumeName } from "../format/volume_names.ts";
import { ZipReader } from "../format/zip.ts";
import { localVolumes } from "./recovery_index.ts";

/** One version: its number (0 = newest), dlist file and time. */
export interface LocalVersion {
  index: number;
  name: string;
  time: Date;
}

/** The versions in `folder`, newest first. Throws a UserError when there are none. */
export function listVersions(folder: string): LocalVersion[] {
  const vols = localVolumes(folder);
  const list = vols.dlists
    .map((name) => ({ name, time: parseVolumeName(name)!.time! }))
    .sort((a, b) => b.time.getTime() - a.time.getTime() || (a.name < b.name ? 1 : -1))
    .map((v, index) => ({ index, ...v }));
  if (list.length === 0) {
    throw new UserError(
      `No decrypted dlist files in ${folder}` +
        (vols.encrypted.length
          ? ` (${vols.encrypted.length} files are still encrypted: run download with --passphrase).`
          : `. Run "duplicati-recovery-tool download <remote-url> ${folder}" first.`),
      { code: "NoVersions" },
    );
  }
  return list;
}

/**
 * Picks a version: a number (0 = newest), a dlist file name, or a date/time (the newest version
 * at or before it). Without `spec`, the newest. Throws a UserError (exit 200) naming the choices.
 */
export function selectVersion(folder: string, spec?: string): LocalVersion {
  const list = listVersions(folder);
  if (spec === undefined || spec === "") return list[0];
  if (/^\d+$/.test(spec)) {
    const v = list[Number(spec)];
    if (!v) {
      throw new UserError(
        `There is no version ${spec}: the folder has versions 0 to ${list.length - 1}.`,
        { code: "NoSuchVersion", exitCode: ExitCode.BadArguments },
      );
    }
    return v;
  }
  const byName = list.find((v) => v.name === spec);
  if (byName) return byName;
  let t: Date;
  try {
    t = parseTimeValue(spec);
  } catch {
    throw new UserError(
      `"${spec}" is not a version number, a dlist file of the folder or a date. Run list ` +
        `<folder> to see the versions.`,
      { code: "NoSuchVersion", exitCode: ExitCode.BadArguments },
    );
  }
  const hit = list.find((v) => v.time.getTime() <= t.getTime());
  if (!hit) {
    throw new UserError(
      `No version is older than ${t.toISOString()}; the oldest is ${
        list[list.length - 1].time.toISOString()
      }.`,
      { code: "NoSuchVersion", exitCode: ExitCode.BadArguments },
    );
  }
  return hit;
}

/** A dlist's manifest (block size, hash algorithms) and its entries. */
export interface VersionContent {
  manifest: Manifest;
  entries: Iterable<FilelistEntry>;
}

/** Reads a version's dlist. Throws IntegrityError for a damaged file. */
export function readVersion(folder: string, v: LocalVersion): VersionContent {
  const zip = ZipReader.openSync(join(folder, v.name));
  try {
    const manifest = decodeManifest(zip.read("manifest"), v.name);
    const list = zip.read("filelist.json");
    return { manifest, entries: parseFilelist(list, `${v.name}/filelist.json`) };
  } finally {
    zip.close();
  }
}

/** True when the entry passes the filters (folders are matched with a trailing separator). */
export function selected(e: FilelistEntry, filters: FilterList): boolean {
  return filters.evaluate(e.path, e.type === "Folder").include;
}

/** Prints the versions, or the entries of one version that pass the filters. */
export function runList(
  folder: string,
  spec: string | undefined,
  filters: FilterList,
  out: (line: string) => void,
): void {
  if (spec === undefined) {
    for (const v of listVersions(folder)) {
      out(`${v.index}\t: ${v.time.toISOString()} (${v.name})`);
    }
    return;
  }
  const v = selectVersion(folder, spec);
  out(`Listing files in version ${v.index} (${v.time.toISOString()}):`);
  let n = 0;
  for (const e of readVersion(folder, v).entries) {
    if (!selected(e, filters)) continue;
    out(e.type === "File" ? `${e.path} (${e.size} bytes)` : e.path);
    n++;
  }
  out(`${n} entries`);
}
