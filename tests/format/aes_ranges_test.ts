import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  AesRangeFile,
  blockCeil,
  blockFloor,
  CbcDecryptor,
  hashAesFile,
} from "../../src/format/aes_ranges.ts";
import { AesCryptError, decryptBytes, encryptBytes } from "../../src/format/aescrypt.ts";
import { fromHex } from "../../src/core/bytes.ts";
import { OFFICIAL } from "../helpers/aescrypt_vectors.ts";
import { prng, tempDir } from "../helpers/tree.ts";

Deno.test("aes ranges: any plaintext range decrypts alone, through the source and by hand", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    for (const size of [0, 1, 15, 16, 17, 4095, 70_001, 200_000]) {
      const plain = prng(size + 1, size);
      const path = `${dir}/f${size}.aes`;
      Deno.writeFileSync(path, encryptBytes(plain, "pw"));
      using f = AesRangeFile.open(path, "pw");
      assert.equal(f.size, size, `size ${size}`);
      assert.deepEqual(f.read(0, size), plain);
      const starts = [0, 1, 15, 16, 17, 33, size >> 1, Math.max(0, size - 1)];
      for (const s of starts.filter((x) => x <= size)) {
        for (const len of [0, 1, 16, 31, 100, 5000]) {
          const e = Math.min(size, s + len);
          // As a zip source: decrypted here.
          assert.deepEqual(f.read(s, e - s), plain.subarray(s, e), `read ${s}+${len} of ${size}`);
          // As ciphertext for another thread: at an offset inside a larger buffer.
          const buf = new Uint8Array(16 + blockCeil(e) - blockFloor(s) + 40);
          const n = f.readCipherInto(s, e, buf, 8);
          assert.equal(n, 16 + Math.min(blockCeil(e), f.layout.ctLen) - blockFloor(s));
          const copy = buf.slice(); // an unaligned view exercises the byte-wise path too
          new CbcDecryptor(f.layout.key).decryptInPlace(
            buf.subarray(24, 8 + n),
            buf.subarray(8, 24),
          );
          const at = 24 + s - blockFloor(s);
          assert.deepEqual(buf.subarray(at, at + e - s), plain.subarray(s, e));
          const aligned = new Uint8Array(n + 16);
          aligned.set(copy.subarray(8, 8 + n), 16);
          new CbcDecryptor(f.layout.key).decryptInPlace(
            aligned.subarray(32, 16 + n),
            aligned.subarray(16, 32),
          );
          assert.deepEqual(aligned.subarray(at + 8, at + 8 + e - s), plain.subarray(s, e));
        }
      }
      // Larger than one AES piece, at an unaligned offset.
      if (size > 40_000) {
        const buf = new Uint8Array(16 + blockCeil(size) + 4);
        const n = f.readCipherInto(0, size, buf, 2);
        new CbcDecryptor(f.layout.key).decryptInPlace(buf.subarray(18, 2 + n), buf.subarray(2, 18));
        assert.deepEqual(buf.subarray(18, 18 + size), plain);
      }
      // A range read in two parts (the second extending the first) is the same.
      if (size > 40) {
        const buf = new Uint8Array(16 + blockCeil(size));
        let n = f.readCipherInto(0, 20, buf, 0);
        n += f.extendCipherInto(32, size, buf, n);
        new CbcDecryptor(f.layout.key).decryptInPlace(buf.subarray(16, n), buf.subarray(0, 16));
        assert.deepEqual(buf.subarray(16, 16 + size), plain);
      }
    }
  } finally {
    await cleanup();
  }
});

Deno.test("aes ranges: v2 and v3 vectors; a wrong passphrase is refused on open", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    for (const [i, v] of OFFICIAL.entries()) {
      const data = fromHex(v.hex);
      Deno.writeFileSync(`${dir}/v${i}.aes`, data);
      using f = AesRangeFile.open(`${dir}/v${i}.aes`, "Hello");
      assert.equal(f.layout.version, data[3]);
      assert.equal(f.size, v.plaintext.length, `vector ${i}`);
      assert.deepEqual(f.read(0, f.size), decryptBytes(data, "Hello"));
      assert.throws(
        () => AesRangeFile.open(`${dir}/v${i}.aes`, "hello"),
        (e) => e instanceof AesCryptError && e.kind === "bad-password",
      );
    }
    Deno.writeFileSync(`${dir}/short.aes`, encryptBytes(prng(7, 100), "pw").subarray(0, 150));
    assert.throws(() => AesRangeFile.open(`${dir}/short.aes`, "pw"), AesCryptError);
  } finally {
    await cleanup();
  }
});

Deno.test("aes ranges: hashAesFile gives the file's SHA-256 and the stored ciphertext HMAC", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    for (const size of [0, 5, 3_000_000]) {
      const enc = encryptBytes(prng(size + 3, size), "pw");
      const path = `${dir}/h${size}.aes`;
      Deno.writeFileSync(path, enc);
      using f = AesRangeFile.open(path, "pw");
      const { dataStart, ctLen, key, mac } = f.layout;
      const r = hashAesFile(path, { key, start: dataStart, length: ctLen });
      assert.equal(r.size, enc.length);
      assert.equal(r.sha256, createHash("sha256").update(enc).digest("base64"));
      assert.deepEqual(r.mac, mac);
      assert.equal(hashAesFile(path).mac, undefined);
      // One changed ciphertext byte changes the HMAC.
      const bad = enc.slice();
      bad[dataStart + (ctLen >> 1)] ^= 1;
      Deno.writeFileSync(path, bad);
      if (ctLen > 0) {
        assert.notDeepEqual(hashAesFile(path, { key, start: dataStart, length: ctLen }).mac, mac);
      }
    }
  } finally {
    await cleanup();
  }
});
