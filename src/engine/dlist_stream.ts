/**
 * A dlist written by a CPU worker while the caller reads the database: the caller packs the
 * version's entries in batches ({@link DlistRowBatch}) and sends them as jobs; the worker turns
 * them into filelist.json entries, deflates them and writes the zip (manifest, fileset,
 * filelist.json). At the end of a backup of 100,000 files this takes half a second off the thread
 * that queries, which is the busy one. The jobs of one dlist must go to one worker, in order (see
 * CpuPool.runOn); without workers they run in the calling thread.
 */
import { type Bytes, toBase64 } from "../core/bytes.ts";
import { ZipWriter } from "../format/zip.ts";
import { formatDlistTime } from "../format/volume_names.ts";
import { type FilelistEntry, FilelistWriter } from "../format/filelist.ts";

/** Entry kinds in {@link DlistRows.kinds}. */
export const ROW_FILE = 0;
export const ROW_FOLDER = 1;
export const ROW_SYMLINK = 2;

/** A batch of entries, packed so that it crosses threads in a few buffers. */
export interface DlistRows {
  count: number;
  /** Per row: ROW_FILE, ROW_FOLDER or ROW_SYMLINK. */
  kinds: Uint8Array;
  paths: string[];
  /** Per row three numbers: size (files), last-modified time in ms (files), metadata size. */
  nums: Float64Array;
  /** Bytes per hash. */
  hashSize: number;
  /** Per row two hashes: the content hash (files; zeros otherwise), then the metadata hash. */
  hashes: Uint8Array;
  /** The rows with blocklists (base64): [row, blocklists, metadata blocklists]. */
  lists: [number, string[] | undefined, string[] | undefined][];
}

/** The jobs of one dlist, by `id`: open, rows (any number), close (or abort). */
export type DlistJob =
  | {
    op: "dlist-open";
    id: number;
    path: string;
    manifest: Bytes;
    fileset: Bytes;
    /** Deflate level of filelist.json. */
    level: number;
  }
  | { op: "dlist-rows"; id: number; rows: DlistRows }
  | { op: "dlist-close"; id: number; abort?: boolean };

/** What a dlist job returns: the number of entries written so far. */
export interface DlistResult {
  op: "dlist";
  entries: number;
}

interface OpenDlist {
  zip: ZipWriter;
  list: { write(chunk: Uint8Array): void; end(): void };
  writer: FilelistWriter;
}

const open = new Map<number, OpenDlist>();

/**
 * Runs one dlist job in this thread. A job that fails aborts the dlist (its file is deleted), so
 * the jobs after it fail too, naming the dlist as unknown: the caller reports the first error.
 */
export function runDlistJob(job: DlistJob): DlistResult {
  if (job.op === "dlist-open") {
    const zip = ZipWriter.create(job.path);
    try {
      zip.add("manifest", job.manifest, { compress: true, level: 6 });
      zip.add("fileset", job.fileset, { compress: true, level: 6 });
      const list = zip.beginEntry("filelist.json", { compress: true, level: job.level });
      const writer = new FilelistWriter({ sink: (chunk) => list.write(chunk) });
      open.set(job.id, { zip, list, writer });
    } catch (err) {
      zip.abort();
      throw err;
    }
    return { op: "dlist", entries: 0 };
  }
  const d = open.get(job.id);
  if (!d) {
    if (job.op === "dlist-close" && job.abort) return { op: "dlist", entries: 0 };
    throw new Error(`dlist ${job.id} is not open (an earlier part failed)`);
  }
  try {
    if (job.op === "dlist-rows") addRows(d.writer, job.rows);
    else if (job.abort) {
      open.delete(job.id);
      d.zip.abort();
    } else {
      open.delete(job.id);
      d.writer.finish();
      d.list.end();
      d.zip.close();
    }
    return { op: "dlist", entries: d.writer.count };
  } catch (err) {
    open.delete(job.id);
    d.zip.abort();
    throw err;
  }
}

/** Adds a batch's entries in Duplicati's shape (see encodeFilelistEntry for the order). */
function addRows(writer: FilelistWriter, rows: DlistRows): void {
  const lists = new Map(rows.lists.map(([row, blocklists, metablocklists]) => [row, {
    blocklists,
    metablocklists,
  }]));
  const h = rows.hashSize;
  for (let i = 0; i < rows.count; i++) {
    const kind = rows.kinds[i];
    const extra = lists.get(i);
    const meta = {
      metahash: toBase64(rows.hashes.subarray((2 * i + 1) * h, (2 * i + 2) * h)),
      metasize: rows.nums[i * 3 + 2],
      ...(extra?.metablocklists ? { metablocklists: extra.metablocklists } : {}),
    };
    let entry: FilelistEntry;
    if (kind !== ROW_FILE) {
      entry = { type: kind === ROW_FOLDER ? "Folder" : "Symlink", path: rows.paths[i], ...meta };
    } else {
      entry = {
        type: "File",
        path: rows.paths[i],
        hash: toBase64(rows.hashes.subarray(2 * i * h, (2 * i + 1) * h)),
        size: rows.nums[i * 3],
        time: formatDlistTime(new Date(rows.nums[i * 3 + 1])),
        ...meta,
        ...(extra?.blocklists ? { blocklists: extra.blocklists } : {}),
      };
    }
    writer.add(entry);
  }
}

/** Packs rows for {@link DlistJob} "dlist-rows" jobs, `capacity` at a time. */
export class DlistRowBatch {
  #rows!: DlistRows;

  constructor(private capacity: number, private hashSize: number) {
    this.#reset();
  }

  #reset(): void {
    this.#rows = {
      count: 0,
      kinds: new Uint8Array(this.capacity),
      paths: [],
      nums: new Float64Array(this.capacity * 3),
      hashSize: this.hashSize,
      hashes: new Uint8Array(this.capacity * 2 * this.hashSize),
      lists: [],
    };
  }

  get count(): number {
    return this.#rows.count;
  }

  get full(): boolean {
    return this.#rows.count >= this.capacity;
  }

  /** Adds one entry; `hash`, `size` and `time` only for files. */
  add(e: {
    kind: number;
    path: string;
    hash?: Uint8Array;
    size?: number;
    time?: number;
    metaHash: Uint8Array;
    metaSize: number;
    blocklists?: string[];
    metablocklists?: string[];
  }): void {
    const r = this.#rows;
    const i = r.count++;
    r.kinds[i] = e.kind;
    r.paths.push(e.path);
    r.nums[i * 3] = e.size ?? 0;
    r.nums[i * 3 + 1] = e.time ?? 0;
    r.nums[i * 3 + 2] = e.metaSize;
    const h = this.hashSize;
    if ((e.hash && e.hash.length !== h) || e.metaHash.length !== h) {
      throw new Error(`dlist entry ${e.path}: a hash is not ${h} bytes long`);
    }
    if (e.hash) r.hashes.set(e.hash, 2 * i * h);
    r.hashes.set(e.metaHash, (2 * i + 1) * h);
    if (e.blocklists || e.metablocklists) r.lists.push([i, e.blocklists, e.metablocklists]);
  }

  /** The rows so far and the buffers to transfer with them; starts a new batch. */
  take(): { rows: DlistRows; transfer: ArrayBuffer[] } {
    const rows = this.#rows;
    this.#reset();
    return {
      rows,
      transfer: [rows.kinds.buffer, rows.nums.buffer, rows.hashes.buffer] as ArrayBuffer[],
    };
  }
}
