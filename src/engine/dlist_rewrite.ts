/**
 * Rewriting the dlist of an existing version in place (purge, purge-broken-files): the database
 * change and a "rewrite pending" mark are committed together, then the new dlist replaces the old
 * one under the same name (a put replaces atomically), then the mark is cleared. A crash in
 * between is finished by the next run's recovery ({@link finishDlistRewrites}).
 */
import type { LocalDatabase } from "../db/local_database.ts";
import { VolumeState } from "../db/schema.ts";
import { setVolumeState, volumeById } from "../db/volumes.ts";
import { filesetOfVolume, markDlistRewrite, pendingDlistRewrites } from "../db/repair.ts";
import type { FilesetRow } from "../db/filesets.ts";
import type { FormatSettings, Session } from "./session.ts";
import { writeDlist } from "./dlist_writer.ts";
import { sealVolume } from "./remote_volumes.ts";

/** Applies `change` to the database and uploads the version's new dlist over the old one. */
export async function rewriteDlist(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  fileset: FilesetRow,
  change: () => void,
): Promise<void> {
  db.transaction(() => {
    change();
    markDlistRewrite(db, fileset.VolumeID, true);
  });
  await uploadCurrentDlist(session, db, settings, fileset);
}

async function uploadCurrentDlist(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  fileset: FilesetRow,
): Promise<void> {
  const zipPath = await writeDlist(session, db, settings, fileset.ID, fileset.IsFullBackup === 1);
  const sealed = await sealVolume(settings, zipPath);
  session.remoteLog.knownHash(fileset.Name, sealed.hash);
  await session.backend.put(fileset.Name, sealed.path);
  await Deno.remove(sealed.path).catch(() => {});
  db.transaction(() => {
    setVolumeState(db, fileset.VolumeID, VolumeState.Uploaded, sealed);
    markDlistRewrite(db, fileset.VolumeID, false);
  });
}

/** Finishes dlist rewrites an earlier run left pending; returns the names uploaded. */
export async function finishDlistRewrites(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
): Promise<string[]> {
  const out: string[] = [];
  for (const volumeId of pendingDlistRewrites(db)) {
    const fs = filesetOfVolume(db, volumeId);
    if (!fs || !volumeById(db, volumeId)) {
      db.transaction(() => markDlistRewrite(db, volumeId, false));
      continue;
    }
    await uploadCurrentDlist(session, db, settings, fs);
    out.push(fs.Name);
  }
  return out;
}
