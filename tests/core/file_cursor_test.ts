import assert from "node:assert/strict";
import { join } from "node:path";
import { FileCursor } from "../../src/core/file_cursor.ts";

Deno.test("file cursor: reads at offsets, seeking only when a read does not continue the last", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dup-cursor-" });
  try {
    const path = join(dir, "f");
    const data = new Uint8Array(10_000).map((_, i) => (i * 31) & 0xff);
    Deno.writeFileSync(path, data);
    using f = Deno.openSync(path);
    // The real file, with its seeks counted.
    let seeks = 0;
    const counted = {
      seekSync: (o: number, w: Deno.SeekMode) => (seeks++, f.seekSync(o, w)),
      readSync: (b: Uint8Array) => f.readSync(b),
    } as unknown as Deno.FsFile;
    const c = new FileCursor(counted);
    const read = (pos: number, len: number) => {
      const b = new Uint8Array(len);
      return b.subarray(0, c.readAt(pos, b));
    };
    assert.deepEqual(read(100, 50), data.subarray(100, 150));
    assert.deepEqual(read(150, 50), data.subarray(150, 200), "continues the last read");
    assert.equal(seeks, 1);
    assert.deepEqual(read(10, 5), data.subarray(10, 15), "goes back");
    assert.equal(seeks, 2);
    assert.deepEqual(read(9_990, 100), data.subarray(9_990), "stops at the end of the file");
    assert.equal(seeks, 3);
    assert.equal(read(10_000, 10).length, 0);
    assert.equal(seeks, 3, "the end of the last read is where the file ended");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file cursor: writes at offsets, seeking only when a write does not continue the last", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dup-cursor-" });
  try {
    const path = join(dir, "f");
    Deno.writeFileSync(path, new Uint8Array(0));
    let seeks = 0;
    {
      using f = Deno.openSync(path, { write: true });
      const counted = {
        seekSync: (o: number, w: Deno.SeekMode) => (seeks++, f.seekSync(o, w)),
        writeSync: (b: Uint8Array) => f.writeSync(b),
      } as unknown as Deno.FsFile;
      const c = new FileCursor(counted);
      c.writeAt(0, new Uint8Array(4).fill(1));
      assert.equal(seeks, 1, "the first write places the offset");
      c.writeAt(4, new Uint8Array(4).fill(2));
      assert.equal(seeks, 1, "continues the last write");
      c.writeAt(12, new Uint8Array(2).fill(4));
      c.writeAt(8, new Uint8Array(4).fill(3));
      assert.equal(seeks, 3);
    }
    assert.deepEqual(
      Deno.readFileSync(path),
      new Uint8Array([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4]),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
