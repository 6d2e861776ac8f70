/**
 * Reads the metadata of a source entry into Duplicati's metadata map: owner, group, permissions,
 * times, attributes and symlink target. Owner and group names come from /etc/passwd and
 * /etc/group, read once.
 */
import { buildPosixMetadata } from "../format/metadata.ts";
import type { SourceEntry } from "./source_walker.ts";

let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;

function readNames(path: string): Map<number, string> {
  const m = new Map<number, string>();
  try {
    for (const line of Deno.readTextFileSync(path).split("\n")) {
      const f = line.split(":");
      if (f.length >= 3 && /^\d+$/.test(f[2])) m.set(Number(f[2]), f[0]);
    }
  } catch { /* not a POSIX system, or no access: names are optional */ }
  return m;
}

/** The metadata map of an entry (keys in Duplicati's order). */
export function metadataOf(e: SourceEntry): Map<string, string> {
  users ??= readNames("/etc/passwd");
  groups ??= readNames("/etc/group");
  const i = e.info;
  const mtimeMs = i.mtime?.getTime() ?? 0;
  return buildPosixMetadata({
    uid: i.uid ?? 0,
    gid: i.gid ?? 0,
    mode: i.mode ?? 0o644,
    ownerName: i.uid !== null ? users.get(i.uid) : undefined,
    groupName: i.gid !== null ? groups.get(i.gid) : undefined,
    mtimeMs,
    birthtimeMs: i.birthtime?.getTime() ?? null,
    ctimeMs: i.ctime?.getTime() ?? null,
    isDir: e.kind === "folder",
    isSymlink: e.kind === "symlink",
    symlinkTarget: e.symlinkTarget,
  });
}
