import assert from "node:assert/strict";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import {
  deflateSmaller,
  fastDeflateAvailable,
  inflateExact,
  looksCompressible,
  looksRandom,
  RawDeflateStream,
} from "../../src/format/deflate.ts";
import { concatBytes } from "../../src/core/bytes.ts";

const text = new TextEncoder().encode(
  Array.from({ length: 3000 }, (_, i) => `line ${i}: the quick brown fox ${i % 17}\n`).join(""),
);

Deno.test("deflate: the reusable zlib state is in use on this runtime", () => {
  // If a Deno upgrade changes node:zlib's internals, backups fall back to the slow one-shot path.
  assert.equal(fastDeflateAvailable(), true);
});

Deno.test("deflate: output is byte for byte what node:zlib's one-shot deflate gives", () => {
  for (const level of [1, 3, 6, 9]) {
    for (const data of [text, text.subarray(0, 100), text.subarray(5, 70_000)]) {
      const ours = deflateSmaller(data, level);
      assert.ok(ours, `level ${level} compresses text`);
      assert.deepEqual(ours, new Uint8Array(deflateRawSync(data, { level })));
    }
  }
});

Deno.test("deflate: data that does not shrink is reported as such, and the state recovers", () => {
  const random = crypto.getRandomValues(new Uint8Array(50_000));
  assert.equal(deflateSmaller(random, 3), undefined);
  assert.equal(deflateSmaller(new Uint8Array(0), 3), undefined);
  assert.equal(deflateSmaller(new Uint8Array([7]), 3), undefined);
  // The next entry is compressed from a clean state.
  assert.deepEqual(deflateSmaller(text, 3), new Uint8Array(deflateRawSync(text, { level: 3 })));
});

Deno.test("inflate: exact sizes round-trip, wrong sizes and damage are refused", () => {
  const packed = new Uint8Array(deflateRawSync(text, { level: 6 }));
  assert.deepEqual(inflateExact(packed, text.length), text);
  assert.throws(() => inflateExact(packed, text.length - 1), /more than/);
  assert.throws(() => inflateExact(packed, text.length + 1), /expected/);
  assert.throws(() => inflateExact(packed.subarray(0, packed.length - 10), text.length));
  assert.throws(() => inflateExact(new Uint8Array([0xff, 0xff, 0x03, 0x00]), 10));
  // A failure leaves nothing behind for the next entry.
  assert.deepEqual(inflateExact(packed, text.length), text);
  const empty = new Uint8Array(deflateRawSync(new Uint8Array(0)));
  assert.equal(inflateExact(empty, 0).length, 0);
  // Into a given buffer: the result is a view of it; a buffer too small is not used.
  const room = new Uint8Array(text.length + 10);
  const got = inflateExact(packed, text.length, room.subarray(5));
  assert.equal(got.buffer, room.buffer);
  assert.equal(got.byteOffset, 5);
  assert.deepEqual(got, text);
  assert.notEqual(inflateExact(packed, text.length, new Uint8Array(4)).buffer.byteLength, 4);
  assert.throws(() => inflateExact(packed, text.length + 1, room), /expected/);
});

Deno.test("deflate stream: pieces form one stream that inflates to the whole input", () => {
  for (const pieceSize of [1, 1000, 65_536, 1 << 20]) {
    const s = new RawDeflateStream(6);
    const out: Uint8Array[] = [];
    for (let o = 0; o < text.length; o += pieceSize) {
      out.push(...s.write(text.subarray(o, o + pieceSize)));
    }
    out.push(...s.end());
    const joined = concatBytes(out);
    assert.deepEqual(new Uint8Array(inflateRawSync(joined)), text, `pieces of ${pieceSize}`);
    // One stream, not one per piece: about as small as deflating it at once.
    assert.ok(joined.length < deflateRawSync(text, { level: 6 }).length * 1.05);
  }
  const none = new RawDeflateStream(3);
  const end = none.end();
  assert.equal(new Uint8Array(inflateRawSync(end[0])).length, 0);
});

Deno.test("deflate probe: small random blocks are not worth deflating, text and sparse data are", () => {
  const random = crypto.getRandomValues(new Uint8Array(6000));
  assert.equal(looksRandom(random), true);
  assert.equal(looksCompressible(random), false);
  assert.equal(deflateSmaller(random, 2), undefined, "deflate agrees: it does not shrink");
  assert.equal(looksCompressible(text.subarray(0, 6000)), true);
  // Random at the start, zero runs later: one of the samples sees them.
  const mixed = new Uint8Array(8000);
  mixed.set(random.subarray(0, 4000));
  assert.equal(looksCompressible(mixed), true);
  // Below 1 KiB the probe does not guess.
  assert.equal(looksCompressible(random.subarray(0, 1000)), true);
  assert.equal(looksCompressible(new Uint8Array(0)), true);
});
