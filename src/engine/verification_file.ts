/** Uploads `<prefix>-verification.json` (`--upload-verification-file`). */
import { VolumeState } from "../db/schema.ts";
import { volumesInStates } from "../db/volumes.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { encodeVerificationFile, verificationFileName } from "../format/verification_json.ts";
import type { Session } from "./session.ts";

/** Writes and uploads the verification file listing every volume not `Temporary`. */
export async function uploadVerificationFile(
  session: Session,
  db: LocalDatabase,
  prefix: string,
): Promise<string> {
  const vols = volumesInStates(
    db,
    VolumeState.Uploading,
    VolumeState.Uploaded,
    VolumeState.Verified,
    VolumeState.Deleting,
    VolumeState.Deleted,
  ).sort((a, b) => a.ID - b.ID);
  const bytes = encodeVerificationFile(vols.map((v) => ({
    id: v.ID,
    name: v.Name,
    hash: v.Hash,
    size: v.Size,
    type: v.Type,
    state: v.State,
  })));
  const path = session.tempFile(".json");
  await Deno.writeFile(path, bytes);
  const name = verificationFileName(prefix);
  try {
    await session.backend.put(name, path);
  } finally {
    await Deno.remove(path).catch(() => {});
  }
  return name;
}
