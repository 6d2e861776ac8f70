/**
 * Filling a fileset from a remote file list (restore without a database, recreate) with
 * multi-row statements: entries are queued and written in batches, blocks, blocksets, metadata
 * sets, path prefixes and file rows each deduplicated in memory and against the rows already in
 * the database. The rows and their IDs are the same as adding the entries one by one with
 * `insertBlockIfNew`, `blocksetFor`, `metadatasetFor`, `prefixId`, `fileId` and `addFilesetEntry`.
 */
import { Buffer } from "node:buffer";
import type { SQLInputValue } from "node:sqlite";
import type { LocalDatabase } from "./local_database.ts";
import { insertNewRows, runRows } from "./batch.ts";
import { BULK_LOAD_INDEXES, SCHEMA_SQL } from "./schema.ts";

/** A blockset as a file list describes it; hashes in base64. */
export interface BlocksetSpec {
  fullHash: string;
  length: number;
  /** The only block, used when `length` > 0 and there are no blocklists. */
  block?: { hash: string; size: number };
  /** Hashes of the blocklists, in order (their block entries come later, from the indexes). */
  blocklists?: readonly string[];
}

/** One file list entry, ready for the database. */
export interface FilesetImportEntry {
  /** Folder prefix (with its trailing separator) and name, as `splitPath` gives them. */
  folder: string;
  name: string;
  meta: BlocksetSpec;
  /**
   * The content blockset, or a special blockset ID (folder, symlink); null for an entry that is
   * not added (only its metadata is recorded).
   */
  content: BlocksetSpec | number | null;
  lastModified: number;
}

/** Entries written per batch. */
const ENTRY_BATCH = 512;
/** Above this many remembered keys per table, memory is freed and lookups go to the database. */
const DEFAULT_CACHE_LIMIT = 250_000;

const b64 = (h: unknown) => {
  const u = h as Uint8Array;
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString("base64");
};
const bytes = (s: string) => Buffer.from(s, "base64");
const usesBlock = (s: BlocksetSpec) =>
  s.length > 0 && s.block !== undefined && !s.blocklists?.length;

/**
 * The rows of one table seen by this import. A key (with a size, for rows keyed by hash and
 * size) gets a slot, whose ID is known at once or after `resolve`. `complete` while the cache
 * knows every row of the table (the table was empty at the start and nothing was forgotten), so
 * a key it lacks is new without asking the database.
 *
 * The key alone stands for the first size seen with it (key strings from the parser are cheap
 * to hash again, built ones are not); another size with the same key, which only a crafted file
 * list could bring, is kept under `key:size`.
 */
class IdCache<P> {
  private slots = new Map<string | number, number>();
  /** ID per slot; -1 while pending. */
  private ids: number[] = [];
  private sizes: number[] = [];
  private pending: number[] = [];
  private rows: P[] = [];
  constructor(
    private complete: boolean,
    private readonly limit: number,
    /** Finds existing rows among `rows`: calls `found(key, size, id)` for each. */
    private readonly lookup: (
      rows: P[],
      found: (key: string | number, size: number, id: number) => void,
    ) => void,
    /** Inserts new rows in order; returns the first ID (the rest follow consecutively). */
    private readonly insert: (rows: P[]) => number,
  ) {}

  /** True while the cache knows every row of its table. */
  get isComplete(): boolean {
    return this.complete;
  }

  /** True once the cache is too large: `trim` will forget it. */
  get full(): boolean {
    return this.ids.length > this.limit;
  }

  /** Frees memory between batches once the cache is too large. */
  trim(): void {
    if (this.full) {
      this.slots.clear();
      this.ids = [];
      this.sizes = [];
      this.complete = false;
    }
  }

  private slotOf(key: string | number, size: number): number | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined || this.sizes[slot] === size) return slot;
    return this.slots.get(`${key}:${size}`);
  }

  /** The slot of (key, size), noting `row` to be found or inserted when it is new. */
  need(key: string | number, size: number, row: P): number {
    let slot = this.slots.get(key);
    let stored = key;
    if (slot !== undefined) {
      if (this.sizes[slot] === size) return slot;
      stored = `${key}:${size}`;
      slot = this.slots.get(stored);
      if (slot !== undefined) return slot;
    }
    slot = this.ids.length;
    this.slots.set(stored, slot);
    this.ids.push(-1);
    this.sizes.push(size);
    this.pending.push(slot);
    this.rows.push(row);
    return slot;
  }

  /** Gives every noted row an ID: found in the database, or inserted in the order noted. */
  resolve(): void {
    let pending = this.pending;
    let rows = this.rows;
    if (pending.length === 0) return;
    this.pending = [];
    this.rows = [];
    if (!this.complete) {
      this.lookup(rows, (key, size, id) => {
        const slot = this.slotOf(key, size);
        if (slot !== undefined && this.ids[slot] < 0) this.ids[slot] = id;
      });
      const left = pending.map((slot, i) => [slot, i]).filter(([slot]) => this.ids[slot] < 0);
      pending = left.map(([slot]) => slot);
      rows = left.map(([, i]) => rows[i]);
      if (pending.length === 0) return;
    }
    const first = this.insert(rows);
    for (let i = 0; i < pending.length; i++) this.ids[pending[i]] = first + i;
  }

  /** The ID of a slot (after `resolve`). */
  id(slot: number): number {
    const id = this.ids[slot];
    if (!(id >= 0)) throw new Error(`internal: slot ${slot} has no ID`);
    return id;
  }
}

function isEmpty(db: LocalDatabase, table: string): boolean {
  return db.get(`SELECT 1 AS x FROM ${table} LIMIT 1`) === undefined;
}

/** Looks rows up by one column with `IN (...)` lists. */
function lookupIn(
  db: LocalDatabase,
  select: string,
  values: SQLInputValue[],
  found: (row: Record<string, unknown>) => void,
): void {
  runRows(db, (l) => `${select} IN (${l})`, 1, values, found);
}

/** Flat key strings hash faster than the nested ones a template literal builds. */
const fileKey = (prefix: number, name: string, bs: number, meta: number) =>
  [prefix, bs, meta, name].join("/");

type Block = { hash: string; size: number };
type FileRow = [number, string, number, number];

/**
 * Adds the entries of file lists to their filesets. Call `add` for each entry, `flush` before
 * committing (nothing is guaranteed written before), and `finish` at the end. One importer serves
 * several file lists in a row (versions share most rows, which it then finds in memory); nothing
 * else may write these tables while it is in use.
 */
export class FilesetImporter {
  private queue: { filesetId: number; entry: FilesetImportEntry }[] = [];
  private blocks: IdCache<Block>;
  private blocksets: IdCache<BlocksetSpec>;
  private metasets: IdCache<number>;
  private prefixes: IdCache<string>;
  private files: IdCache<FileRow>;

  /** True while the indexes of a fresh database are dropped for the bulk load. */
  private indexesDeferred = false;

  constructor(private readonly db: LocalDatabase, cacheLimit = DEFAULT_CACHE_LIMIT) {
    this.blocks = new IdCache<Block>(
      isEmpty(db, "Block"),
      cacheLimit,
      (rows, found) =>
        lookupIn(
          db,
          "SELECT ID, Hash, Size FROM Block WHERE Hash",
          [...new Set(rows.map((b) => b.hash))].map(bytes),
          (r) => found(b64(r.Hash), r.Size as number, r.ID as number),
        ),
      (rows) =>
        insertNewRows(
          db,
          (l) => `INSERT INTO Block(Hash, Size, VolumeID) VALUES ${l}`,
          3,
          rows.flatMap((b) => [bytes(b.hash), b.size, -1]),
        ),
    );
    this.blocksets = new IdCache<BlocksetSpec>(
      isEmpty(db, "Blockset"),
      cacheLimit,
      (rows, found) =>
        lookupIn(
          db,
          "SELECT ID, FullHash, Length FROM Blockset WHERE FullHash",
          [...new Set(rows.map((s) => s.fullHash))].map(bytes),
          (r) => found(b64(r.FullHash), r.Length as number, r.ID as number),
        ),
      (rows) => this.insertBlocksets(rows),
    );
    this.metasets = new IdCache<number>(
      isEmpty(db, "Metadataset"),
      cacheLimit,
      (rows, found) =>
        lookupIn(
          db,
          "SELECT ID, BlocksetID FROM Metadataset WHERE BlocksetID",
          rows,
          (r) => found(r.BlocksetID as number, 0, r.ID as number),
        ),
      (rows) =>
        insertNewRows(db, (l) => `INSERT INTO Metadataset(BlocksetID) VALUES ${l}`, 1, rows),
    );
    this.prefixes = new IdCache<string>(
      isEmpty(db, "PathPrefix"),
      cacheLimit,
      (rows, found) =>
        lookupIn(
          db,
          "SELECT ID, Prefix FROM PathPrefix WHERE Prefix",
          rows,
          (r) => found(r.Prefix as string, 0, r.ID as number),
        ),
      (rows) => insertNewRows(db, (l) => `INSERT INTO PathPrefix(Prefix) VALUES ${l}`, 1, rows),
    );
    this.files = new IdCache<FileRow>(
      isEmpty(db, "FileLookup"),
      cacheLimit,
      (rows, found) =>
        runRows(
          db,
          (l) =>
            `SELECT f.ID AS ID, f.PrefixID AS P, f.Path AS N, f.BlocksetID AS B, f.MetadataID AS M
             FROM (VALUES ${l}) v CROSS JOIN FileLookup f ON f.PrefixID = v.column1
             AND f.Path = v.column2 AND f.BlocksetID = v.column3 AND f.MetadataID = v.column4`,
          4,
          rows.flat(),
          (r) =>
            found(
              fileKey(r.P as number, r.N as string, r.B as number, r.M as number),
              0,
              r.ID as number,
            ),
        ),
      (rows) =>
        insertNewRows(
          db,
          (l) => `INSERT INTO FileLookup(PrefixID, Path, BlocksetID, MetadataID) VALUES ${l}`,
          4,
          rows.flat(),
        ),
    );
  }

  /**
   * Into a fresh database, the rows are loaded without the indexes of `BULK_LOAD_INDEXES`
   * (building an index once at the end costs far less than updating it row by row) and `finish`
   * builds them. Uniqueness is then the caches' job, and building a unique index over duplicates
   * fails loudly. A run that stops before `finish` leaves them missing until the database is next
   * opened, which creates them.
   */
  deferIndexes(): void {
    if (this.indexesDeferred) return;
    if (![this.blocks, this.blocksets, this.files].every((c) => c.isComplete)) return;
    for (const name of BULK_LOAD_INDEXES) this.db.db.exec(`DROP INDEX IF EXISTS ${name}`);
    this.indexesDeferred = true;
  }

  /** Writes what is queued and builds the indexes `deferIndexes` dropped. */
  finish(): void {
    this.flush();
    this.restoreIndexes();
  }

  /** Builds the indexes `deferIndexes` dropped (without writing what is queued). */
  restoreIndexes(): void {
    if (!this.indexesDeferred) return;
    this.db.db.exec(SCHEMA_SQL);
    this.indexesDeferred = false;
  }

  /** Queues one entry of fileset `filesetId` (written in the next batch). */
  add(filesetId: number, entry: FilesetImportEntry): void {
    this.queue.push({ filesetId, entry });
    if (this.queue.length >= ENTRY_BATCH) this.flush();
  }

  /** Writes what is queued. */
  flush(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const caches = [this.blocks, this.blocksets, this.metasets, this.prefixes, this.files];
    // Lookups need the indexes.
    if (caches.some((c) => c.full)) this.restoreIndexes();
    for (const c of caches) c.trim();
    const n = batch.length;
    const specs = (f: (e: FilesetImportEntry) => BlocksetSpec | undefined) =>
      batch.map(({ entry }) => f(entry));
    const metas = specs((e) => e.meta);
    const contents = specs((e) =>
      typeof e.content === "object" ? e.content ?? undefined : undefined
    );
    // Each table in turn; within a table, new rows in the order the entries first name them.
    const blockSlot = (s: BlocksetSpec | undefined) =>
      s && usesBlock(s) ? this.blocks.need(s.block!.hash, s.block!.size, s.block!) : -1;
    const metaBlocks = new Array<number>(n);
    const contentBlocks = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      metaBlocks[i] = blockSlot(metas[i]);
      contentBlocks[i] = blockSlot(contents[i]);
    }
    this.blocks.resolve();
    const setSlot = (s: BlocksetSpec | undefined, block: number) => {
      if (!s) return -1;
      if (block >= 0) this.blockOf.set(s, block);
      return this.blocksets.need(s.fullHash, s.length, s);
    };
    const metaSets = new Array<number>(n);
    const contentSets = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      metaSets[i] = setSlot(metas[i], metaBlocks[i]);
      contentSets[i] = setSlot(contents[i], contentBlocks[i]);
    }
    this.blocksets.resolve();
    this.blockOf.clear();
    const metaIds = metaSets.map((slot) => this.blocksets.id(slot));
    const metaSlots = metaIds.map((bs) => this.metasets.need(bs, 0, bs));
    this.metasets.resolve();
    const prefixSlots = batch.map(({ entry: e }) =>
      e.content === null ? -1 : this.prefixes.need(e.folder, 0, e.folder)
    );
    this.prefixes.resolve();
    const fileSlots = batch.map(({ entry: e }, i) => {
      if (e.content === null) return -1;
      const pid = this.prefixes.id(prefixSlots[i]);
      const bs = contentSets[i] >= 0 ? this.blocksets.id(contentSets[i]) : e.content as number;
      const meta = this.metasets.id(metaSlots[i]);
      return this.files.need(fileKey(pid, e.name, bs, meta), 0, [pid, e.name, bs, meta]);
    });
    this.files.resolve();
    const rows: SQLInputValue[] = [];
    batch.forEach(({ filesetId, entry: e }, i) => {
      if (fileSlots[i] >= 0) rows.push(filesetId, this.files.id(fileSlots[i]), e.lastModified);
    });
    // A path listed twice with the same content keeps the last time, as one REPLACE per row did.
    runRows(
      this.db,
      (l) => `INSERT OR REPLACE INTO FilesetEntry(FilesetID, FileID, Lastmodified) VALUES ${l}`,
      3,
      rows,
    );
  }

  /** The block slot of each blockset spec of the current batch that has one block. */
  private blockOf = new Map<BlocksetSpec, number>();

  /** New blocksets with their single block entry and their blocklist hashes. */
  private insertBlocksets(rows: BlocksetSpec[]): number {
    const first = insertNewRows(
      this.db,
      (l) => `INSERT INTO Blockset(Length, FullHash) VALUES ${l}`,
      2,
      rows.flatMap((s) => [s.length, bytes(s.fullHash)]),
    );
    const entries: SQLInputValue[] = [];
    const lists: SQLInputValue[] = [];
    rows.forEach((s, i) => {
      const block = this.blockOf.get(s);
      if (block !== undefined) entries.push(first + i, 0, this.blocks.id(block));
      s.blocklists?.forEach((h, j) => lists.push(first + i, j, bytes(h)));
    });
    runRows(
      this.db,
      (l) => `INSERT INTO BlocksetEntry(BlocksetID, Idx, BlockID) VALUES ${l}`,
      3,
      entries,
    );
    runRows(
      this.db,
      (l) => `INSERT INTO BlocklistHash(BlocksetID, Idx, Hash) VALUES ${l}`,
      3,
      lists,
    );
    return first;
  }
}
