import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { CpuPool } from "../../src/engine/cpu_pool.ts";
import { SealStream } from "../../src/engine/seal_stream.ts";
import { decryptFile } from "../../src/format/aescrypt.ts";
import { prng, tempDir } from "../helpers/tree.ts";

/** Writes `data` through a SealStream in uneven pieces and returns the sealed volume. */
async function seal(pool: CpuPool, path: string, data: Uint8Array, passphrase?: string) {
  const s = new SealStream(pool, path, passphrase);
  for (let o = 0, n = 1; o < data.length; o += n, n = n * 3 + 7) s.write(data.subarray(o, o + n));
  await s.settle(0);
  s.close();
  return await s.sealed();
}

for (const workers of [1, 0]) {
  Deno.test(`SealStream (${workers} workers): encrypted and plain output, size and hash`, async () => {
    const [dir, cleanup] = await tempDir();
    const pool = new CpuPool(workers);
    try {
      const data = prng(7, 3_000_017);
      const enc = await seal(pool, join(dir, "v.zip.aes"), data, "pw");
      const bytes = Deno.readFileSync(enc.path);
      assert.equal(enc.size, bytes.length);
      assert.equal(enc.hash, createHash("sha256").update(bytes).digest("base64"));
      const back = await decryptFile(enc.path, "", "pw", { toMemory: true });
      assert.deepEqual(back.data, data);

      const plain = await seal(pool, join(dir, "v.zip"), data);
      assert.deepEqual(Deno.readFileSync(plain.path), data);
      assert.equal(plain.hash, createHash("sha256").update(data).digest("base64"));
    } finally {
      pool.close();
      await cleanup();
    }
  });
}

Deno.test("SealStream: a volume that cannot be written fails, and an aborted one leaves no file", async () => {
  const [dir, cleanup] = await tempDir();
  const pool = new CpuPool(1);
  try {
    await assert.rejects(() => seal(pool, join(dir, "missing", "v.zip.aes"), prng(1, 1000), "pw"));
    const s = new SealStream(pool, join(dir, "half.zip.aes"), "pw");
    s.write(prng(2, 100_000));
    await s.settle(0);
    s.abort();
    // The abort runs after the writes in the worker; a sealed call on another stream orders after it.
    await seal(pool, join(dir, "other.zip"), prng(3, 10));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["other.zip"]);
  } finally {
    pool.close();
    await cleanup();
  }
});
