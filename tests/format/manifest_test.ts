import assert from "node:assert/strict";
import { concatBytes, fromUtf8, utf8 } from "../../src/core/bytes.ts";
import { IntegrityError } from "../../src/core/errors.ts";
import { decodeManifest, encodeManifest, verifyManifest } from "../../src/format/manifest.ts";

const EXPECTED =
  '{"Version":2,"Created":"20250304T101112Z","Encoding":"utf8","Blocksize":1048576,"BlockHash":"SHA256","FileHash":"SHA256","AppVersion":"2.1.0.5"}';
const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);

Deno.test("encodeManifest: exact bytes", () => {
  const b = encodeManifest({
    blocksize: 1048576,
    created: new Date(Date.UTC(2025, 2, 4, 10, 11, 12, 999)),
    appVersion: "2.1.0.5",
  });
  assert.deepEqual(b, concatBytes([BOM, utf8(EXPECTED)]));
  assert.equal(b.length, EXPECTED.length + 3);
  assert.ok(b.buffer instanceof ArrayBuffer);
});

Deno.test("encodeManifest: 2.0.6.100-like manifest is 146 bytes (forum listing)", () => {
  const b = encodeManifest({
    blocksize: 1024,
    created: new Date(Date.UTC(2022, 1, 5, 23, 31, 11)),
    appVersion: "2.0.6.100",
  });
  assert.equal(b.length, 146);
});

Deno.test("decodeManifest: with and without BOM, any order", () => {
  const m = decodeManifest(concatBytes([BOM, utf8(EXPECTED)]));
  assert.deepEqual(m, {
    Version: 2,
    Created: "20250304T101112Z",
    Encoding: "utf8",
    Blocksize: 1048576,
    BlockHash: "SHA256",
    FileHash: "SHA256",
    AppVersion: "2.1.0.5",
  });
  const other = decodeManifest(
    utf8(
      '{"FileHash":"SHA256","Blocksize":102400,"BlockHash":"SHA256","Encoding":"utf8","Version":1}',
    ),
  );
  assert.equal(other.Blocksize, 102400);
  assert.equal(other.Version, 1);
  assert.equal(other.Created, "");
  assert.equal(other.AppVersion, "");
});

Deno.test("decodeManifest: rejects", () => {
  const mk = (o: Record<string, unknown>) =>
    utf8(JSON.stringify({ ...JSON.parse(EXPECTED), ...o }));
  assert.throws(() => decodeManifest(mk({ Version: 3 })), IntegrityError);
  assert.throws(() => decodeManifest(mk({ Encoding: "utf16" })), IntegrityError);
  assert.throws(() => decodeManifest(mk({ Encoding: undefined })), IntegrityError);
  assert.throws(() => decodeManifest(mk({ Blocksize: "1024" })), IntegrityError);
  assert.throws(() => decodeManifest(mk({ Blocksize: 0 })), IntegrityError);
  assert.throws(() => decodeManifest(mk({ BlockHash: undefined })), IntegrityError);
  assert.throws(() => decodeManifest(utf8("{not json")), IntegrityError);
  assert.throws(() => decodeManifest(utf8("[]")), IntegrityError);
  assert.throws(
    () => decodeManifest(mk({ Version: 3 }), "duplicati-x.dblock.zip"),
    /duplicati-x\.dblock\.zip/,
  );
});

Deno.test("verifyManifest", () => {
  const m = decodeManifest(utf8(EXPECTED));
  verifyManifest(m, { blocksize: 1048576, blockHash: "SHA256", fileHash: "SHA256" }, "v");
  verifyManifest(m, { blocksize: 1048576, blockHash: "sha256", fileHash: "sha256" }, "v");
  assert.throws(
    () => verifyManifest(m, { blocksize: 102400, blockHash: "SHA256", fileHash: "SHA256" }, "vol1"),
    (e: unknown) =>
      e instanceof IntegrityError &&
      e.message.startsWith(
        "Invalid manifest detected in vol1: blocksize is 1048576 but this backup uses 102400",
      ),
  );
  assert.throws(
    () => verifyManifest(m, { blocksize: 1048576, blockHash: "SHA1", fileHash: "SHA256" }, "v"),
    /block hash algorithm is SHA256 but this backup uses SHA1/,
  );
  assert.throws(
    () => verifyManifest(m, { blocksize: 1048576, blockHash: "SHA256", fileHash: "MD5" }, "v"),
    /file hash algorithm/,
  );
});

Deno.test("encode/decode round trip", () => {
  const b = encodeManifest({
    blocksize: 102400,
    blockHash: "SHA1",
    fileHash: "MD5",
    created: new Date(0),
    appVersion: 'x"y',
  });
  assert.ok(fromUtf8(b).includes('"AppVersion":"x\\"y"'));
  const m = decodeManifest(b);
  assert.equal(m.Created, "19700101T000000Z");
  assert.equal(m.BlockHash, "SHA1");
  assert.equal(m.FileHash, "MD5");
  assert.equal(m.AppVersion, 'x"y');
});
