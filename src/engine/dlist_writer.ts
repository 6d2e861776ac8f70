/**
 * Writes the dlist of a version (manifest, fileset, filelist.json) from the database, as Duplicati
 * does: used by backup, by repair (a lost dlist is rebuilt), by purge and to seal interrupted runs.
 */
import { toBase64 } from "../core/bytes.ts";
import { eventLoopTurn } from "../core/event_loop.ts";
import { collectYoungGarbage } from "../core/memory.ts";
import { ZipWriter } from "../format/zip.ts";
import { formatDlistTime } from "../format/volume_names.ts";
import { encodeFileset, FilelistWriter } from "../format/filelist.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { FOLDER_BLOCKSET_ID } from "../db/schema.ts";
import { blocklistHashes } from "../db/blocks.ts";
import { filesetEntriesSorted } from "../db/filesets.ts";
import { manifestFor } from "./dblock_writer.ts";
import type { FormatSettings, Session } from "./session.ts";

/**
 * Writes the dlist zip of a fileset to a temp file and returns its path. Hands the event loop a
 * turn now and then (see core/event_loop.ts): nothing else may use `db` until this resolves.
 */
export async function writeDlist(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  filesetId: number,
  isFull = true,
): Promise<string> {
  // filelist.json is streamed into the archive as it is encoded: memory stays flat however many
  // files the version has.
  const path = session.tempFile(".dlist.zip");
  const z = ZipWriter.create(path);
  z.add("manifest", manifestFor(settings), { compress: true, level: 6 });
  z.add("fileset", encodeFileset(isFull), { compress: true, level: 6 });
  const out = z.beginEntry("filelist.json", { compress: true, level: settings.zipLevel || 6 });
  const fl = new FilelistWriter({ sink: (chunk) => out.write(chunk) });
  const bsz = settings.blocksize;
  let rows = 0;
  // Folders and symlinks first, then files, each sorted by path (as Duplicati writes them).
  {
    for (const r of filesetEntriesSorted(db, filesetId)) {
      const isFile = r.BlocksetID >= 0;
      const metaLists = r.MetaLength > bsz
        ? blocklistHashes(db, r.MetaBlocksetID).map((h) => toBase64(h))
        : undefined;
      const meta = {
        metahash: toBase64(r.MetaHash),
        metasize: r.MetaLength,
        ...(metaLists ? { metablocklists: metaLists } : {}),
      };
      if (!isFile) {
        fl.add({
          type: r.BlocksetID === FOLDER_BLOCKSET_ID ? "Folder" : "Symlink",
          path: r.Path,
          ...meta,
        });
      } else {
        const lists = (r.Length ?? 0) > bsz
          ? blocklistHashes(db, r.BlocksetID).map((h) => toBase64(h))
          : undefined;
        fl.add({
          type: "File",
          path: r.Path,
          hash: toBase64(r.FullHash!),
          size: r.Length!,
          time: formatDlistTime(new Date(r.Lastmodified)),
          ...meta,
          ...(lists ? { blocklists: lists } : {}),
        });
      }
      // The row objects die at once; collect them before they pile up in the old generation.
      if (++rows % 4096 === 0) collectYoungGarbage();
      await eventLoopTurn();
    }
  }
  fl.finish();
  out.end();
  z.finish();
  return path;
}
