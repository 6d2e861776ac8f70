/**
 * Brings the local database and the remote folder back in line after an interrupted run (a crash,
 * kill -9, power loss). Volumes are recorded as `Uploading` (with size and hash) before they are
 * sent, so every file a run may have put on the remote is known here:
 * - a dlist that reached the remote completely seals its version;
 * - everything else not confirmed as uploaded is deleted remotely and forgotten locally, together
 *   with the blocks, blocksets and unfinished versions that depended on it.
 * Completed versions never depend on unconfirmed volumes (the dlist is always uploaded last), so
 * they are untouched.
 */
import type { LocalDatabase } from "../db/local_database.ts";
import { VolumeState, VolumeType } from "../db/schema.ts";
import { setVolumeState, type VolumeRow, volumesInStates } from "../db/volumes.ts";
import { forgetVolumes } from "../db/cleanup.ts";
import type { RemoteEntry } from "../backends/backend.ts";
import type { Session } from "./session.ts";

/** What the clean-up did. */
export interface RecoveryReport {
  sealedVersions: string[];
  removedRemote: string[];
  forgottenVolumes: number;
}

/** Cleans up after an interrupted run. `remote` is a fresh listing of the destination. */
export async function recoverInterrupted(
  session: Session,
  db: LocalDatabase,
  remote: RemoteEntry[],
): Promise<RecoveryReport> {
  const report: RecoveryReport = { sealedVersions: [], removedRemote: [], forgottenVolumes: 0 };
  const unfinished = volumesInStates(db, VolumeState.Temporary, VolumeState.Uploading);
  if (unfinished.length === 0) return report;
  const remoteByName = new Map(remote.map((r) => [r.name, r]));
  const drop: VolumeRow[] = [];
  for (const v of unfinished) {
    const r = remoteByName.get(v.Name);
    if (
      v.Type === VolumeType.Files && v.State === VolumeState.Uploading && r && v.Size >= 0 &&
      r.size === v.Size
    ) {
      // The dlist arrived whole: the version is complete.
      setVolumeState(db, v.ID, VolumeState.Uploaded);
      report.sealedVersions.push(v.Name);
      continue;
    }
    drop.push(v);
  }
  for (const v of drop) {
    if (remoteByName.has(v.Name)) {
      try {
        await session.backend.delete(v.Name);
        report.removedRemote.push(v.Name);
      } catch (err) {
        session.logger.warn(`Could not delete the leftover remote file ${v.Name}: ${err}`);
        continue;
      }
    }
  }
  forgetVolumes(db, drop);
  report.forgottenVolumes += drop.length;
  return report;
}
