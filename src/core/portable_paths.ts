/**
 * Paths relative to the portable folder, so a backup kept on a USB stick still works when the
 * stick is mounted at another drive letter or mount point. This module owns the rule; the
 * command line, the server and the engine all ask it.
 *
 * A source path, a restore path or a local destination (`file://...` or a bare path) that starts
 * with `%PORTABLE%` means the folder holding the program (see {@link programFolder}: the
 * executable's folder, or the project folder when run from source), followed by `/` or `\`:
 * `%PORTABLE%/docs`, `file://%PORTABLE%/backups`, `%PORTABLE%\backups`. The marker is matched
 * without regard to case. Configurations keep the path as written; it is expanded each time it
 * is used, so moving or copying the whole folder keeps the backup working.
 */
import { join, resolve } from "node:path";
import { programFolder } from "./datafolder.ts";

/** The marker that stands for the portable folder at the start of a path. */
export const PORTABLE_MARKER = "%PORTABLE%";

const MARKER_RE = /^%portable%(?=$|[\\/])/i;

/** True when `path` starts with the portable folder's marker. */
export function isPortablePath(path: string): boolean {
  return MARKER_RE.test(path);
}

/**
 * `path` with a leading `%PORTABLE%` replaced by `folder` (the program's folder by default), an
 * absolute path in this system's form; both `/` and `\` separate the rest. A trailing separator
 * (a folder) is kept. Any other path is returned unchanged.
 */
export function expandPortablePath(path: string, folder: string = programFolder()): string {
  if (!isPortablePath(path)) return path;
  const parts = path.slice(PORTABLE_MARKER.length).split(/[\\/]+/).filter((p) => p !== "");
  const out = join(resolve(folder), ...parts);
  const sep = Deno.build.os === "windows" ? "\\" : "/";
  return /[\\/]$/.test(path) && !out.endsWith(sep) ? out + sep : out;
}

/** {@link expandPortablePath} for each path of a list. */
export function expandPortablePaths(paths: readonly string[], folder?: string): string[] {
  return paths.map((p) => expandPortablePath(p, folder));
}
