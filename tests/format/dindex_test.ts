import assert from "node:assert/strict";
import { concatBytes, fromUtf8, utf8 } from "../../src/core/bytes.ts";
import { IntegrityError } from "../../src/core/errors.ts";
import { sha256, sha256b64 } from "../../src/format/blocks.ts";
import {
  blockEntryName,
  decodeVolumeIndex,
  encodeVolumeIndex,
  hashFromEntryName,
  isBlockEntryName,
  LIST_PREFIX,
  listEntryName,
  verifyBlocklist,
  VOL_PREFIX,
  volEntryName,
} from "../../src/format/dindex.ts";

const H0 = "X3C/GKCGAHAW6UiwSu07ghA6Nr6kF1W2zd+vEKzjxu8=";
const H2 = "pgK3og5L+inwHghDmoiM8C3xP89F+CV61cOSvMWZb5I=";

Deno.test("encodeVolumeIndex: exact text, no BOM (§5.1 example)", () => {
  const b = encodeVolumeIndex({
    blocks: [{ hash: H0, size: 1024 }, { hash: H2, size: 100 }],
    volumeHash: "VH=",
    volumeSize: 52389181,
  });
  assert.equal(b[0], 0x7b); // no BOM
  assert.equal(
    fromUtf8(b),
    `{"blocks":[{"hash":"${H0}","size":1024},{"hash":"${H2}","size":100}],"volumehash":"VH=","volumesize":52389181}`,
  );
  assert.equal(fromUtf8(encodeVolumeIndex({ blocks: [] })), '{"blocks":[]}');
  assert.equal(
    fromUtf8(encodeVolumeIndex({ blocks: [{ hash: H0, size: 1 }], volumeSize: 5 })),
    `{"blocks":[{"hash":"${H0}","size":1}],"volumesize":5}`,
  );
  assert.throws(() => encodeVolumeIndex({ blocks: [{ hash: H0, size: -1 }] }), TypeError);
});

Deno.test("decodeVolumeIndex: round trip, BOM, other order", () => {
  const v = {
    blocks: [{ hash: H0, size: 1024 }, { hash: H2, size: 100 }],
    volumeHash: "VH=",
    volumeSize: 7,
  };
  assert.deepEqual(decodeVolumeIndex(encodeVolumeIndex(v)), v);
  const text =
    `{"volumesize":7,"x":1,"volumehash":"VH=","blocks":[{"size":1024,"hash":"${H0}"},{"hash":"${H2}","size":100}]}`;
  assert.deepEqual(
    decodeVolumeIndex(concatBytes([new Uint8Array([0xef, 0xbb, 0xbf]), utf8(text)])),
    v,
  );
  assert.deepEqual(decodeVolumeIndex(utf8('{"blocks":[]}')), { blocks: [] });
});

Deno.test("decodeVolumeIndex: rejects malformed", () => {
  for (
    const t of [
      "{",
      "[]",
      "{}",
      '{"blocks":{}}',
      '{"blocks":[{"hash":"a"}]}',
      '{"blocks":[{"hash":1,"size":1}]}',
      '{"blocks":[{"hash":"a","size":1.5}]}',
      '{"blocks":[],"volumehash":5}',
      '{"blocks":[],"volumesize":"5"}',
    ]
  ) {
    assert.throws(() => decodeVolumeIndex(utf8(t)), IntegrityError, t);
  }
});

Deno.test("50k blocks encode/decode", () => {
  const blocks = Array.from({ length: 50_000 }, (_, i) => ({ hash: H0, size: i + 1 }));
  const b = encodeVolumeIndex({ blocks, volumeHash: H2, volumeSize: 1 });
  const d = decodeVolumeIndex(b);
  assert.equal(d.blocks.length, 50_000);
  assert.equal(d.blocks[49_999].size, 50_000);
});

Deno.test("entry names", () => {
  const h = sha256b64(utf8("hello\n"));
  assert.equal(blockEntryName(h), "WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM=");
  assert.equal(hashFromEntryName("WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM="), h);
  assert.equal(VOL_PREFIX, "vol/");
  assert.equal(LIST_PREFIX, "list/");
  assert.equal(
    volEntryName("duplicati-b0a1.dblock.zip.aes"),
    "vol/duplicati-b0a1.dblock.zip.aes",
  );
  assert.equal(listEntryName(h), "list/WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM=");
});

Deno.test("isBlockEntryName (§4 reader rule)", () => {
  assert.ok(isBlockEntryName("WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM="));
  assert.ok(isBlockEntryName("abcd"));
  assert.ok(isBlockEntryName("ab-_"));
  assert.ok(isBlockEntryName("ab=="));
  assert.ok(isBlockEntryName("abc="));
  assert.ok(!isBlockEntryName("manifest"));
  assert.ok(!isBlockEntryName("fileset"));
  assert.ok(!isBlockEntryName("filelist.json"));
  assert.ok(!isBlockEntryName("abc")); // length % 4
  assert.ok(!isBlockEntryName("a==="));
  assert.ok(!isBlockEntryName("ab=c"));
  assert.ok(!isBlockEntryName("WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=")); // "/" not allowed
  assert.ok(!isBlockEntryName("ab+c"));
  assert.ok(!isBlockEntryName("vol/abcd"));
  assert.ok(!isBlockEntryName(""));
  assert.ok(!isBlockEntryName("abcd\n"));
});

Deno.test("verifyBlocklist", () => {
  const bl = concatBytes([sha256(utf8("a")), sha256(utf8("b")), sha256(utf8("c"))]);
  const h = sha256b64(bl);
  assert.ok(verifyBlocklist(bl, h));
  assert.ok(verifyBlocklist(bl, blockEntryName(h)));
  assert.ok(!verifyBlocklist(bl, H0));
  assert.ok(!verifyBlocklist(bl.subarray(0, 95), sha256b64(bl.subarray(0, 95))));
  assert.ok(!verifyBlocklist(new Uint8Array(0), sha256b64(new Uint8Array(0))));
  assert.ok(verifyBlocklist(bl.subarray(0, 80), sha256b64(bl.subarray(0, 80)), 20));
});
