import assert from "node:assert/strict";
import { join } from "node:path";
import { closeBlockTargets, writeBlock } from "../../src/engine/block_targets.ts";

Deno.test("block targets: blocks land at their offsets in many files, in any order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dup-targets-" });
  try {
    // More files than are kept open, written round-robin: files are closed and opened again.
    const files = Array.from({ length: 100 }, (_, i) => join(dir, `f${i}`));
    for (const f of files) Deno.writeFileSync(f, new Uint8Array(0));
    const block = (f: number, b: number) => new Uint8Array(8).fill(f * 3 + b);
    for (const b of [2, 0, 1]) {
      files.forEach((path, f) => {
        assert.equal(writeBlock({ path, pos: b * 8, size: 8 }, block(f, b)), true);
      });
    }
    assert.equal(writeBlock({ path: files[0], pos: 0, size: 9 }, block(9, 9)), false, "wrong size");
    closeBlockTargets();
    files.forEach((path, f) => {
      const want = new Uint8Array(24);
      for (const b of [0, 1, 2]) want.set(block(f, b), b * 8);
      assert.deepEqual(Deno.readFileSync(path), want, path);
    });
    assert.throws(
      () => writeBlock({ path: join(dir, "missing"), pos: 0, size: 1 }, new Uint8Array(1)),
      Deno.errors.NotFound,
      "a target file is never created here",
    );
  } finally {
    closeBlockTargets();
    await Deno.remove(dir, { recursive: true });
  }
});
