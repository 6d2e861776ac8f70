/**
 * Read-only queries over the versions of a backup: list-filesets, find/list, list-folder-contents,
 * list-file-versions, search and compare. They use the local database, or (without one) a
 * temporary database built from the remote dlists only.
 */
import type { OptionValues } from "../core/option_values.ts";
import { parseTimeValue, parseVersionList } from "../core/timeparse.ts";
import { UserError } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import { LocalDatabase } from "../db/local_database.ts";
import { FOLDER_BLOCKSET_ID, SYMLINK_BLOCKSET_ID } from "../db/schema.ts";
import {
  completedFilesets,
  filesetEntries,
  type FilesetRow,
  filesetTotals,
} from "../db/filesets.ts";
import { formatSettings, Session } from "./session.ts";
import { importFromRemote, listRemoteVolumes } from "./remote_index.ts";
import { openExistingDatabase } from "./restore.ts";

/** One version with its totals. */
export interface VersionInfo {
  version: number;
  time: Date;
  isFullBackup: boolean;
  fileCount: number;
  size: number;
}

/** One path in a version. */
export interface ListedEntry {
  path: string;
  type: "File" | "Folder" | "Symlink";
  size: number;
  time?: Date;
  version?: number;
}

/** An open view of a backup's versions. Close it when done. */
export class BackupView {
  private constructor(
    readonly db: LocalDatabase,
    readonly filesets: FilesetRow[],
    private session: Session,
    readonly usedLocalDatabase: boolean,
  ) {}

  /** Opens the local database, or reads the remote dlists when there is none. */
  static async open(url: string, opts: OptionValues, logger = new Logger()): Promise<BackupView> {
    const session = await Session.open(url, opts, logger, "List");
    try {
      let db = openExistingDatabase(url, opts);
      const local = db !== undefined;
      if (!db) {
        const settings = formatSettings(opts);
        const remote = await listRemoteVolumes(session, settings.prefix);
        if (remote.dlists.length === 0) {
          throw new UserError(
            `No backup was found at ${session.displayUrl}. Check the URL and --prefix.`,
            { code: "NoBackupFound" },
          );
        }
        db = LocalDatabase.open(session.tempFile(".sqlite"));
        await importFromRemote(session, db, settings, remote.dlists, remote, undefined, {
          indexes: false,
        });
      }
      return new BackupView(db, completedFilesets(db), session, local);
    } catch (err) {
      await session.close();
      throw err;
    }
  }

  /** Version numbers chosen by --version / --time (all when `allByDefault`). */
  selectVersions(opts: OptionValues, allByDefault: boolean): number[] {
    const n = this.filesets.length;
    if (opts.has("version") && opts.str("version") !== "") {
      const list = parseVersionList(opts.str("version")!).filter((v) => v >= 0 && v < n);
      if (list.length === 0) {
        throw new UserError(`No such version: this backup has versions 0 to ${n - 1}`, {
          exitCode: 200,
        });
      }
      return list;
    }
    if (opts.has("time") && opts.str("time") !== "" && opts.str("time")!.toLowerCase() !== "now") {
      const t = parseTimeValue(opts.str("time")!).getTime();
      const i = this.filesets.findIndex((f) => f.Timestamp <= t);
      return i >= 0 ? [i] : [];
    }
    if (opts.bool("all-versions") || allByDefault) return this.filesets.map((_, i) => i);
    return n ? [0] : [];
  }

  /** Every version with file count and total size, newest first. */
  versions(): VersionInfo[] {
    return this.filesets.map((f, i) => {
      const t = filesetTotals(this.db, f.ID);
      return {
        version: i,
        time: new Date(f.Timestamp),
        isFullBackup: f.IsFullBackup === 1,
        fileCount: t.files,
        size: t.size,
      };
    });
  }

  /** Entries of one version, optionally filtered. */
  *entries(
    version: number,
    filter?: (path: string, isFolder: boolean) => boolean,
  ): Generator<ListedEntry> {
    const f = this.filesets[version];
    for (const e of filesetEntries(this.db, f.ID)) {
      if (filter && !filter(e.Path, e.BlocksetID === FOLDER_BLOCKSET_ID)) continue;
      yield toListed(e, version);
    }
  }

  async close(): Promise<void> {
    this.db.close();
    await this.session.close();
  }
}

/** The immediate children of `folder` in a version (roots when `folder` is empty). */
export function folderContents(view: BackupView, version: number, folder: string): ListedEntry[] {
  const out: ListedEntry[] = [];
  const entries = [...view.entries(version)];
  if (!folder) {
    // Roots: entries whose parent is not itself in the version.
    const paths = new Set(entries.map((e) => e.path));
    for (const e of entries) {
      const p = e.path.endsWith("/") ? e.path.slice(0, -1) : e.path;
      const parent = p.slice(0, p.lastIndexOf("/") + 1);
      if (!paths.has(parent)) out.push(e);
    }
  } else {
    const f = folder.endsWith("/") ? folder : folder + "/";
    for (const e of entries) {
      if (!e.path.startsWith(f) || e.path === f) continue;
      const rest = e.path.slice(f.length);
      const slash = rest.indexOf("/");
      if (slash === -1 || slash === rest.length - 1) out.push(e);
    }
  }
  return out.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** Differences between two versions. */
export interface CompareResult {
  base: VersionInfo;
  compareTo: VersionInfo;
  added: ListedEntry[];
  deleted: ListedEntry[];
  modified: ListedEntry[];
}

/** Compares two versions (by number): what was added, deleted and modified in `to` vs `base`. */
export function compareVersions(
  view: BackupView,
  base: number,
  to: number,
  filter?: (path: string, isFolder: boolean) => boolean,
): CompareResult {
  const vs = view.versions();
  const a = new Map<string, { e: ListedEntry; key: string }>();
  const key = (e: { BlocksetID: number; MetadataID: number }) => `${e.BlocksetID}:${e.MetadataID}`;
  for (const e of filesetEntries(view.db, view.filesets[base].ID)) {
    if (filter && !filter(e.Path, e.BlocksetID === FOLDER_BLOCKSET_ID)) continue;
    a.set(e.Path, { e: toListed(e, base), key: key(e) });
  }
  const res: CompareResult = {
    base: vs[base],
    compareTo: vs[to],
    added: [],
    deleted: [],
    modified: [],
  };
  for (const e of filesetEntries(view.db, view.filesets[to].ID)) {
    if (filter && !filter(e.Path, e.BlocksetID === FOLDER_BLOCKSET_ID)) continue;
    const prev = a.get(e.Path);
    if (!prev) res.added.push(toListed(e, to));
    else {
      if (prev.key !== key(e)) res.modified.push(toListed(e, to));
      a.delete(e.Path);
    }
  }
  for (const { e } of a.values()) res.deleted.push(e);
  const sort = (l: ListedEntry[]) => l.sort((x, y) => x.path < y.path ? -1 : 1);
  sort(res.added);
  sort(res.deleted);
  sort(res.modified);
  return res;
}

function toListed(
  e: { Path: string; BlocksetID: number; Length: number | null; Lastmodified: number },
  version: number,
): ListedEntry {
  const type = e.BlocksetID === FOLDER_BLOCKSET_ID
    ? "Folder"
    : e.BlocksetID === SYMLINK_BLOCKSET_ID
    ? "Symlink"
    : "File";
  return {
    path: e.Path,
    type,
    size: e.Length ?? 0,
    time: type === "File" ? new Date(e.Lastmodified) : undefined,
    version,
  };
}
