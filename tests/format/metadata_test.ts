import assert from "node:assert/strict";
import { concatBytes, fromUtf8, utf8 } from "../../src/core/bytes.ts";
import { IntegrityError } from "../../src/core/errors.ts";
import { sha256b64 } from "../../src/format/blocks.ts";
import { jsonString } from "../../src/format/json_text.ts";
import {
  buildPosixMetadata,
  dateFromTicks,
  decodeMetadata,
  encodeMetadata,
  fileAttributesString,
  parsePosixMetadata,
  ticksFromDate,
  ticksFromUnixNs,
  unixNsFromTicks,
} from "../../src/format/metadata.ts";

const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
const EXAMPLE =
  '{"unix:uid-gid-perm":"1000-1000-420","unix:owner-name":"alice","unix:group-name":"alice","CoreAttributes":"Normal","CoreLastWritetime":"638396640000000000","CoreCreatetime":"638396640000000000"}';
const JAN1 = Date.UTC(2024, 0, 1);

Deno.test("§7 example blob: 197 bytes, metahash", () => {
  const blob = encodeMetadata({
    "unix:uid-gid-perm": "1000-1000-420",
    "unix:owner-name": "alice",
    "unix:group-name": "alice",
    "CoreAttributes": "Normal",
    "CoreLastWritetime": "638396640000000000",
    "CoreCreatetime": "638396640000000000",
  });
  assert.deepEqual(blob, concatBytes([BOM, utf8(EXAMPLE)]));
  assert.equal(blob.length, 197);
  assert.equal(sha256b64(blob), "acr7U+j2ClwBROvw/br5st/j9UCLmIZ1paIsQr5uOKE=");
});

Deno.test("buildPosixMetadata reproduces the §7 example", () => {
  const m = buildPosixMetadata({
    uid: 1000,
    gid: 1000,
    mode: 0o100644,
    ownerName: "alice",
    groupName: "alice",
    mtimeMs: JAN1,
    birthtimeMs: JAN1,
    isDir: false,
    isSymlink: false,
  });
  assert.deepEqual([...m.keys()], [
    "unix:uid-gid-perm",
    "unix:owner-name",
    "unix:group-name",
    "CoreAttributes",
    "CoreLastWritetime",
    "CoreCreatetime",
  ]);
  assert.equal(sha256b64(encodeMetadata(m)), "acr7U+j2ClwBROvw/br5st/j9UCLmIZ1paIsQr5uOKE=");
});

Deno.test("buildPosixMetadata: dirs, symlinks, read-only, names omitted, xattrs", () => {
  const dir = buildPosixMetadata({
    uid: 0,
    gid: 0,
    mode: 0o40755,
    mtimeMs: JAN1,
    isDir: true,
    isSymlink: false,
  });
  assert.equal(dir.get("unix:uid-gid-perm"), "0-0-493");
  assert.equal(dir.get("CoreAttributes"), "Directory");
  assert.ok(!dir.has("unix:owner-name") && !dir.has("unix:group-name"));
  assert.equal(dir.get("CoreCreatetime"), "638396640000000000"); // falls back to mtime

  const link = buildPosixMetadata({
    uid: 1,
    gid: 2,
    mode: 0o120777,
    mtimeMs: JAN1,
    ctimeMs: JAN1 - 1000,
    isDir: false,
    isSymlink: true,
    symlinkTarget: "../x",
    xattrs: { "user.a": utf8("v") },
  });
  assert.deepEqual([...link.keys()], [
    "unix-ext:user.a",
    "unix:uid-gid-perm",
    "CoreAttributes",
    "CoreLastWritetime",
    "CoreCreatetime",
    "CoreSymlinkTarget",
  ]);
  assert.equal(link.get("unix-ext:user.a"), "dg==");
  assert.equal(link.get("CoreAttributes"), "ReparsePoint");
  assert.equal(link.get("CoreCreatetime"), "638396639990000000"); // older of ctime/mtime
  assert.equal(link.get("CoreSymlinkTarget"), "../x");

  const dirLink = buildPosixMetadata({
    uid: 1,
    gid: 2,
    mode: 0o777,
    mtimeMs: JAN1,
    isDir: true,
    isSymlink: true,
    symlinkTarget: "/d",
  });
  assert.equal(dirLink.get("CoreAttributes"), "Directory, ReparsePoint");

  const ro = buildPosixMetadata({
    uid: 1,
    gid: 2,
    mode: 0o444,
    mtimeNs: 1704067200123456789n,
    isDir: false,
    isSymlink: false,
    hidden: true,
  });
  assert.equal(ro.get("CoreAttributes"), "ReadOnly, Hidden");
  assert.equal(ro.get("CoreLastWritetime"), "638396640001234567");
  assert.throws(
    () => buildPosixMetadata({ uid: 0, gid: 0, mode: 0, isDir: false, isSymlink: false }),
    RangeError,
  );
  assert.equal(fileAttributesString({}), "Normal");
});

Deno.test("ticks conversions", () => {
  assert.equal(ticksFromDate(JAN1), "638396640000000000");
  assert.equal(ticksFromDate(0), "621355968000000000");
  assert.equal(ticksFromDate(JAN1 + 0.5), "638396640000005000");
  assert.equal(ticksFromDate(-1), "621355967999990000");
  assert.equal(ticksFromUnixNs(1704067200000000000n), "638396640000000000");
  assert.equal(ticksFromUnixNs(1704067200000000199n), "638396640000000001");
  assert.equal(ticksFromUnixNs(-1n), "621355967999999999");
  assert.equal(dateFromTicks("638396640000000000"), JAN1);
  assert.equal(dateFromTicks("638396640000005000"), JAN1 + 0.5);
  assert.equal(dateFromTicks("621355968000000000"), 0);
  assert.equal(dateFromTicks("0"), -62135596800000);
  assert.ok(Number.isNaN(dateFromTicks("20240101T000000Z")));
  assert.ok(Number.isNaN(dateFromTicks("")));
  assert.ok(Number.isNaN(dateFromTicks("-5")));
  assert.ok(Number.isNaN(dateFromTicks("9999999999999999999")));
  assert.equal(unixNsFromTicks("638396640001234567"), 1704067200123456700n);
  assert.equal(unixNsFromTicks("abc"), undefined);
});

Deno.test("Newtonsoft string escaping", () => {
  assert.equal(jsonString('a"b\\c/d'), '"a\\"b\\\\c/d"');
  assert.equal(jsonString("\n\r\t\b\f"), '"\\n\\r\\t\\b\\f"');
  assert.equal(jsonString("\u0000\u0001\u001f\u000b"), '"\\u0000\\u0001\\u001f\\u000b"');
  assert.equal(jsonString("\u001a"), '"\\u001a"');
  assert.equal(jsonString("<>'&\u007f"), '"<>\'&\u007f"');
  assert.equal(jsonString("æøå 日本 😀"), '"æøå 日本 😀"');
  assert.equal(jsonString("\u0085\u2028\u2029"), '"\\u0085\\u2028\\u2029"');
  assert.equal(jsonString(""), '""');
});

Deno.test("encodeMetadata: escaping, Map order, empty", () => {
  const m = new Map([["z", "1"], ["a", 'q"\\\n\u0001ü']]);
  assert.equal(fromUtf8(encodeMetadata(m).subarray(3)), '{"z":"1","a":"q\\"\\\\\\n\\u0001ü"}');
  const empty = encodeMetadata({});
  assert.deepEqual(empty, concatBytes([BOM, utf8("{}")]));
  assert.equal(empty.length, 5);
});

Deno.test("decodeMetadata", () => {
  const d = decodeMetadata(concatBytes([BOM, utf8(EXAMPLE)]));
  assert.equal(d.get("unix:owner-name"), "alice");
  assert.deepEqual([...d.keys()][0], "unix:uid-gid-perm");
  assert.equal(decodeMetadata(utf8('{"a":"\\u00e6","n":1,"b":true,"x":null}')).get("a"), "æ");
  assert.equal(decodeMetadata(utf8('{"n":1}')).get("n"), "1");
  assert.equal(decodeMetadata(utf8('{"x":null}')).has("x"), false);
  assert.throws(() => decodeMetadata(utf8("[1]")), IntegrityError);
  assert.throws(() => decodeMetadata(utf8('{"a":{}}')), IntegrityError);
  assert.throws(() => decodeMetadata(utf8("{")), IntegrityError);
  // round trip of awkward strings
  const m = new Map([["k\u2028", "v\u0000\t\"'/\\😀"]]);
  assert.deepEqual(decodeMetadata(encodeMetadata(m)), m);
});

Deno.test("parsePosixMetadata", () => {
  const p = parsePosixMetadata(decodeMetadata(concatBytes([BOM, utf8(EXAMPLE)])));
  assert.deepEqual(p, {
    uid: 1000,
    gid: 1000,
    perm: 0o644,
    ownerName: "alice",
    groupName: "alice",
    mtimeMs: JAN1,
    mtimeNs: BigInt(JAN1) * 1_000_000n,
    createtimeMs: JAN1,
    attributes: "Normal",
  });
  const q = parsePosixMetadata({
    "unix-ext:user.x": "AAE=",
    "CoreLastWritetime": "20240101T000000Z",
    "CoreSymlinkTarget": "t",
    "unix:uid-gid-perm": "bad",
  });
  assert.deepEqual(q.xattrs, new Map([["user.x", new Uint8Array([0, 1])]]));
  assert.equal(q.mtimeMs, undefined);
  assert.equal(q.uid, undefined);
  assert.equal(q.symlinkTarget, "t");
});
