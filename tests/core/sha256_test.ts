import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sha256, sha256Iterate, sha256Js } from "../../src/core/sha256.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("sha256Js matches the FIPS 180-2 vectors", () => {
  const enc = new TextEncoder();
  assert.equal(
    hex(sha256Js(enc.encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    hex(sha256Js(new Uint8Array(0))),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    hex(sha256Js(enc.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

Deno.test("sha256 agrees with node:crypto at every padding boundary and size class", () => {
  for (const n of [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 511, 512, 513, 4096, 100_000]) {
    const d = new Uint8Array(n);
    for (let i = 0; i < n; i++) d[i] = (i * 131 + n) & 0xff;
    const want = hex(createHash("sha256").update(d).digest());
    assert.equal(hex(sha256(d)), want, `size ${n}`);
    assert.equal(hex(sha256Js(d)), want, `js, size ${n}`);
  }
});

Deno.test("sha256Iterate equals hashing K ‖ tail again and again", () => {
  const start = new Uint8Array(32).map((_, i) => i * 7 + 1);
  // Tails that fit one block with K (up to 23 bytes), the boundary, and longer ones.
  for (const tailLength of [0, 1, 22, 23, 24, 31, 32, 100]) {
    const tail = new Uint8Array(tailLength).map((_, i) => 255 - i);
    for (const rounds of [0, 1, 2, 7, 100]) {
      let k = start;
      for (let r = 0; r < rounds; r++) {
        k = new Uint8Array(createHash("sha256").update(k).update(tail).digest());
      }
      assert.deepEqual(
        sha256Iterate(start, tail, rounds),
        k,
        `tail ${tailLength}, ${rounds} rounds`,
      );
    }
  }
  assert.throws(() => sha256Iterate(new Uint8Array(16), new Uint8Array(0), 1), /32 bytes/);
});
