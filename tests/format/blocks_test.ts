import assert from "node:assert/strict";
import { base64ToUrl, concatBytes, utf8 } from "../../src/core/bytes.ts";
import { IntegrityError } from "../../src/core/errors.ts";
import {
  blockCount,
  blocklistCount,
  blocklistHashes,
  blockSizeAt,
  EMPTY_FILE_HASH,
  hashesPerBlocklist,
  sha256,
  sha256b64,
  splitBlocklist,
} from "../../src/format/blocks.ts";

Deno.test("sha256 of hello\\n and its entry-name form (§2.2)", () => {
  const h = sha256b64(utf8("hello\n"));
  assert.equal(h, "WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=");
  assert.equal(base64ToUrl(h), "WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM=");
  const raw = sha256(utf8("hello\n"));
  assert.equal(raw.length, 32);
  assert.ok(raw.buffer instanceof ArrayBuffer);
});

Deno.test("empty file hash", () => {
  assert.equal(sha256b64(new Uint8Array(0)), EMPTY_FILE_HASH);
});

Deno.test("§8.3 worked example: blocks, blocklist and file hash", () => {
  const blocksize = 1024;
  const b0 = new Uint8Array(1024).fill(0);
  const b1 = new Uint8Array(1024).fill(1);
  const b2 = new Uint8Array(100).fill(2);
  const file = concatBytes([b0, b1, b2]);
  const hs = [b0, b1, b2].map(sha256);
  assert.deepEqual([b0, b1, b2].map(sha256b64), [
    "X3C/GKCGAHAW6UiwSu07ghA6Nr6kF1W2zd+vEKzjxu8=",
    "WmSNgBWQDYlmTgDhJd8XljYwGi2PoZHBqivZNY6lOmk=",
    "pgK3og5L+inwHghDmoiM8C3xP89F+CV61cOSvMWZb5I=",
  ]);
  const blocklist = concatBytes(hs);
  assert.equal(blocklist.length, 96);
  assert.equal(sha256b64(blocklist), "RKTDwr7z8RKxnw+tJtT0YFUimpKoBQKypP5FhyLv6eo=");
  assert.equal(sha256b64(file), "t4IjQUjAM7zKDjlzfTwJpV0TTYH6g834AON0PISsCxA=");

  const n = blockCount(file.length, blocksize);
  assert.equal(n, 3);
  assert.deepEqual([0, 1, 2].map((i) => blockSizeAt(file.length, blocksize, i)), [1024, 1024, 100]);
  assert.equal(blocklistCount(n, blocksize), 1);
  assert.deepEqual(splitBlocklist(blocklist), hs);
  assert.deepEqual(blocklistHashes(blocklist), [b0, b1, b2].map(sha256b64));
});

Deno.test("blocklist counts", () => {
  assert.equal(hashesPerBlocklist(1024 * 1024), 32768);
  assert.equal(hashesPerBlocklist(100 * 1024), 3200);
  assert.equal(blocklistCount(0, 1024), 0);
  assert.equal(blocklistCount(1, 1024), 0);
  assert.equal(blocklistCount(2, 1024), 1);
  assert.equal(blocklistCount(32, 1024), 1);
  assert.equal(blocklistCount(33, 1024), 2);
  assert.equal(blocklistCount(65, 1024), 3);
  assert.equal(blocklistCount(32769, 1024 * 1024), 2);
  assert.equal(blockCount(0, 1024), 0);
  assert.equal(blockCount(1024, 1024), 1);
  assert.equal(blockCount(1025, 1024), 2);
  // 3 GiB with 1 MiB blocks: 3072 blocks, one blocklist.
  assert.equal(blocklistCount(blockCount(3 * 2 ** 30, 2 ** 20), 2 ** 20), 1);
});

Deno.test("blockSizeAt bounds", () => {
  assert.equal(blockSizeAt(2048, 1024, 1), 1024);
  assert.equal(blockSizeAt(5 * 2 ** 32 + 7, 2 ** 20, 5 * 2 ** 12), 7);
  assert.throws(() => blockSizeAt(2048, 1024, 2), RangeError);
  assert.throws(() => blockSizeAt(2048, 1024, -1), RangeError);
  assert.throws(() => blockSizeAt(0, 1024, 0), RangeError);
});

Deno.test("splitBlocklist rejects bad lengths", () => {
  assert.throws(() => splitBlocklist(new Uint8Array(33)), IntegrityError);
  assert.deepEqual(splitBlocklist(new Uint8Array(0)), []);
  assert.equal(splitBlocklist(new Uint8Array(40), 20).length, 2);
});
