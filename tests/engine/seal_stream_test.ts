import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { CpuPool } from "../../src/engine/cpu_pool.ts";
import { SealStream } from "../../src/engine/seal_stream.ts";
import { decryptFile } from "../../src/format/aescrypt.ts";
import { prepareEntry, ZipReader } from "../../src/format/zip.ts";
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

for (const workers of [1, 0]) {
  Deno.test(`SealStream zip mode (${workers} workers): the worker builds the archive`, async () => {
    const [dir, cleanup] = await tempDir();
    const pool = new CpuPool(workers);
    try {
      const s = new SealStream(pool, join(dir, "v.zip.aes"), "pw", { zip: true });
      const text = new TextEncoder().encode("compressible text ".repeat(5000));
      const random = prng(11, 200_000);
      const sizes = [
        await s.addPrepared([{
          name: "manifest",
          entry: prepareEntry(new TextEncoder().encode("{}"), { compress: false }),
        }]),
        await s.addEntries([
          { name: "text", data: text.slice(), compress: true },
          { name: "random", data: random.slice(), compress: true },
        ], 3),
        await s.addEntries([{ name: "stored", data: text.slice(0, 1000), compress: false }], 3),
      ];
      // The reported size grows with each addition.
      assert.ok(sizes[0] < sizes[1] && sizes[1] < sizes[2]);
      s.close();
      const sealed = await s.sealed();
      const back = await decryptFile(sealed.path, "", "pw", { toMemory: true });
      assert.equal(back.data!.length, sizes[2]);
      const zip = ZipReader.fromBytes(back.data!);
      assert.deepEqual(zip.read("text"), text);
      assert.deepEqual(zip.read("random"), random);
      assert.deepEqual(zip.read("stored"), text.slice(0, 1000));
      // Deflated where it pays, stored where it does not.
      assert.equal(zip.entry("text")!.method, 8);
      assert.equal(zip.entry("random")!.method, 0);
      assert.equal(zip.entry("stored")!.method, 0);
    } finally {
      pool.close();
      await cleanup();
    }
  });
}
