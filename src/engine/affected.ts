/**
 * `affected <url> <remote file>...`: which versions and files depend on the given remote volumes,
 * i.e. what would be damaged if they were lost. A dblock affects the files whose data it holds; a
 * dindex affects nothing restorable (repair rebuilds it) but names the dblocks it describes; a
 * dlist is a version by itself. Needs the local database.
 */
import type { OptionValues } from "../core/option_values.ts";
import { ArgumentError, ExitCode } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import { VolumeType } from "../db/schema.ts";
import { volumeByName } from "../db/volumes.ts";
import { completedFilesets } from "../db/filesets.ts";
import { blockVolumesOfIndex, filesetOfVolume } from "../db/repair.ts";
import {
  dependentEntries,
  type DependentEntry,
  dropDependencyTables,
  markDependentBlocksets,
} from "../db/broken.ts";
import { formatSettings, openDatabase } from "./session.ts";
import { assertNotRecreating } from "./preflight.ts";
import { type BrokenVersion, groupByVersion } from "./broken_files.ts";

/** Inputs of `affected`. */
export interface AffectedRequest {
  url: string;
  /** Remote file names (dblock, dindex or dlist). */
  files: string[];
  options: OptionValues;
  logger?: Logger;
}

/** What depends on the given volumes. */
export interface AffectedResult {
  /** Names given that the database does not know. */
  unknown: string[];
  /** dindex name -> the dblocks it describes. */
  indexes: { name: string; dblocks: string[] }[];
  /** Versions whose dlist was given. */
  dlists: { name: string; version: number; time: Date }[];
  /** Per version, the files whose data is in the given dblocks. */
  versions: BrokenVersion[];
  totalFiles: number;
  exitCode: number;
}

/** Reports what depends on the given remote files. Throws UserError without a database. */
export function affected(req: AffectedRequest): Promise<AffectedResult> {
  if (req.files.length === 0) {
    throw new ArgumentError("Usage: affected <storage-URL> <remote file name> ...");
  }
  const opts = req.options;
  const settings = formatSettings(opts);
  const db = openDatabase(req.url, opts, false);
  try {
    assertNotRecreating(db);
    const blocksize = Number(db.getConfig("blocksize") ?? settings.blocksize);
    const filesets = completedFilesets(db);
    const index = new Map(filesets.map((f, i) => [f.ID, i]));
    const r: AffectedResult = {
      unknown: [],
      indexes: [],
      dlists: [],
      versions: [],
      totalFiles: 0,
      exitCode: ExitCode.Success,
    };
    const dblockIds: number[] = [];
    for (const name of req.files) {
      const v = volumeByName(db, name.replace(/^.*[\\/]/, ""));
      if (!v) {
        r.unknown.push(name);
        continue;
      }
      if (v.Type === VolumeType.Blocks) dblockIds.push(v.ID);
      else if (v.Type === VolumeType.Index) {
        r.indexes.push({ name: v.Name, dblocks: blockVolumesOfIndex(db, v.ID).map((b) => b.Name) });
      } else {
        const fs = filesetOfVolume(db, v.ID);
        const i = fs ? index.get(fs.ID) : undefined;
        if (fs && i !== undefined) {
          r.dlists.push({ name: v.Name, version: i, time: new Date(fs.Timestamp) });
        }
      }
    }
    let entries: DependentEntry[] = [];
    if (dblockIds.length) {
      markDependentBlocksets(db, dblockIds, { lostBlocks: false, blocksize });
      try {
        entries = dependentEntries(db);
      } finally {
        dropDependencyTables(db);
      }
    }
    r.versions = groupByVersion(filesets, entries);
    r.totalFiles = entries.length;
    return Promise.resolve(r);
  } finally {
    db.close();
  }
}
