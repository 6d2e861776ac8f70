/**
 * Writes the dlist of a version (manifest, fileset, filelist.json) from the database, as Duplicati
 * does: used by backup, by repair (a lost dlist is rebuilt), by purge and to seal interrupted runs.
 */
import { toBase64 } from "../core/bytes.ts";
import { eventLoopTurn } from "../core/event_loop.ts";
import { collectYoungGarbage } from "../core/memory.ts";
import { encodeFileset } from "../format/filelist.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { FOLDER_BLOCKSET_ID } from "../db/schema.ts";
import { blocklistHashes } from "../db/blocks.ts";
import { filesetEntriesSorted } from "../db/filesets.ts";
import { manifestFor } from "./dblock_writer.ts";
import type { FormatSettings, Session } from "./session.ts";
import { type DlistJob, DlistRowBatch, ROW_FILE, ROW_FOLDER, ROW_SYMLINK } from "./dlist_stream.ts";

/** Entries per batch sent to the worker, and batches in flight at most. */
const BATCH_ROWS = 2048;
const BATCHES_IN_FLIGHT = 4;
let nextId = 1;

/**
 * Writes the dlist zip of a fileset to a temp file and returns its path. This thread reads the
 * entries from the database; a CPU worker encodes, deflates and writes them (see
 * dlist_stream.ts), so memory stays flat however many files the version has. Hands the event loop
 * a turn now and then (see core/event_loop.ts): nothing else may use `db` until this resolves.
 */
export async function writeDlist(
  session: Pick<Session, "tempFile" | "pool">,
  db: LocalDatabase,
  settings: FormatSettings,
  filesetId: number,
  isFull = true,
): Promise<string> {
  const path = session.tempFile(".dlist.zip");
  const pool = session.pool;
  const slot = pool.pickSlot();
  const id = nextId++;
  const pending: Promise<unknown>[] = [];
  const send = (job: DlistJob, transfer: ArrayBuffer[] = []) => {
    const p = pool.runOn(slot, job, transfer);
    p.catch(() => {}); // awaited below; a failure must not count as unhandled meanwhile
    pending.push(p);
  };
  send({
    op: "dlist-open",
    id,
    path,
    manifest: manifestFor(settings),
    fileset: encodeFileset(isFull),
    level: settings.zipLevel || 6,
  });
  const bsz = settings.blocksize;
  const lists = (blocksetId: number) => blocklistHashes(db, blocksetId).map((h) => toBase64(h));
  let batch: DlistRowBatch | undefined;
  const flush = async () => {
    if (!batch?.count) return;
    const { rows, transfer } = batch.take();
    send({ op: "dlist-rows", id, rows }, transfer);
    while (pending.length > BATCHES_IN_FLIGHT) await pending.shift();
  };
  try {
    let rows = 0;
    // Folders and symlinks first, then files, each sorted by path (as Duplicati writes them).
    for (const r of filesetEntriesSorted(db, filesetId)) {
      batch ??= new DlistRowBatch(BATCH_ROWS, r.MetaHash.length);
      const isFile = r.BlocksetID >= 0;
      batch.add({
        kind: !isFile ? (r.BlocksetID === FOLDER_BLOCKSET_ID ? ROW_FOLDER : ROW_SYMLINK) : ROW_FILE,
        path: r.Path,
        hash: isFile ? r.FullHash! : undefined,
        size: isFile ? r.Length! : undefined,
        time: isFile ? r.Lastmodified : undefined,
        metaHash: r.MetaHash,
        metaSize: r.MetaLength,
        blocklists: isFile && (r.Length ?? 0) > bsz ? lists(r.BlocksetID) : undefined,
        metablocklists: r.MetaLength > bsz ? lists(r.MetaBlocksetID) : undefined,
      });
      if (batch.full) await flush();
      // The row objects die at once; collect them before they pile up in the old generation.
      if (++rows % 4096 === 0) collectYoungGarbage();
      await eventLoopTurn();
    }
    await flush();
    send({ op: "dlist-close", id });
    // Jobs run in order: the first failure is the cause, the later ones only say so.
    for (const p of pending) await p;
  } catch (err) {
    await Promise.allSettled(pending);
    await pool.runOn(slot, { op: "dlist-close", id, abort: true }).catch(() => {});
    throw err;
  }
  return path;
}
