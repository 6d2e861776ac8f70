/**
 * Writes the dindex file of one dblock: the list of its blocks with the volume's size and hash,
 * plus copies of the blocklists it holds (`--index-file-policy=Full`). Used by backup for every new
 * dblock, and by repair/recovery to rebuild an index that never reached the remote.
 */
import { ZipWriter } from "../format/zip.ts";
import { generateVolumeName } from "../format/volume_names.ts";
import { encodeVolumeIndex, LIST_PREFIX, VOL_PREFIX } from "../format/dindex.ts";
import { base64ToUrl } from "../core/bytes.ts";
import { manifestFor } from "./dblock_writer.ts";
import { type SealedVolume, sealVolume } from "./remote_volumes.ts";
import type { FormatSettings, Session } from "./session.ts";

/** What goes into a dindex. */
export interface IndexContent {
  dblockName: string;
  dblockSize: number;
  /** Standard base64 SHA-256 of the dblock as stored remotely. */
  dblockHash: string;
  blocks: readonly { hash: string; size: number }[];
  /** Blocklist blocks of the dblock (hash in standard base64, raw content). */
  blocklists: readonly { hash: string; data: Uint8Array }[];
}

/** Starts a new volume: a fresh name, a temp zip and its manifest entry. */
export function startVolume(
  session: Session,
  settings: FormatSettings,
  type: "dblock" | "dindex",
): { name: string; path: string; zip: ZipWriter } {
  const name = generateVolumeName({
    prefix: settings.prefix,
    type,
    compression: "zip",
    encryption: settings.encryption,
  });
  const path = session.tempFile(`.${type}.zip`);
  const zip = ZipWriter.create(path);
  zip.add("manifest", manifestFor(settings), { compress: true, level: 6 });
  return { name, path, zip };
}

/** Builds, encrypts and hashes a dindex; returns its new name and the sealed file. */
export async function writeIndexFile(
  session: Session,
  settings: FormatSettings,
  c: IndexContent,
): Promise<{ name: string } & SealedVolume> {
  const { name, path, zip: z } = startVolume(session, settings, "dindex");
  for (const bl of c.blocklists) {
    z.add(LIST_PREFIX + base64ToUrl(bl.hash), bl.data, { compress: false, level: 0 });
  }
  z.add(
    VOL_PREFIX + c.dblockName,
    encodeVolumeIndex({
      blocks: [...c.blocks],
      volumeHash: c.dblockHash,
      volumeSize: c.dblockSize,
    }),
    { compress: true, level: 6 },
  );
  z.finish();
  return { name, ...(await sealVolume(settings, path)) };
}
