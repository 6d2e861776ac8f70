/** The mark a database carries while it is being recreated from the remote files. */
import type { LocalDatabase } from "./local_database.ts";
import { VolumeState } from "./schema.ts";

const KEY = "recreate-in-progress";

/** True while a recreate has started on this database and not finished. */
export function isRecreating(db: LocalDatabase): boolean {
  return db.getConfig(KEY) !== undefined;
}

/** Sets or clears the mark. */
export function setRecreating(db: LocalDatabase, on: boolean): void {
  if (on) db.setConfig(KEY, String(Date.now()));
  else db.run("DELETE FROM Configuration WHERE Key=?", KEY);
}

/** True when the database knows no remote volume at all (a fresh or emptied database). */
export function hasNoVolumes(db: LocalDatabase): boolean {
  return db.get(
    "SELECT 1 AS x FROM Remotevolume WHERE State IN (?, ?, ?) LIMIT 1",
    VolumeState.Uploading,
    VolumeState.Uploaded,
    VolumeState.Verified,
  ) === undefined;
}

/** How many blocks that versions need are stored in no known volume. */
export function blocksWithoutVolume(db: LocalDatabase): number {
  return db.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM Block b WHERE b.VolumeID < 0 OR NOT EXISTS
       (SELECT 1 FROM Remotevolume v WHERE v.ID = b.VolumeID)`,
  )!.n;
}
