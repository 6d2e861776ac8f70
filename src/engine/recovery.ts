/**
 * Brings the local database and the remote folder back in line after an interrupted run (a crash,
 * kill -9, power loss). Volumes are recorded as `Uploading` (with size and hash) before they are
 * sent, so every file a run may have put on the remote is known here:
 * - a volume that reached the remote whole (recorded size) is kept, so no uploaded work is lost;
 * - everything else is deleted remotely and forgotten locally, with the blocks and blocksets that
 *   depended on it;
 * - the interrupted version is sealed as a partial version (`IsFullBackup: false`, Duplicati's
 *   "synthetic file list"): the files it had finished, plus the rest from the version before;
 * - a kept dblock whose dindex did not arrive gets a new dindex rebuilt from the database.
 * Completed versions never depend on unconfirmed volumes (the dlist is always uploaded last), so
 * they are untouched.
 */
import type { LocalDatabase } from "../db/local_database.ts";
import { VolumeState, VolumeType } from "../db/schema.ts";
import {
  addVolume,
  linkIndex,
  setVolumeState,
  volumeById,
  type VolumeRow,
  volumesInStates,
} from "../db/volumes.ts";
import { forgetVolumes } from "../db/cleanup.ts";
import {
  blocklistsInVolume,
  blocksInVolume,
  blockVolumesOfIndex,
  blockVolumesWithoutIndex,
  completedFilesetBefore,
  filesetOfVolume,
  makePartialFileset,
  uploadedBlockVolumesOf,
} from "../db/repair.ts";
import { toBase64 } from "../core/bytes.ts";
import type { RemoteEntry } from "../backends/backend.ts";
import type { FormatSettings, Session } from "./session.ts";
import { writeDlist } from "./dlist_writer.ts";
import { hashFile, sealVolume } from "./remote_volumes.ts";
import { writeIndexFile } from "./index_writer.ts";
import { finishDlistRewrites } from "./dlist_rewrite.ts";

/** What the clean-up did. */
export interface RecoveryReport {
  /** Versions whose dlist had reached the remote whole. */
  sealedVersions: string[];
  /** Interrupted versions written as partial versions. */
  partialVersions: string[];
  /** Volumes of the interrupted run kept because they reached the remote whole. */
  keptVolumes: number;
  removedRemote: string[];
  forgottenVolumes: number;
  /** dindex files rebuilt for dblocks without one. */
  rebuiltIndexes: string[];
  /** dlists whose interrupted rewrite (purge) was finished. */
  rewrittenDlists: string[];
}

/** Options of {@link recoverInterrupted}. */
export interface RecoveryOptions {
  /** Report only; change nothing. */
  dryRun?: boolean;
}

/**
 * Cleans up after an interrupted run. `remote` is a fresh listing of the destination.
 * Needs the format settings (passphrase) to write the partial version's dlist and rebuilt indexes.
 */
export async function recoverInterrupted(
  session: Session,
  db: LocalDatabase,
  remote: RemoteEntry[],
  settings: FormatSettings,
  o: RecoveryOptions = {},
): Promise<RecoveryReport> {
  const report: RecoveryReport = {
    sealedVersions: [],
    partialVersions: [],
    keptVolumes: 0,
    removedRemote: [],
    forgottenVolumes: 0,
    rebuiltIndexes: [],
    rewrittenDlists: [],
  };
  const unfinished = volumesInStates(db, VolumeState.Temporary, VolumeState.Uploading);
  const remoteByName = new Map(remote.map((r) => [r.name, r]));
  const drop: VolumeRow[] = [];
  const partial: VolumeRow[] = [];
  const arrived = (v: VolumeRow) => {
    const r = remoteByName.get(v.Name);
    return v.State === VolumeState.Uploading && r !== undefined && v.Size >= 0 &&
      r.size === v.Size;
  };
  // A volume that arrived whole is kept when something refers to it: a dblock holding blocks (a
  // compact records its blocks only after the upload), a dindex of a kept or trusted dblock, a
  // dlist of a version.
  const keptBlocks = new Set<number>();
  for (const v of unfinished) {
    if (v.Type === VolumeType.Blocks && arrived(v) && blocksInVolume(db, v.ID).length > 0) {
      keptBlocks.add(v.ID);
    }
  }
  const trusted = (id: number) => {
    const st = volumeById(db, id)?.State;
    return keptBlocks.has(id) || st === VolumeState.Uploaded || st === VolumeState.Verified;
  };
  for (const v of unfinished) {
    let keep = false;
    if (v.Type === VolumeType.Blocks) keep = keptBlocks.has(v.ID);
    else if (v.Type === VolumeType.Index) {
      const described = blockVolumesOfIndex(db, v.ID);
      keep = arrived(v) && described.length > 0 && described.every((b) => trusted(b.ID));
    } else keep = arrived(v) && filesetOfVolume(db, v.ID) !== undefined;
    if (keep) {
      if (!o.dryRun) setVolumeState(db, v.ID, VolumeState.Uploaded);
      if (v.Type === VolumeType.Files) report.sealedVersions.push(v.Name);
      else report.keptVolumes++;
      continue;
    }
    if (v.Type === VolumeType.Files && filesetOfVolume(db, v.ID)) partial.push(v);
    else drop.push(v);
  }
  for (const v of [...drop, ...partial]) {
    if (!remoteByName.has(v.Name)) continue;
    if (o.dryRun) {
      report.removedRemote.push(v.Name);
      continue;
    }
    try {
      await session.backend.delete(v.Name);
      report.removedRemote.push(v.Name);
    } catch (err) {
      session.logger.warn(`Could not delete the leftover remote file ${v.Name}: ${err}`);
    }
  }
  if (o.dryRun) {
    report.forgottenVolumes = drop.length;
    report.partialVersions = partial.map((v) => v.Name);
    return report;
  }
  if (drop.length) forgetVolumes(db, drop);
  report.forgottenVolumes += drop.length;

  // Kept dblocks first get their index, so the partial version never points at unindexed data.
  report.rebuiltIndexes = await rebuildMissingIndexes(session, db, settings);
  report.rewrittenDlists = await finishDlistRewrites(session, db, settings);

  for (const v of partial) {
    const fs = filesetOfVolume(db, v.ID)!;
    if (uploadedBlockVolumesOf(db, fs.OperationID) === 0) {
      // Nothing of the interrupted run reached the remote: there is nothing to keep.
      forgetVolumes(db, [v]);
      report.forgottenVolumes++;
      continue;
    }
    db.transaction(() =>
      makePartialFileset(db, fs.ID, completedFilesetBefore(db, fs.Timestamp)?.ID)
    );
    await uploadDlist(session, db, settings, fs.ID, v.ID, v.Name, false);
    report.partialVersions.push(v.Name);
    session.logger.info(`The interrupted backup was kept as the partial version ${v.Name}`);
  }
  return report;
}

/**
 * Writes the dlist of fileset `filesetId` from the database and uploads it as `name` (volume row
 * `volumeId`), recording intent first so a crash in between is recovered.
 */
export async function uploadDlist(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  filesetId: number,
  volumeId: number,
  name: string,
  isFull: boolean,
): Promise<void> {
  const zipPath = await writeDlist(session, db, settings, filesetId, isFull);
  const sealed = await sealVolume(settings, zipPath);
  db.transaction(() => setVolumeState(db, volumeId, VolumeState.Uploading, sealed));
  session.remoteLog.knownHash(name, sealed.hash);
  await session.backend.put(name, sealed.path);
  await Deno.remove(sealed.path).catch(() => {});
  db.transaction(() => setVolumeState(db, volumeId, VolumeState.Uploaded));
}

/** Writes and uploads a dindex for every trusted dblock without one; returns the new names. */
export async function rebuildMissingIndexes(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
): Promise<string[]> {
  const out: string[] = [];
  if ((session.opts.enumValue("index-file-policy") ?? "Full") === "None") return out;
  const hpb = settings.blocksize / settings.hashSize;
  for (const v of blockVolumesWithoutIndex(db)) {
    if (v.Size < 0 || !v.Hash) {
      // Found by scanning during a recreate: hash the remote file once to describe it.
      const tmp = session.tempFile(".hash");
      try {
        await session.backend.get(v.Name, tmp);
        const h = await hashFile(tmp);
        db.transaction(() => setVolumeState(db, v.ID, v.State, h));
        v.Size = h.size;
        v.Hash = h.hash;
      } catch (err) {
        session.logger.warn(`Cannot rebuild the index of ${v.Name}: ${(err as Error).message}`);
        continue;
      } finally {
        await Deno.remove(tmp).catch(() => {});
      }
    }
    const written = await writeIndexFile(session, settings, {
      dblockName: v.Name,
      dblockSize: v.Size,
      dblockHash: v.Hash,
      blocks: blocksInVolume(db, v.ID).map((b) => ({ hash: toBase64(b.Hash), size: b.Size })),
      blocklists: blocklistsInVolume(db, v.ID, hpb).map((b) => ({
        hash: toBase64(b.Hash),
        data: b.Data,
      })),
    });
    const iid = db.transaction(() => {
      const op = db.addOperation("Repair");
      const iid = addVolume(db, written.name, VolumeType.Index, VolumeState.Uploading, op);
      setVolumeState(db, iid, VolumeState.Uploading, written);
      linkIndex(db, iid, v.ID);
      return iid;
    });
    session.remoteLog.knownHash(written.name, written.hash);
    await session.backend.put(written.name, written.path);
    await Deno.remove(written.path).catch(() => {});
    db.transaction(() => setVolumeState(db, iid, VolumeState.Uploaded));
    out.push(written.name);
  }
  return out;
}
