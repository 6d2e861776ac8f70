/**
 * The batched file list import writes exactly the rows (IDs included) that adding the entries
 * one by one with the single-row queries writes: duplicates within a list, versions sharing
 * blocksets, empty files, blocklists for content and metadata, entries without content, crafted
 * hashes with two sizes, batches larger than one statement, a small cache, and an import resumed
 * on a database that already holds a version.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { LocalDatabase } from "../../src/db/local_database.ts";
import { fromBase64 } from "../../src/core/bytes.ts";
import { blocksetFor, insertBlockIfNew, metadatasetFor } from "../../src/db/blocks.ts";
import { addFilesetEntry, fileId, prefixId } from "../../src/db/filesets.ts";
import {
  type BlocksetSpec,
  type FilesetImportEntry,
  FilesetImporter,
} from "../../src/db/fileset_import.ts";
import { BULK_LOAD_INDEXES, FOLDER_BLOCKSET_ID, SYMLINK_BLOCKSET_ID } from "../../src/db/schema.ts";
import { tempDir } from "../helpers/tree.ts";

const h = (s: string | number) => createHash("sha256").update(String(s)).digest("base64");

/** The single-row way: one query per block, blockset, metadata set, prefix, file and entry. */
function referenceAdd(db: LocalDatabase, filesetId: number, e: FilesetImportEntry): void {
  const register = (s: BlocksetSpec) => {
    const ids = s.length > 0 && s.block && !s.blocklists?.length
      ? [insertBlockIfNew(db, fromBase64(s.block.hash), s.block.size, -1).id]
      : [];
    return blocksetFor(
      db,
      fromBase64(s.fullHash),
      s.length,
      ids,
      (s.blocklists ?? []).map(fromBase64),
    );
  };
  const metaId = metadatasetFor(db, register(e.meta));
  if (e.content === null) return;
  const bs = typeof e.content === "number" ? e.content : register(e.content);
  addFilesetEntry(
    db,
    filesetId,
    fileId(db, prefixId(db, e.folder), e.name, bs, metaId),
    e.lastModified,
  );
}

const TABLES: Record<string, string> = {
  Block: "ID, Hash, Size, VolumeID",
  Blockset: "ID, Length, FullHash",
  BlocksetEntry: "BlocksetID, Idx, BlockID",
  BlocklistHash: "BlocksetID, Idx, Hash",
  Metadataset: "ID, BlocksetID",
  PathPrefix: "ID, Prefix",
  FileLookup: "ID, PrefixID, Path, BlocksetID, MetadataID",
  FilesetEntry: "FilesetID, FileID, Lastmodified",
};

function dump(db: LocalDatabase): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [t, cols] of Object.entries(TABLES)) {
    out[t] = db.all(`SELECT ${cols} FROM ${t} ORDER BY ${cols}`).map((r) =>
      Object.values(r).map((v) => v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v)
        .join("|")
    );
  }
  return out;
}

function oneBlock(hash: string, length: number, block = hash, size = length): BlocksetSpec {
  return { fullHash: hash, length, block: length > 0 ? { hash: block, size } : undefined };
}

/** A file list with the edge cases, `n` entries; `version` changes some of them. */
function fileList(n: number, version: number): FilesetImportEntry[] {
  const out: FilesetImportEntry[] = [];
  for (let i = 0; i < n; i++) {
    const folder = `/data/d${i % 17}/`;
    const meta = i % 50 === 7
      // Metadata large enough for blocklists.
      ? { fullHash: h(`meta-big-${i}`), length: 300, blocklists: [h(`mbl-${i}`), h("mbl-shared")] }
      : oneBlock(h(`meta-${i % 300}`), 100 + (i % 300));
    const kind = i % 23;
    let content: FilesetImportEntry["content"];
    if (kind === 0) content = FOLDER_BLOCKSET_ID;
    else if (kind === 1) content = SYMLINK_BLOCKSET_ID;
    else if (kind === 2) content = null; // a file list entry without content: metadata only
    else if (kind === 3) content = oneBlock(h("empty"), 0); // empty file
    else if (kind === 4) {
      // Several blocklists, one of them shared with other files.
      content = {
        fullHash: h(`big-${i % 40}`),
        length: 5_000_000,
        blocklists: [h(`bl-${i % 40}-0`), h("bl-shared"), h(`bl-${i % 40}-2`)],
      };
    } else if (kind === 5) {
      content = oneBlock(h(`c-${i}`), 10, h(`blk-${i % 9}`), 10); // a block hash of its own
    } else if (kind === 6) content = oneBlock(h("two-sizes"), 10 + (i % 3)); // crafted: 3 lengths
    else if (kind === 7) content = oneBlock(h(`dup-${i % 5}`), 42); // same content, many paths
    else {
      const changed = version > 0 && i % 10 === 0;
      content = oneBlock(h(`c-${i}-${changed ? version : 0}`), 1 + (i % 4000));
    }
    out.push({ folder, name: `f${i}`, meta, content, lastModified: 1000 * i + version });
  }
  // The same path twice with the same content: the later time stays.
  if (n > 10) out.push({ ...out[10], lastModified: 99 }, { ...out[11], lastModified: 77 });
  return out;
}

function fresh(): LocalDatabase {
  const db = LocalDatabase.open(":memory:");
  db.begin();
  return db;
}

function importBatched(db: LocalDatabase, lists: FilesetImportEntry[][], limit?: number) {
  const imp = new FilesetImporter(db, limit);
  imp.deferIndexes();
  lists.forEach((list, v) => {
    for (const e of list) imp.add(v + 1, e);
    imp.flush();
  });
  imp.finish();
}

const indexes = (db: LocalDatabase) =>
  db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
    .map((r) => r.name);

function importReference(db: LocalDatabase, lists: FilesetImportEntry[][]) {
  lists.forEach((list, v) => {
    for (const e of list) referenceAdd(db, v + 1, e);
  });
}

Deno.test("one file list: the same rows and IDs as one query per row", () => {
  const list = fileList(1500, 0); // several batches, and chunks of every size
  const a = fresh();
  const b = fresh();
  importReference(a, [list]);
  importBatched(b, [list]);
  const want = dump(a);
  assert.ok(want.BlocklistHash.length > 0 && want.FilesetEntry.length > 1000);
  assert.deepEqual(dump(b), want);
  // The indexes dropped for the load are back.
  assert.deepEqual(indexes(b), indexes(a));
  // The path listed twice keeps its later time.
  const f10 = b.get<{ Lastmodified: number }>(
    `SELECT fe.Lastmodified FROM FilesetEntry fe JOIN FileLookup f ON f.ID = fe.FileID
     WHERE f.Path = 'f10'`,
  );
  assert.equal(f10?.Lastmodified, 99);
  a.close();
  b.close();
});

Deno.test("two versions sharing blocksets, with a cache small enough to forget", () => {
  const lists = [fileList(1200, 0), fileList(1200, 1)];
  const a = fresh();
  importReference(a, lists);
  const want = dump(a);
  for (const limit of [undefined, 50]) {
    const b = fresh();
    importBatched(b, lists, limit);
    assert.deepEqual(dump(b), want, `cache limit ${limit}`);
    assert.deepEqual(indexes(b), indexes(a));
    b.close();
  }
  a.close();
});

Deno.test("an import resumed on a database that holds the first version finds its rows", () => {
  const lists = [fileList(700, 0), fileList(700, 1), fileList(300, 2)];
  const a = fresh();
  importReference(a, lists);
  const b = fresh();
  // The first version was imported by an earlier run; this run starts with a new importer.
  importBatched(b, [lists[0]]);
  const imp = new FilesetImporter(b);
  for (const [v, list] of [[2, lists[1]], [3, lists[2]]] as const) {
    for (const e of list) imp.add(v, e);
    imp.flush();
  }
  assert.deepEqual(dump(b), dump(a));
  a.close();
  b.close();
});

Deno.test("nothing is written before flush, and flushing twice writes once", () => {
  const db = fresh();
  const imp = new FilesetImporter(db);
  imp.add(1, fileList(3, 0)[2]);
  assert.equal(db.get<{ n: number }>("SELECT COUNT(*) AS n FROM Blockset")?.n, 0);
  imp.flush();
  imp.flush();
  assert.equal(db.get<{ n: number }>("SELECT COUNT(*) AS n FROM Metadataset")?.n, 1);
  db.close();
});

Deno.test("indexes: dropped for a fresh database only, back after finish or next open", async () => {
  const [dir, cleanup] = await tempDir("dup-fsimport-");
  try {
    const all = indexes(fresh());
    for (const name of BULK_LOAD_INDEXES) assert.ok(all.includes(name), name);
    // A database holding rows keeps its indexes.
    const held = fresh();
    importBatched(held, [fileList(30, 0)]);
    const imp = new FilesetImporter(held);
    imp.deferIndexes();
    assert.deepEqual(indexes(held), all);
    held.close();
    // A load that stops before finish (committed, then the process ends).
    const path = `${dir}/stopped.sqlite`;
    const db = LocalDatabase.open(path);
    db.begin();
    const stopped = new FilesetImporter(db);
    stopped.deferIndexes();
    assert.ok(!indexes(db).includes("BlockHashSize"));
    for (const e of fileList(30, 0)) stopped.add(1, e);
    stopped.flush();
    db.commit();
    db.close();
    const again = LocalDatabase.open(path);
    assert.deepEqual(indexes(again), all);
    again.close();
  } finally {
    await cleanup();
  }
});
