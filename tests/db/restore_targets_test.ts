import assert from "node:assert/strict";
import { join } from "node:path";
import { LocalDatabase } from "../../src/db/local_database.ts";
import { KIND_SYMLINK, RestoreTargets } from "../../src/db/restore_targets.ts";
import { SYMLINK_BLOCKSET_ID } from "../../src/db/schema.ts";

Deno.test("restore plan: metadata blocks make the whole blob in whatever order they come", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dup-rt-" });
  const db = LocalDatabase.open(join(dir, "x.sqlite"));
  try {
    const bs = 1024;
    const blob = new Uint8Array(2 * bs + 300).map((_, i) => (i * 7 + 3) & 0xff);
    const small = new Uint8Array(300).fill(9);
    db.run(
      "INSERT INTO Remotevolume(ID, OperationID, Name, Type, State) VALUES(1, 1, 'a', 0, 0), (2, 1, 'b', 0, 0)",
    );
    // Blockset 10: three blocks, the last one stored in the earlier volume; 11: one block.
    const hash = (n: number) => new Uint8Array(32).fill(n);
    db.run("INSERT INTO Block(ID, Hash, Size, VolumeID) VALUES(1, ?, ?, 2)", hash(1), bs);
    db.run("INSERT INTO Block(ID, Hash, Size, VolumeID) VALUES(2, ?, ?, 2)", hash(2), bs);
    db.run("INSERT INTO Block(ID, Hash, Size, VolumeID) VALUES(3, ?, 300, 1)", hash(3));
    db.run("INSERT INTO Block(ID, Hash, Size, VolumeID) VALUES(4, ?, 300, 2)", hash(4));
    db.run("INSERT INTO Blockset(ID, Length, FullHash) VALUES(10, ?, ?)", blob.length, hash(10));
    db.run("INSERT INTO Blockset(ID, Length, FullHash) VALUES(11, 300, ?)", hash(11));
    db.run("INSERT INTO BlocksetEntry(BlocksetID, Idx, BlockID) VALUES(10, 0, 1), (10, 1, 2)");
    db.run("INSERT INTO BlocksetEntry(BlocksetID, Idx, BlockID) VALUES(10, 2, 3), (11, 0, 4)");
    const state = new RestoreTargets(db);
    state.add(KIND_SYMLINK, "/x/long", SYMLINK_BLOCKSET_ID, 0, null, 10);
    state.add(KIND_SYMLINK, "/x/short", SYMLINK_BLOCKSET_ID, 0, null, 11);
    const rows = [...state.plan()];
    assert.deepEqual(
      rows.map((r) => [r.M, r.F, r.Idx, r.V, r.Length]),
      [[1, 10, 2, 1, blob.length], [1, 10, 0, 2, blob.length], [1, 10, 1, 2, blob.length], [
        1,
        11,
        0,
        2,
        300,
      ]],
      "the last block of blockset 10 comes first: its volume is visited first",
    );
    for (const r of rows) {
      const data = r.F === 11 ? small : blob.subarray(r.Idx * bs, (r.Idx + 1) * bs);
      state.addMetaBlock(r.F, r.Idx, data, r.Length, bs);
    }
    assert.deepEqual(state.metaBlob(10), blob);
    assert.deepEqual(state.metaBlob(11), small);
    state.drop();
  } finally {
    db.db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
