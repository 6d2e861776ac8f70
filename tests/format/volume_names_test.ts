import assert from "node:assert/strict";
import { ArgumentError, IntegrityError } from "../../src/core/errors.ts";
import {
  formatDlistTime,
  generateVolumeName,
  nextFreeDlistName,
  parseDlistTime,
  parseVolumeName,
} from "../../src/format/volume_names.ts";

const T = new Date(Date.UTC(2024, 2, 12, 14, 30, 0, 789));

Deno.test("formatDlistTime / parseDlistTime", () => {
  assert.equal(formatDlistTime(T), "20240312T143000Z");
  assert.equal(formatDlistTime(new Date(Date.UTC(2025, 2, 4, 10, 11, 12))), "20250304T101112Z");
  assert.equal(parseDlistTime("20240312T143000Z").toISOString(), "2024-03-12T14:30:00.000Z");
  assert.equal(parseDlistTime("00010101T000000Z").getUTCFullYear(), 1);
  assert.throws(() => parseDlistTime("20240230T000000Z"), IntegrityError);
  assert.throws(() => parseDlistTime("20241301T000000Z"), IntegrityError);
  assert.throws(() => parseDlistTime("20240101T240000Z"), IntegrityError);
  assert.throws(() => parseDlistTime("20240101T000000"), IntegrityError);
  assert.throws(() => parseDlistTime("2024-01-01T00:00:00Z"), IntegrityError);
  assert.throws(() => formatDlistTime(new Date(NaN)), RangeError);
});

Deno.test("generateVolumeName", () => {
  assert.equal(
    generateVolumeName({ prefix: "duplicati", type: "dlist", time: T, encryption: "aes" }),
    "duplicati-20240312T143000Z.dlist.zip.aes",
  );
  assert.equal(
    generateVolumeName({ prefix: "duplicati", type: "dlist", time: T }),
    "duplicati-20240312T143000Z.dlist.zip",
  );
  const b = generateVolumeName({ prefix: "duplicati", type: "dblock", encryption: "aes" });
  assert.match(b, /^duplicati-b[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}\.dblock\.zip\.aes$/);
  const i = generateVolumeName({ prefix: "bk", type: "dindex", compression: "zip" });
  assert.match(i, /^bk-i[0-9a-f]{32}\.dindex\.zip$/);
  assert.notEqual(
    b,
    generateVolumeName({ prefix: "duplicati", type: "dblock", encryption: "aes" }),
  );
  assert.throws(() => generateVolumeName({ prefix: "a-b", type: "dblock" }), ArgumentError);
  assert.throws(() => generateVolumeName({ prefix: "", type: "dblock" }), ArgumentError);
  // round trip
  const p = parseVolumeName(b, "duplicati")!;
  assert.equal(p.type, "dblock");
  assert.equal(p.guid, b.slice(11, 43));
  assert.equal(p.encryption, "aes");
});

Deno.test("parseVolumeName: spec examples", () => {
  assert.deepEqual(parseVolumeName("duplicati-20240312T143000Z.dlist.zip.aes"), {
    prefix: "duplicati",
    type: "dlist",
    time: new Date("2024-03-12T14:30:00Z"),
    compression: "zip",
    encryption: "aes",
  });
  assert.deepEqual(parseVolumeName("duplicati-b0a1b2c3d4e5f60718293a4b5c6d7e8f9.dblock.zip.aes"), {
    prefix: "duplicati",
    type: "dblock",
    guid: "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    compression: "zip",
    encryption: "aes",
  });
  assert.deepEqual(parseVolumeName("duplicati-i9f8e7d6c5b4a39281706f5e4d3c2b1a0.dindex.zip.aes"), {
    prefix: "duplicati",
    type: "dindex",
    guid: "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    compression: "zip",
    encryption: "aes",
  });
  // no encryption
  const p = parseVolumeName("duplicati-20240312T143000Z.dlist.zip")!;
  assert.equal(p.encryption, undefined);
  assert.ok(!("encryption" in p));
  assert.equal(p.compression, "zip");
});

Deno.test("parseVolumeName: prefixes and foreign files", () => {
  const n = "backup-b0a1b2c3d4e5f60718293a4b5c6d7e8f9.dblock.zip";
  assert.equal(parseVolumeName(n)?.prefix, "backup");
  assert.equal(parseVolumeName(n, "backup")?.type, "dblock");
  assert.equal(parseVolumeName(n, "duplicati"), undefined);
  assert.equal(parseVolumeName(n, "Backup"), undefined);
  for (
    const foreign of [
      "duplicati-verification.json",
      "readme.txt",
      "duplicati-b0a1.dblock", // no compression
      "duplicati-x0a1.dblock.zip", // wrong guid marker
      "duplicati-b0a1g.dblock.zip", // non-hex guid
      "duplicati-20240312T143000.dlist.zip", // no Z
      "duplicati-2024031T143000Z.dlist.zip",
      "duplicati-b0a1.dfile.zip",
      "-b0a1.dblock.zip", // empty prefix
      "duplicati-b0a1.DBLOCK.zip", // regex is case-sensitive by default
      "duplicati-20240230T143000Z.dlist.zip", // invalid date
      "",
    ]
  ) {
    assert.equal(parseVolumeName(foreign), undefined, foreign);
  }
});

Deno.test("parseVolumeName: regex quirks", () => {
  // upper-case marker and guid digits
  const up = parseVolumeName("duplicati-BABCDEF.dblock.zip")!;
  assert.equal(up.type, "dblock");
  assert.equal(up.guid, "ABCDEF");
  assert.equal(parseVolumeName("duplicati-I0123.dindex.zip")?.type, "dindex");
  // the class [i|b|I|B] also contains "|"
  assert.equal(parseVolumeName("duplicati-|0123.dblock.zip")?.guid, "0123");
  // unescaped "." before the filetype matches any char
  assert.equal(parseVolumeName("duplicati-b0123_dblock.zip")?.type, "dblock");
  // encryption takes everything after the compression
  assert.equal(parseVolumeName("duplicati-b0123.dblock.zip.aes.tmp")?.encryption, "aes.tmp");
  // type/guid form is not cross-checked (as in Duplicati)
  assert.equal(parseVolumeName("duplicati-b0123.dlist.zip")?.type, "dlist");
  // tgz / tzstd
  assert.equal(parseVolumeName("duplicati-b0123.dblock.tzstd.aes")?.compression, "tzstd");
});

Deno.test("parseVolumeName: case-insensitive option", () => {
  const n = "Duplicati-B0123.DBLOCK.ZIP.AES";
  assert.equal(parseVolumeName(n), undefined);
  const p = parseVolumeName(n, "duplicati", { caseInsensitive: true })!;
  assert.equal(p.type, "dblock");
  assert.equal(p.prefix, "Duplicati");
  assert.equal(p.encryption, "AES");
});

Deno.test("parseVolumeName: .par2 stripped", () => {
  const p = parseVolumeName("duplicati-b0a1b2c3d4e5f60718293a4b5c6d7e8f9.dblock.zip.aes.par2")!;
  assert.equal(p.type, "dblock");
  assert.equal(p.encryption, "aes");
  assert.equal(p.parity, true);
  assert.equal(parseVolumeName("duplicati-20240312T143000Z.dlist.zip.PAR2")?.encryption, undefined);
  assert.equal(parseVolumeName("duplicati-20240312T143000Z.dlist.zip")?.parity, undefined);
});

Deno.test("nextFreeDlistName adds seconds until unused", () => {
  const opts = { prefix: "duplicati", time: T, encryption: "aes" };
  assert.equal(nextFreeDlistName(new Set(), opts), "duplicati-20240312T143000Z.dlist.zip.aes");
  const existing = new Set([
    "duplicati-20240312T143000Z.dlist.zip.aes",
    "duplicati-20240312T143001Z.dlist.zip", // same time, other suffix: also taken
    "other-20240312T143002Z.dlist.zip.aes", // other prefix: free
  ]);
  assert.equal(nextFreeDlistName(existing, opts), "duplicati-20240312T143002Z.dlist.zip.aes");
  const late = new Date(Date.UTC(2024, 11, 31, 23, 59, 59));
  assert.equal(
    nextFreeDlistName(new Set(["duplicati-20241231T235959Z.dlist.zip"]), {
      prefix: "duplicati",
      time: late,
    }),
    "duplicati-20250101T000000Z.dlist.zip",
  );
});
