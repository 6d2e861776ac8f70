import assert from "node:assert/strict";
import { concatBytes, fromUtf8, utf8 } from "../../src/core/bytes.ts";
import { IntegrityError } from "../../src/core/errors.ts";
import {
  decodeFileset,
  encodeFilelistEntry,
  encodeFileset,
  type FilelistEntry,
  FilelistParser,
  FilelistWriter,
  parseFilelist,
} from "../../src/format/filelist.ts";

const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
const META = "acr7U+j2ClwBROvw/br5st/j9UCLmIZ1paIsQr5uOKE=";
const EMPTY = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
const HELLO = "WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=";
const REAL =
  '[{"type":"File","path":"C:\\\\backup source\\\\2KiB.txt","hash":"jtyAkw4swEOnLds7ZB/P6kHd8EncsXE8klW/Q4scfR4=","size":2048,"time":"20220205T233111Z","metahash":"I4wPQE8HSpTHOwUOgD8nBgCsNjTT7HMAXs2nRgO/UAM=","metasize":137,"blocklists":["zpo/GYuoxZFzTTU4tljfkou4c3vaJgW/x8MhOLMgfp8="]}]';

function write(entries: FilelistEntry[]): string {
  const w = new FilelistWriter();
  for (const e of entries) w.add(e);
  const b = w.finish();
  assert.deepEqual(b.subarray(0, 3), BOM);
  return fromUtf8(b.subarray(3));
}

Deno.test("real 2.0.6.100 Windows example reproduced exactly (284 bytes with BOM)", () => {
  // Properties deliberately given in another order: the writer imposes Duplicati's order.
  const entry: FilelistEntry = {
    blocklists: ["zpo/GYuoxZFzTTU4tljfkou4c3vaJgW/x8MhOLMgfp8="],
    metasize: 137,
    metahash: "I4wPQE8HSpTHOwUOgD8nBgCsNjTT7HMAXs2nRgO/UAM=",
    time: "20220205T233111Z",
    size: 2048,
    hash: "jtyAkw4swEOnLds7ZB/P6kHd8EncsXE8klW/Q4scfR4=",
    path: "C:\\backup source\\2KiB.txt",
    type: "File",
  };
  const w = new FilelistWriter();
  w.add(entry);
  const b = w.finish();
  assert.deepEqual(b, concatBytes([BOM, utf8(REAL)]));
  assert.equal(b.length, 284); // the forum listing's filelist.json size
  assert.deepEqual([...parseFilelist(b)], [{
    type: "File",
    path: "C:\\backup source\\2KiB.txt",
    hash: "jtyAkw4swEOnLds7ZB/P6kHd8EncsXE8klW/Q4scfR4=",
    size: 2048,
    time: "20220205T233111Z",
    metahash: "I4wPQE8HSpTHOwUOgD8nBgCsNjTT7HMAXs2nRgO/UAM=",
    metasize: 137,
    blocklists: ["zpo/GYuoxZFzTTU4tljfkou4c3vaJgW/x8MhOLMgfp8="],
  }]);
});

const SPEC_ENTRIES: FilelistEntry[] = [
  { type: "Folder", path: "/home/alice/docs/", metahash: META, metasize: 197 },
  { type: "Symlink", path: "/home/alice/docs/link", metahash: META, metasize: 231 },
  {
    type: "File",
    path: "/home/alice/docs/empty.txt",
    hash: EMPTY,
    size: 0,
    time: "20240101T000000Z",
    metahash: META,
    metasize: 197,
  },
  {
    type: "File",
    path: "/home/alice/docs/hello.txt",
    hash: HELLO,
    size: 6,
    time: "20240101T000000Z",
    metahash: META,
    metasize: 197,
  },
  {
    type: "File",
    path: "/home/alice/docs/big.iso",
    hash: HELLO,
    size: 3221225472,
    time: "20240101T000000Z",
    metahash: META,
    metasize: 197,
    blocklists: [EMPTY],
  },
];

Deno.test("§6.3 example entries: exact text", () => {
  const expected = "[" + [
    `{"type":"Folder","path":"/home/alice/docs/","metahash":"${META}","metasize":197}`,
    `{"type":"Symlink","path":"/home/alice/docs/link","metahash":"${META}","metasize":231}`,
    `{"type":"File","path":"/home/alice/docs/empty.txt","hash":"${EMPTY}","size":0,"time":"20240101T000000Z","metahash":"${META}","metasize":197}`,
    `{"type":"File","path":"/home/alice/docs/hello.txt","hash":"${HELLO}","size":6,"time":"20240101T000000Z","metahash":"${META}","metasize":197}`,
    `{"type":"File","path":"/home/alice/docs/big.iso","hash":"${HELLO}","size":3221225472,"time":"20240101T000000Z","metahash":"${META}","metasize":197,"blocklists":["${EMPTY}"]}`,
  ].join(",") + "]";
  assert.equal(write(SPEC_ENTRIES), expected);
  assert.deepEqual([...parseFilelist(utf8(expected))], SPEC_ENTRIES);
});

Deno.test("property order with optional block/meta fields", () => {
  assert.equal(
    encodeFilelistEntry({
      blocksize: 6,
      blockhash: "B",
      metablockhash: "MB",
      metasize: 9,
      metahash: "M",
      time: "20240101T000000Z",
      size: 6,
      hash: "H",
      path: "/a",
      type: "File",
    }),
    '{"type":"File","path":"/a","hash":"H","size":6,"time":"20240101T000000Z","metahash":"M","metasize":9,"metablockhash":"MB","blockhash":"B","blocksize":6}',
  );
  // metablocklists wins over metablockhash; blocklists wins over blockhash; equal hashes omitted
  assert.equal(
    encodeFilelistEntry({
      type: "AlternateStream",
      path: "/a:s",
      hash: "H",
      size: 1,
      time: "T",
      metahash: "M",
      metasize: 9,
      metablockhash: "MB",
      metablocklists: ["L1"],
      blocklists: ["B1", "B2"],
      blockhash: "X",
      blocksize: 1,
    }),
    '{"type":"AlternateStream","path":"/a:s","hash":"H","size":1,"time":"T","metahash":"M","metasize":9,"metablocklists":["L1"],"blocklists":["B1","B2"]}',
  );
  assert.equal(
    encodeFilelistEntry({
      type: "File",
      path: "/a",
      hash: "H",
      size: 1,
      time: "T",
      metahash: "M",
      metasize: 9,
      metablockhash: "M",
      blockhash: "H",
      blocksize: 1,
      blocklists: [],
    }),
    '{"type":"File","path":"/a","hash":"H","size":1,"time":"T","metahash":"M","metasize":9}',
  );
  // folder: file-only properties are never written
  assert.equal(
    encodeFilelistEntry({ type: "Folder", path: "/d/", hash: "H", size: 1, time: "T" }),
    '{"type":"Folder","path":"/d/"}',
  );
});

Deno.test("writer validation", () => {
  assert.throws(
    () => encodeFilelistEntry({ type: "File", path: "/a", size: 1, time: "T" }),
    TypeError,
  );
  assert.throws(
    () => encodeFilelistEntry({ type: "File", path: "/a", hash: "H", size: 1.5, time: "T" }),
    TypeError,
  );
  assert.throws(
    () => encodeFilelistEntry({ type: "Folder", path: "/a", metahash: "M" }),
    TypeError,
  );
  assert.throws(
    () => encodeFilelistEntry({ type: "Other" as "File", path: "/a" }),
    TypeError,
  );
  const w = new FilelistWriter();
  assert.deepEqual(w.finish(), concatBytes([BOM, utf8("[]")]));
  assert.throws(() => w.add({ type: "Folder", path: "/" }));
  assert.throws(() => w.finish());
  assert.deepEqual([...parseFilelist(concatBytes([BOM, utf8("[]")]))], []);
});

Deno.test("escaping of unicode, quotes, backslashes, control chars", () => {
  const path = '/tmp/æ 日本 😀 "q" \\b\\ \n\t\u0001\u001f/\u2028<>&\'';
  const text = write([{ type: "Folder", path, metahash: META, metasize: 5 }]);
  assert.equal(
    text,
    `[{"type":"Folder","path":"/tmp/æ 日本 😀 \\"q\\" \\\\b\\\\ \\n\\t\\u0001\\u001f/\\u2028<>&'","metahash":"${META}","metasize":5}]`,
  );
  const [e] = parseFilelist(utf8(text));
  assert.equal(e.path, path);
  assert.deepEqual(JSON.parse(text), [{ type: "Folder", path, metahash: META, metasize: 5 }]);
});

Deno.test("parse: other property order, whitespace, unknown types/properties, case", () => {
  const text = `\uFEFF [
    {"size": 6, "hash": "${HELLO}", "path": "/x", "extra": {"a": [1, 2.5, null, true, {"b": "\\""}]},
     "time": "20240101T000000Z", "type": "file", "metasize": 5, "metahash": "M"},
    {"type": "Weird", "path": "/w", "size": 1, "stuff": [[[]]]},
    {"path": "/d/", "type": "FOLDER", "metablocklists": ["L"], "metasize": 200000, "metahash": "M2"},
    {"type": "Symlink", "path": "/l", "metahash": null, "metasize": null}
  ] `;
  const got = [...parseFilelist(utf8(text))];
  assert.deepEqual(got, [
    {
      type: "File",
      path: "/x",
      hash: HELLO,
      size: 6,
      time: "20240101T000000Z",
      metahash: "M",
      metasize: 5,
    },
    { type: "Folder", path: "/d/", metahash: "M2", metasize: 200000, metablocklists: ["L"] },
    { type: "Symlink", path: "/l" },
  ]);
});

Deno.test("parse is lazy: entries before an error are delivered", () => {
  const gen = parseFilelist(utf8('[{"type":"Folder","path":"/a/"},{"type":'));
  assert.deepEqual(gen.next().value, { type: "Folder", path: "/a/" });
  assert.throws(() => gen.next(), IntegrityError);
});

Deno.test("parse: malformed input and type errors", () => {
  const bad = [
    "",
    "{}",
    "[",
    "[{]",
    '[{"type":"Folder","path":"/a/"}',
    '[{"type":"Folder","path":"/a/"},]',
    '[{"type":"Folder","path":"/a/"}] x',
    '[{"type":"Folder","path":"/a/}]',
    '[{"type":"Folder","path":"/a/\\x"}]',
    '[{"type":"Folder","path":"/a/\\u12"}]',
    '[{"type":"Folder" "path":"/a/"}]',
    '[{"type":"File","path":"/a","hash":"H","size":1.0,"time":"T"}]',
    '[{"type":"File","path":"/a","hash":"H","size":1e3,"time":"T"}]',
    '[{"type":"File","path":"/a","hash":"H","size":-1,"time":"T"}]',
    '[{"type":"File","path":"/a","hash":"H","size":"1","time":"T"}]',
    '[{"type":"File","path":"/a","size":1,"time":"T"}]',
    '[{"type":"File","path":"/a","hash":"H","time":"T"}]',
    '[{"type":"File","hash":"H","size":1}]',
    '[{"path":"/a"}]',
    '[{"type":"Folder","path":1}]',
    '[{"type":"File","path":"/a","hash":"H","size":1,"blocklists":"x"}]',
    '[{"type":"File","path":"/a","hash":"H","size":1,"blocklists":[1]}]',
    '[{"type":"Folder","path":"/a/","metasize":01}]',
    "[1]",
    '[{"type":"X","v":tru}]',
  ];
  for (const t of bad) {
    assert.throws(() => [...parseFilelist(utf8(t))], IntegrityError, t);
  }
  assert.throws(
    () => [
      ...parseFilelist(utf8('[{"type":"File","path":"/a","hash":"H","size":1.5}]'), "dlist X"),
    ],
    /Malformed dlist X at byte 46: "size" must be a non-negative integer/,
  );
});

Deno.test("100k entries: write and stream back", () => {
  const w = new FilelistWriter();
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    w.add({
      type: "File",
      path: `/data/dir${i % 100}/file-${i}.bin`,
      hash: HELLO,
      size: i,
      time: "20240101T000000Z",
      metahash: META,
      metasize: 197,
      ...(i % 10 === 0 ? { blocklists: [EMPTY, HELLO] } : {}),
    });
  }
  assert.equal(w.count, n);
  const b = w.finish();
  let count = 0;
  let sum = 0;
  for (const e of parseFilelist(b)) {
    count++;
    sum += e.size!;
    if (e.path === "/data/dir10/file-10.bin") assert.deepEqual(e.blocklists, [EMPTY, HELLO]);
  }
  assert.equal(count, n);
  assert.equal(sum, (n * (n - 1)) / 2);
  assert.equal(JSON.parse(fromUtf8(b)).length, n);
});

Deno.test("fileset", () => {
  const t = encodeFileset(true);
  assert.deepEqual(t, concatBytes([BOM, utf8('{"IsFullBackup":true}')]));
  assert.equal(t.length, 24); // forum listing size
  assert.deepEqual(encodeFileset(false), concatBytes([BOM, utf8('{"IsFullBackup":false}')]));
  assert.deepEqual(decodeFileset(t), { isFullBackup: true });
  assert.deepEqual(decodeFileset(encodeFileset(false)), { isFullBackup: false });
  assert.deepEqual(decodeFileset(utf8("{}")), { isFullBackup: true });
  assert.deepEqual(decodeFileset(utf8(' {"Other":1, "IsFullBackup" : false}')), {
    isFullBackup: false,
  });
  assert.throws(() => decodeFileset(utf8('{"IsFullBackup":"yes"}')), IntegrityError);
  assert.throws(() => decodeFileset(utf8("{")), IntegrityError);
  assert.throws(() => decodeFileset(utf8("true")), IntegrityError);
});

Deno.test("filelist: a writer with a sink sends exactly the bytes finish() would return", () => {
  const entries = Array.from({ length: 30_000 }, (_, i) => ({
    type: "Folder" as const,
    path: `/data/folder-${i}/with a longer name ${"x".repeat(i % 50)}`,
    metahash: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    metasize: 137,
  }));
  const whole = new FilelistWriter();
  const pieces: Uint8Array[] = [];
  const streamed = new FilelistWriter({ sink: (c) => pieces.push(c) });
  for (const e of entries) {
    whole.add(e);
    streamed.add(e);
  }
  const want = whole.finish();
  assert.equal(streamed.finish().length, 0);
  assert.ok(pieces.length > 2, "sent in several chunks");
  const got = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of pieces) {
    got.set(p, o);
    o += p.length;
  }
  assert.deepEqual(got, want);
});

Deno.test("FilelistParser: any split of the text gives the same entries", async () => {
  // Braces, brackets, escaped quotes and multi-byte characters inside strings, nested arrays.
  const text = "\uFEFF" +
    ' [ {"type":"Folder","path":"/a {b} [c]/","metahash":"M","metasize":5} ,' +
    '{"type":"File","path":"/é\\"}ü\\\\/\\u00e9 😀","hash":"H","size":3,' +
    '"time":"20240101T000000Z","metahash":"M","metasize":5,"blocklists":["X","Y"]},' +
    '{"type":"Unknown","x":{"y":[1,{"z":"}"}]}},' +
    '{"type":"Symlink","path":"/l","metahash":"M","metasize":5}\n]\n';
  const bytes = utf8(text);
  const whole = [...parseFilelist(bytes)];
  assert.equal(whole.length, 3);
  assert.equal(whole[1].path, '/é"}ü\\/é 😀');
  assert.deepEqual(whole[1].blocklists, ["X", "Y"]);
  for (let size = 1; size <= bytes.length; size++) {
    const pieces = async function* () {
      for (let o = 0; o < bytes.length; o += size) yield bytes.slice(o, o + size);
    };
    const got = [];
    const parser = new FilelistParser();
    for await (const piece of pieces()) got.push(...parser.push(piece));
    parser.end();
    assert.deepEqual(got, whole, `pieces of ${size} bytes`);
  }
});

Deno.test("FilelistParser: a truncated or broken list is refused after the entries before it", async () => {
  const run = async (text: string, size: number) => {
    const bytes = utf8(text);
    const got: string[] = [];
    const pieces = async function* () {
      for (let o = 0; o < bytes.length; o += size) yield bytes.slice(o, o + size);
    };
    try {
      const parser = new FilelistParser("dlist Y");
      for await (const piece of pieces()) for (const e of parser.push(piece)) got.push(e.path);
      parser.end();
    } catch (err) {
      return { got, err: err as Error };
    }
    return { got, err: undefined };
  };
  for (
    const [text, why] of [
      ['[{"type":"Folder","path":"/a/"},{"type":"Folder","path":"/b', /unterminated string/],
      ['[{"type":"Folder","path":"/a/"},{"type":"Folder"', /unterminated entry/],
      ['[{"type":"Folder","path":"/a/"}', /unexpected end of input/],
      ['[{"type":"Folder","path":"/a/"}] x', /unexpected data after the array/],
      ['[{"type":"Folder","path":"/a/"},{"type":"Folder","path":7}]', /at byte \d+/],
    ] as const
  ) {
    for (const size of [1, 7, 1000]) {
      const r = await run(text, size);
      assert.ok(r.err instanceof IntegrityError, `${text} in pieces of ${size}`);
      assert.match(r.err.message, /Malformed dlist Y/);
      assert.match(r.err.message, why);
      assert.deepEqual(r.got, ["/a/"], "the entry before the damage is delivered");
    }
  }
});
