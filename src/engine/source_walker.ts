/**
 * Walks the backup sources: applies filters, the symlink policy, size and attribute exclusions
 * and `--ignore-filenames`, and yields every entry to back up. Folders are yielded after their
 * contents (so empty folders can be dropped). Unreadable entries become warnings, not failures.
 */
import { join, resolve } from "node:path";
import { type FilterList, ruleToString } from "../core/filters.ts";
import type { OptionValues } from "../core/option_values.ts";

/** One entry to back up. Folder paths end with the separator. */
export interface SourceEntry {
  path: string;
  kind: "file" | "folder" | "symlink";
  info: Deno.FileInfo;
  symlinkTarget?: string;
}

/** Walker settings taken from the options. */
export interface WalkOptions {
  filters: FilterList;
  symlinkPolicy: "Store" | "Follow" | "Ignore";
  skipFilesLargerThan?: number;
  excludeAttributes: Set<string>;
  excludeEmptyFolders: boolean;
  ignoreFilenames: string[];
  warn: (message: string) => void;
  /** Told about every path left out, and why (for `test-filters`). */
  onExcluded?: (path: string, reason: string) => void;
}

/** Reads the walker settings from the options (`--symlink-policy`, `--skip-files-larger-than`, ...). */
export function walkOptionsFrom(
  opts: OptionValues,
  filters: FilterList,
  warn: (message: string) => void,
): WalkOptions {
  return {
    filters,
    symlinkPolicy: (opts.enumValue("symlink-policy") ?? "Store") as "Store" | "Follow" | "Ignore",
    skipFilesLargerThan: opts.has("skip-files-larger-than")
      ? opts.size("skip-files-larger-than")
      : undefined,
    excludeAttributes: new Set(opts.flags("exclude-files-attributes").map((s) => s.toLowerCase())),
    excludeEmptyFolders: opts.bool("exclude-empty-folders"),
    ignoreFilenames: (opts.str("ignore-filenames") ?? "").split(/[:;,]/).map((s) => s.trim())
      .filter((s) => s),
    warn,
  };
}

function filteredOut(path: string, isFolder: boolean, opts: WalkOptions): boolean {
  const d = opts.filters.evaluate(path, isFolder);
  if (d.include) return false;
  opts.onExcluded?.(
    path,
    d.matched ? `--exclude=${ruleToString(d.matched)}` : "no --include filter matched",
  );
  return true;
}

function attributeOut(path: string, info: Deno.FileInfo, opts: WalkOptions, isLink: boolean) {
  if (!attributeExcluded(path, info, opts.excludeAttributes, isLink)) return false;
  opts.onExcluded?.(path, "--exclude-files-attributes");
  return true;
}

const SEP = "/";

function hiddenName(path: string): boolean {
  const p = path.endsWith(SEP) ? path.slice(0, -1) : path;
  const name = p.slice(p.lastIndexOf(SEP) + 1);
  return name.startsWith(".");
}

function attributeExcluded(path: string, info: Deno.FileInfo, attrs: Set<string>, isLink: boolean) {
  if (attrs.size === 0) return false;
  if (attrs.has("hidden") && hiddenName(path)) return true;
  if (attrs.has("readonly") && info.mode !== null && (info.mode & 0o200) === 0) return true;
  if (attrs.has("reparsepoint") && isLink) return true;
  if (
    attrs.has("system") && (info.isBlockDevice || info.isCharDevice || info.isSocket || info.isFifo)
  ) {
    return true;
  }
  return false;
}

/** Yields the entries of all sources. Missing sources throw (the caller decides what to do). */
export function* walkSources(sources: string[], opts: WalkOptions): Generator<SourceEntry> {
  for (const src of sources) {
    const abs = resolve(src);
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(abs);
    } catch (err) {
      throw new Error(
        `The source ${abs} does not exist or cannot be read: ${(err as Error).message}`,
      );
    }
    if (info.isSymlink) {
      yield* visitSymlink(abs, info, opts);
    } else if (info.isDirectory) {
      yield* visitFolder(abs.endsWith(SEP) ? abs : abs + SEP, info, opts, true);
    } else if (info.isFile) {
      const e = checkFile(abs, info, opts);
      if (e) yield e;
    }
  }
}

function checkFile(path: string, info: Deno.FileInfo, opts: WalkOptions): SourceEntry | undefined {
  if (filteredOut(path, false, opts)) return undefined;
  if (attributeOut(path, info, opts, false)) return undefined;
  if (opts.skipFilesLargerThan !== undefined && info.size > opts.skipFilesLargerThan) {
    opts.onExcluded?.(path, "--skip-files-larger-than");
    return undefined;
  }
  return { path, kind: "file", info };
}

function* visitSymlink(
  path: string,
  info: Deno.FileInfo,
  opts: WalkOptions,
): Generator<SourceEntry> {
  if (opts.symlinkPolicy === "Ignore") {
    opts.onExcluded?.(path, "--symlink-policy=Ignore");
    return;
  }
  if (opts.symlinkPolicy === "Follow") {
    let target: Deno.FileInfo;
    try {
      target = Deno.statSync(path);
    } catch {
      opts.warn(`The symbolic link ${path} points to a missing target; it was skipped`);
      return;
    }
    if (target.isDirectory) yield* visitFolder(path + SEP, target, opts, false);
    else if (target.isFile) {
      const e = checkFile(path, target, opts);
      if (e) yield e;
    }
    return;
  }
  if (filteredOut(path, false, opts)) return;
  if (attributeOut(path, info, opts, true)) return;
  let target: string;
  try {
    target = Deno.readLinkSync(path);
  } catch (err) {
    opts.warn(`Cannot read the symbolic link ${path}: ${(err as Error).message}`);
    return;
  }
  yield { path, kind: "symlink", info, symlinkTarget: target };
}

/** Returns true (via the generator's return) when anything inside was yielded. */
function* visitFolder(
  folder: string,
  info: Deno.FileInfo,
  opts: WalkOptions,
  isSourceRoot: boolean,
): Generator<SourceEntry, boolean> {
  if (!isSourceRoot) {
    if (filteredOut(folder, true, opts)) return false;
    if (attributeOut(folder, info, opts, false)) return false;
  }
  let names: string[];
  try {
    names = [];
    for (const e of Deno.readDirSync(folder)) names.push(e.name);
  } catch (err) {
    opts.warn(`Cannot list the folder ${folder}: ${(err as Error).message}`);
    yield { path: folder, kind: "folder", info };
    return true;
  }
  if (opts.ignoreFilenames.length && names.some((n) => opts.ignoreFilenames.includes(n))) {
    opts.onExcluded?.(folder, "--ignore-filenames");
    return false;
  }
  names.sort();
  let any = false;
  for (const name of names) {
    const path = join(folder, name);
    let ci: Deno.FileInfo;
    try {
      ci = Deno.lstatSync(path);
    } catch (err) {
      opts.warn(`Cannot read ${path}: ${(err as Error).message}`);
      continue;
    }
    if (ci.isSymlink) {
      for (const e of visitSymlink(path, ci, opts)) {
        any = true;
        yield e;
      }
    } else if (ci.isDirectory) {
      const had = yield* visitFolder(path + SEP, ci, opts, false);
      any ||= had;
    } else if (ci.isFile) {
      const e = checkFile(path, ci, opts);
      if (e) {
        any = true;
        yield e;
      }
    }
  }
  if (!any && opts.excludeEmptyFolders && !isSourceRoot) {
    opts.onExcluded?.(folder, "--exclude-empty-folders");
    return false;
  }
  yield { path: folder, kind: "folder", info };
  return true;
}
