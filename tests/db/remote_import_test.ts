/**
 * Placing the blocks of an index and expanding blocklists with multi-row statements write the
 * rows (IDs included) that one statement per block wrote.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { LocalDatabase } from "../../src/db/local_database.ts";
import { blocksetFor, insertBlockIfNew } from "../../src/db/blocks.ts";
import { expandBlocklist, placeBlocks } from "../../src/db/remote_import.ts";

const hash = (s: string | number) =>
  new Uint8Array(createHash("sha256").update(String(s)).digest());

/** One UPDATE, then an INSERT when nothing was updated, per block. */
function placeOneByOne(
  db: LocalDatabase,
  blocks: { hash: Uint8Array; size: number }[],
  vol: number,
) {
  for (const b of blocks) {
    const u = db.run("UPDATE Block SET VolumeID=? WHERE Hash=? AND Size=?", vol, b.hash, b.size);
    if (u.changes === 0) {
      db.run(
        "INSERT OR IGNORE INTO Block(Hash, Size, VolumeID) VALUES(?, ?, ?)",
        b.hash,
        b.size,
        vol,
      );
    }
  }
}

/** One block lookup-or-insert and one entry insert per hash of the blocklist. */
function expandOneByOne(
  db: LocalDatabase,
  blocksize: number,
  hashSize: number,
  listHash: Uint8Array,
  data: Uint8Array,
) {
  const users = db.all<{ BlocksetID: number; Idx: number; Length: number }>(
    `SELECT bl.BlocksetID, bl.Idx, b.Length FROM BlocklistHash bl
     JOIN Blockset b ON b.ID = bl.BlocksetID WHERE bl.Hash = ?`,
    listHash,
  );
  const hpb = blocksize / hashSize;
  for (const u of users) {
    for (let j = 0; j < data.length / hashSize; j++) {
      const idx = u.Idx * hpb + j;
      const size = Math.min(blocksize, u.Length - idx * blocksize);
      const id = insertBlockIfNew(db, data.subarray(j * hashSize, (j + 1) * hashSize), size, -1).id;
      db.run(
        "INSERT OR IGNORE INTO BlocksetEntry(BlocksetID, Idx, BlockID) VALUES(?, ?, ?)",
        u.BlocksetID,
        idx,
        id,
      );
    }
  }
}

const dump = (db: LocalDatabase) => ({
  blocks: db.all("SELECT ID, hex(Hash) AS H, Size, VolumeID FROM Block ORDER BY ID"),
  entries: db.all("SELECT BlocksetID, Idx, BlockID FROM BlocksetEntry ORDER BY BlocksetID, Idx"),
});

/** Blocks known from a file list (stored nowhere yet), and blocksets with blocklists. */
function setUp(): LocalDatabase {
  const db = LocalDatabase.open(":memory:");
  db.begin();
  for (let i = 0; i < 300; i += 3) insertBlockIfNew(db, hash(i), 100, -1);
  // Blocksize 4 hashes (blocksize 128, hash size 32): two files share blocklist "L1"; the
  // second file's last block is short; a third uses "L2" at its second blocklist.
  blocksetFor(db, hash("f1"), 4 * 128, [], [hash("L1")]);
  blocksetFor(db, hash("f2"), 3 * 128 + 5, [], [hash("L1")]);
  blocksetFor(db, hash("f3"), 6 * 128, [], [hash("L0"), hash("L2")]);
  return db;
}

Deno.test("placeBlocks: known blocks move, new ones are added in order, repeats included", () => {
  const blocks = Array.from({ length: 600 }, (_, i) => ({ hash: hash(i % 450), size: 100 }));
  blocks.push({ hash: hash(0), size: 7 }); // the same hash with another size is another block
  const a = setUp();
  const b = setUp();
  placeOneByOne(a, blocks, 5);
  placeBlocks(b, blocks, 5);
  placeOneByOne(a, blocks.slice(100, 200), 6);
  placeBlocks(b, blocks.slice(100, 200), 6);
  assert.deepEqual(dump(b), dump(a));
  assert.equal(dump(b).blocks.length, 451);
  a.close();
  b.close();
});

Deno.test("expandBlocklist: entries of every blockset using the list, short last blocks", () => {
  const list = (name: string, n: number, from: number) => {
    const data = new Uint8Array(32 * n);
    for (let j = 0; j < n; j++) data.set(hash(from + j), 32 * j);
    return { h: hash(name), data };
  };
  const a = setUp();
  const b = setUp();
  for (const { h, data } of [list("L1", 4, 0), list("L2", 2, 9), list("unused", 3, 50)]) {
    expandOneByOne(a, 128, 32, h, data);
    expandBlocklist(b, 128, 32, h, data);
  }
  const got = dump(b);
  assert.deepEqual(got, dump(a));
  assert.equal(got.entries.length, 4 + 4 + 2);
  a.close();
  b.close();
});
