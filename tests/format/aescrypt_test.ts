import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, createHash, createHmac } from "node:crypto";
import {
  AesCryptError,
  type AesCryptErrorKind,
  AesCryptWriter,
  buildHeaderV2,
  decryptBytes,
  decryptFile,
  deriveKeyV2,
  deriveKeyV3,
  encryptBytes,
  encryptedSizeV2,
  encryptFile,
  sharpExtensions,
} from "../../src/format/aescrypt.ts";
import { type Bytes, fromHex, fromUtf8, toBase64, toHex, utf8 } from "../../src/core/bytes.ts";
import { UserError } from "../../src/core/errors.ts";
import { OFFICIAL } from "../helpers/aescrypt_vectors.ts";

const IV1 = fromHex("000102030405060708090a0b0c0d0e0f");
const IV2 = fromHex("101112131415161718191a1b1c1d1e1f");
const KEY2 = fromHex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");
const FIXED = { iv1: IV1, iv2: IV2, key2: KEY2 };

const V2_VECTOR = fromHex(
  "41455302000000000102030405060708090a0b0c0d0e0f14d797fa729823c199a3e3cdb82c3dac60c294db" +
    "125d6b93b81163f365881b48991215402088c644a4aa647c35b33c8c9800714d0d6d1c71ec3965d225519f" +
    "6225fdfa8074e7519203d311581fc5940aa2acea04c9aaf79d337778b7b94c31a6013e4fc3899ebbb25d05" +
    "1a46c96573e10199143eaffa538dabc0798db2901519980d284c3968eceb25d0f8019d28e00dac",
);
const V3_VECTOR = fromHex(
  "4145530300000000000005000102030405060708090a0b0c0d0e0fb9bf86956d9c60f8bffb4364b1ac3b43" +
    "3713dbcc13b12b22676559424996858b61e6892a2853183e05d6e9d6c7c1654895a54e42da186adbb591e4" +
    "b98908f99f4cc4dfe60d34ec608b728c00d28819a5a2acea04c9aaf79d337778b7b94c31a6013e4fc3899e" +
    "bbb25d051a46c96573e199143eaffa538dabc0798db2901519980d284c3968eceb25d0f8019d28e00dac",
);

function randomBytes(n: number): Bytes {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "aescrypt_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function isKind(kind: AesCryptErrorKind | AesCryptErrorKind[], msg?: RegExp) {
  const kinds = Array.isArray(kind) ? kind : [kind];
  return (e: unknown) => {
    assert.ok(e instanceof AesCryptError, `expected AesCryptError, got ${e}`);
    assert.ok(e instanceof UserError);
    assert.ok(kinds.includes(e.kind), `kind ${e.kind}, expected ${kinds.join("|")}: ${e.message}`);
    if (msg) assert.match(e.message, msg);
    return true;
  };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("aescrypt: §9.4 worked key derivation", () => {
  const iv1 = fromHex("f0c937a34d5c6bfb8328221164e11d5e");
  const pw = fromHex("480065006c006c006f00");
  assert.deepEqual(new Uint8Array(Buffer.from("Hello", "utf16le")), pw);
  const round1 = createHash("sha256").update(iv1).update(new Uint8Array(16)).update(pw).digest();
  assert.equal(
    toHex(round1),
    "8b0d6ffc23c946510e843ec854284a32a3f101dc3cfac304ba5090be0c4b9ae1",
  );
  const k1 = deriveKeyV2("Hello", iv1);
  assert.equal(toHex(k1), "8b1094c4c87d4e94f3dd5b1b6e3561cf177922688e0bb9bf6ae86406b7a2ad30");
  const enc48 = fromHex(
    "cd0eb9525ce7f9d5a1f18b8fade5fc1ea0873f32960582d70f4f3f2169d2c876182130ad05b1f431f8a63b3a9aa14f3c",
  );
  assert.equal(
    createHmac("sha256", k1).update(enc48).digest("hex"),
    "ef17c6d39996f7a3220578dbec99018d49e17f7a07408a33016b5e9ae1e39b5a",
  );
  const d = createDecipheriv("aes-256-cbc", k1, iv1).setAutoPadding(false);
  const keys = Buffer.concat([d.update(enc48), d.final()]);
  assert.equal(toHex(keys.subarray(0, 16)), "e836ad9e74cdf98f1609ae23e30810fb");
  const key2 = keys.subarray(16);
  assert.equal(toHex(key2), "579967247ce8f1afbaf956cf6091dd30d4d2bf5c61b5784b39c2d3fa516654df");
  const ct = fromHex("735daaa55269f90dfc195b4ca0c90c8a");
  const d2 = createDecipheriv("aes-256-cbc", key2, keys.subarray(0, 16)).setAutoPadding(false);
  assert.equal(
    toHex(Buffer.concat([d2.update(ct), d2.final()])),
    "302130ad05b1f431f8a63b3a9aa14f3c",
  );
  assert.equal(
    createHmac("sha256", key2).update(ct).digest("hex"),
    "307dbbce2be90c922c08bf46b18985c86df0aa0296ef4a07a8e15afaa702a9be",
  );
});

Deno.test("aescrypt: §9.5 deterministic vectors byte for byte", () => {
  assert.equal(
    toHex(deriveKeyV2("Hello", IV1)),
    "8e3fcec84860d581b0bbd90ec4e8fb6ccfa0c817dbe962092a463e5b663dd9b7",
  );
  assert.equal(
    toHex(deriveKeyV3("Hello", IV1, 5)),
    "0cf8f0bd6dbb7566e79453b4bbb022126de57216559bb33db5185965ce6f29a6",
  );
  const enc = encryptBytes(utf8("Hello, Duplicati!"), "Hello", { ...FIXED, extensions: "none" });
  assert.equal(enc.length, 168);
  assert.equal(toHex(enc), toHex(V2_VECTOR));
  assert.equal(fromUtf8(decryptBytes(V2_VECTOR, "Hello")), "Hello, Duplicati!");
  assert.equal(V3_VECTOR.length, 171);
  assert.equal(fromUtf8(decryptBytes(V3_VECTOR, "Hello")), "Hello, Duplicati!");

  const empty = encryptBytes(new Uint8Array(0), "Hello", { ...FIXED, extensions: "none" });
  assert.equal(empty.length, 136);
  assert.equal(toHex(empty.subarray(0, 7)), "41455302000000");
  assert.deepEqual(empty.subarray(0, 103), V2_VECTOR.subarray(0, 103));
  assert.equal(empty[103], 0);
  assert.equal(
    toHex(empty.subarray(104)),
    createHmac("sha256", KEY2).update(new Uint8Array(0)).digest("hex"),
  );
  assert.equal(decryptBytes(empty, "Hello").length, 0);
});

Deno.test("aescrypt: official aescrypt_engine v2 and v3 vectors decrypt (bytes and file)", async () => {
  await withTempDir(async (dir) => {
    for (const [i, v] of OFFICIAL.entries()) {
      const data = fromHex(v.hex);
      assert.equal(data[3], v.version);
      assert.equal(fromUtf8(decryptBytes(data, "Hello")), v.plaintext, `vector ${i}`);
      Deno.writeFileSync(`${dir}/v${i}.aes`, data);
      for (const chunkSize of [16, 1 << 20]) {
        const r = await decryptFile(`${dir}/v${i}.aes`, `${dir}/v${i}.out`, "Hello", { chunkSize });
        assert.equal(r.size, v.plaintext.length);
        assert.equal(fromUtf8(Deno.readFileSync(`${dir}/v${i}.out`)), v.plaintext);
      }
      assert.throws(() => decryptBytes(data, "hello"), isKind("bad-password"));
    }
  });
});

Deno.test("aescrypt: default header is SharpAESCrypt 2.0.3's 220 bytes", () => {
  const enc = encryptBytes(utf8("x"), "pw");
  const h = enc.subarray(0, 220);
  const ascii = (b: Uint8Array) => String.fromCharCode(...b);
  assert.equal(toHex(h.subarray(0, 5)), "4145530200");
  let p = 5;
  const ext = (len: number, text: RegExp) => {
    assert.equal((h[p] << 8) | h[p + 1], len);
    assert.match(ascii(h.subarray(p + 2, p + 2 + len)), text);
    p += 2 + len;
  };
  ext(0x21, /^CREATED_BY\0SharpAESCrypt v2\.0\.3\.0$/);
  ext(0x17, /^CREATED_DATE\0\d{4}-\d\d-\d\d$/);
  ext(0x15, /^CREATED_TIME\0(0[1-9]|1[0-2])-[0-5]\d-[0-5]\d$/);
  assert.deepEqual(h.subarray(p, p + 130), new Uint8Array([0x00, 0x80, ...new Uint8Array(128)]));
  p += 130;
  assert.equal(toHex(h.subarray(p, p + 2)), "0000");
  assert.equal(p + 2, 220);
  assert.equal(buildHeaderV2("sharp").length, 220);
  assert.equal(enc.length, encryptedSizeV2(1));

  const at = (h: number, m: number, s: number) =>
    fromUtf8(sharpExtensions(new Date(2025, 6, 4, h, m, s))[2].value);
  assert.equal(at(0, 5, 9), "12-05-09");
  assert.equal(at(12, 0, 0), "12-00-00");
  assert.equal(at(13, 59, 59), "01-59-59");
  assert.equal(at(9, 1, 2), "09-01-02");
  assert.equal(fromUtf8(sharpExtensions(new Date(2025, 6, 4))[1].value), "2025-07-04");
  assert.deepEqual(
    buildHeaderV2([{ name: "A", value: utf8("bc") }]),
    new Uint8Array([0x41, 0x45, 0x53, 2, 0, 0, 4, 0x41, 0, 0x62, 0x63, 0, 0]),
  );
});

Deno.test("aescrypt: size formula header+96+ceil(len/16)*16+33", () => {
  for (const n of [0, 1, 15, 16, 17, 31, 32, 33, 1000]) {
    const enc = encryptBytes(randomBytes(n), "pw");
    assert.equal(enc.length, 220 + 96 + Math.ceil(n / 16) * 16 + 33, `len ${n}`);
    assert.equal(enc.length, encryptedSizeV2(n));
    assert.equal(enc[enc.length - 33], n % 16);
    const none = encryptBytes(randomBytes(n), "pw", { extensions: "none" });
    assert.equal(none.length, encryptedSizeV2(n, 7));
  }
});

Deno.test("aescrypt: SharpAESCrypt padding bytes are 16-m of value 16-m", () => {
  const enc = encryptBytes(utf8("Hello, Duplicati!"), "Hello", { ...FIXED, extensions: "none" });
  const d = createDecipheriv("aes-256-cbc", KEY2, IV2).setAutoPadding(false);
  const pt = Buffer.concat([d.update(enc.subarray(103, 135)), d.final()]);
  assert.equal(toHex(pt.subarray(17)), "0f".repeat(15));
  // aligned input: no pad block at all
  assert.equal(
    encryptBytes(new Uint8Array(32), "pw", { extensions: "none" }).length,
    7 + 96 + 32 + 33,
  );
});

Deno.test("aescrypt: encryptFile/decryptFile round trips", async () => {
  await withTempDir(async (dir) => {
    for (const n of [0, 1, 15, 16, 17, 1 << 20, 3 * (1 << 20) + 5]) {
      const data = randomBytes(n);
      Deno.writeFileSync(`${dir}/in`, data);
      const r = await encryptFile(`${dir}/in`, `${dir}/enc`, "pässwörd 🔑");
      const enc = Deno.readFileSync(`${dir}/enc`);
      assert.equal(r.size, enc.length);
      assert.equal(r.size, encryptedSizeV2(n));
      assert.equal(r.sha256, toBase64(createHash("sha256").update(enc).digest()));
      assert.deepEqual(decryptBytes(enc, "pässwörd 🔑"), data, `bytes decrypt of ${n}`);
      const d = await decryptFile(`${dir}/enc`, `${dir}/out`, "pässwörd 🔑");
      assert.equal(d.size, n);
      assert.deepEqual(Deno.readFileSync(`${dir}/out`), data, `file decrypt of ${n}`);
    }
  });
});

Deno.test("aescrypt: WebCrypto-chained file output is byte-identical to node:crypto", async () => {
  await withTempDir(async (dir) => {
    const ext = [{ name: "CREATED_BY", value: utf8("test") }];
    for (const n of [0, 5, 16, 47, 48, 49, 1000, 100_003, (1 << 20) + 16, 2 * (1 << 20) + 7]) {
      const data = randomBytes(n);
      Deno.writeFileSync(`${dir}/in`, data);
      const want = encryptBytes(data, "pw", { ...FIXED, extensions: ext });
      // independent reference: node:crypto with PKCS#7, which equals SharpAESCrypt when n%16 != 0
      const c = createCipheriv("aes-256-cbc", KEY2, IV2);
      const ref = Buffer.concat([c.update(data), c.final()]);
      const ctLen = Math.ceil(n / 16) * 16;
      const ctStart = want.length - 33 - ctLen;
      assert.deepEqual(
        want.subarray(ctStart, ctStart + ctLen),
        new Uint8Array(ref.subarray(0, ctLen)),
      );
      for (const chunkSize of [16, 48, 4096, 1 << 20]) {
        if (chunkSize < 4096 && n > 1000) continue;
        const r = await encryptFile(`${dir}/in`, `${dir}/enc`, "pw", {
          ...FIXED,
          extensions: ext,
          chunkSize,
        });
        const got = Deno.readFileSync(`${dir}/enc`);
        assert.equal(r.size, want.length);
        assert.ok(toHex(got) === toHex(want), `n=${n} chunk=${chunkSize}`);
        const d = await decryptFile(`${dir}/enc`, `${dir}/out`, "pw", { chunkSize });
        assert.equal(d.size, n);
        assert.deepEqual(Deno.readFileSync(`${dir}/out`), data);
      }
    }
  });
});

Deno.test("aescrypt: wrong password is bad-password; file never created", async () => {
  const enc = encryptBytes(utf8("secret"), "right");
  assert.throws(
    () => decryptBytes(enc, "wrong", { name: "x.zip.aes" }),
    isKind("bad-password", /Invalid passphrase, or the file x\.zip\.aes is corrupt/),
  );
  assert.throws(() => decryptBytes(V3_VECTOR, "wrong"), isKind("bad-password"));
  await withTempDir(async (dir) => {
    Deno.writeFileSync(`${dir}/a.aes`, enc);
    await assert.rejects(
      decryptFile(`${dir}/a.aes`, `${dir}/out`, "wrong"),
      isKind("bad-password", /a\.aes.*header HMAC does not match/),
    );
    assert.ok(!exists(`${dir}/out`));
  });
});

Deno.test("aescrypt: flipped ciphertext or HMAC byte is corrupt; output removed", async () => {
  await withTempDir(async (dir) => {
    const data = randomBytes(3 * 4096 + 9);
    const enc = encryptBytes(data, "pw");
    const flips: [number, AesCryptErrorKind][] = [
      [316, "corrupt"], // first ciphertext byte
      [enc.length - 40, "corrupt"], // last ciphertext block
      [enc.length - 1, "corrupt"], // HMAC2
      [240, "bad-password"], // encrypted IV2/KEY2
      [300, "bad-password"], // HMAC1
      [225, "bad-password"], // IV1
      [enc.length - 33, "corrupt"], // length byte ^0xff → >= 16
    ];
    for (const [pos, kind] of flips) {
      const bad = new Uint8Array(enc);
      bad[pos] ^= 0xff;
      assert.throws(() => decryptBytes(bad, "pw"), isKind(kind), `flip at ${pos}`);
      Deno.writeFileSync(`${dir}/bad.aes`, bad);
      await assert.rejects(
        decryptFile(`${dir}/bad.aes`, `${dir}/out`, "pw", { chunkSize: 4096 }),
        isKind(kind, /bad\.aes/),
      );
      assert.ok(!exists(`${dir}/out`), `output left behind after flip at ${pos}`);
    }
    // pre-existing output is also removed once decryption started and then failed
    const bad = new Uint8Array(enc);
    bad[enc.length - 5] ^= 1;
    Deno.writeFileSync(`${dir}/bad.aes`, bad);
    Deno.writeFileSync(`${dir}/out`, utf8("old"));
    await assert.rejects(decryptFile(`${dir}/bad.aes`, `${dir}/out`, "pw"), isKind("corrupt"));
    assert.ok(!exists(`${dir}/out`));
  });
});

Deno.test("aescrypt: truncated input is truncated/corrupt; output removed", async () => {
  await withTempDir(async (dir) => {
    const enc = encryptBytes(randomBytes(5000), "pw");
    for (const keep of [0, 2, 4, 10, 100, 219, 300, 316, enc.length - 16, enc.length - 1]) {
      const cut = enc.subarray(0, keep);
      assert.throws(
        () => decryptBytes(cut, "pw"),
        isKind(["truncated", "corrupt"]),
        `keep ${keep}`,
      );
      Deno.writeFileSync(`${dir}/cut.aes`, cut);
      await assert.rejects(
        decryptFile(`${dir}/cut.aes`, `${dir}/out`, "pw"),
        isKind(["truncated", "corrupt"], /cut\.aes/),
      );
      assert.ok(!exists(`${dir}/out`));
    }
    assert.throws(() => decryptBytes(enc.subarray(0, 301), "pw"), isKind("truncated"));
  });
});

Deno.test("aescrypt: not AESCrypt and unsupported versions", async () => {
  assert.throws(() => decryptBytes(utf8("PK\x03\x04 not aes"), "pw"), isKind("not-aescrypt"));
  assert.throws(() => decryptBytes(utf8("AEX"), "pw"), isKind("not-aescrypt"));
  const v1 = new Uint8Array(V2_VECTOR);
  v1[3] = 1;
  assert.throws(() => decryptBytes(v1, "pw"), isKind("unsupported-version", /version 1/));
  const v4 = new Uint8Array(V2_VECTOR);
  v4[3] = 4;
  assert.throws(() => decryptBytes(v4, "pw"), isKind("unsupported-version"));
  await withTempDir(async (dir) => {
    Deno.writeFileSync(`${dir}/plain.zip`, utf8("PK\x03\x04 definitely a zip file"));
    await assert.rejects(
      decryptFile(`${dir}/plain.zip`, `${dir}/out`, "pw"),
      isKind("not-aescrypt", /plain\.zip/),
    );
    assert.ok(!exists(`${dir}/out`));
  });
});

Deno.test("aescrypt: encryptFile removes its output when the input cannot be read", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(encryptFile(`${dir}/missing`, `${dir}/out`, "pw"), Deno.errors.NotFound);
    assert.ok(!exists(`${dir}/out`));
  });
});

Deno.test("aescrypt: the streaming writer matches encryptBytes for any split of the input", async () => {
  const ext = [{ name: "CREATED_BY", value: utf8("test") }];
  const opts = { ...FIXED, extensions: ext };
  // Piece sizes chosen to cross 16-byte boundaries in every way: tiny, odd, aligned, large.
  const splits = [[1], [15], [16], [17], [3, 5, 7, 1], [31, 1, 16, 33], [100_003], [1 << 20, 7]];
  for (const pieces of splits) {
    for (const tail of [0, 1, 9]) {
      const sizes = [...pieces, tail];
      const data = randomBytes(sizes.reduce((a, b) => a + b, 0));
      const out: Uint8Array[] = [];
      const w = await AesCryptWriter.create("pw", opts, (b) => {
        out.push(b.slice());
      });
      let o = 0;
      for (const n of sizes) {
        // The writer may keep ciphertext back, never plaintext: the piece is reused at once.
        const piece = data.slice(o, o + n);
        await w.write(piece);
        piece.fill(0xaa);
        o += n;
      }
      await w.finish();
      const joined = new Uint8Array(out.reduce((a, b) => a + b.length, 0));
      let p = 0;
      for (const b of out) {
        joined.set(b, p);
        p += b.length;
      }
      assert.deepEqual(joined, encryptBytes(data, "pw", opts), `split ${sizes.join("+")}`);
      await assert.rejects(() => w.write(new Uint8Array(1)), /already finished/);
    }
  }
});
