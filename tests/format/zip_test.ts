import assert from "node:assert/strict";
import {
  crc32,
  decodeEntry,
  entryData,
  prepareEntry,
  type ZipEntryInfo,
  ZipReader,
  ZipWriter,
} from "../../src/format/zip.ts";
import { IntegrityError } from "../../src/core/errors.ts";
import { type Bytes, concatBytes, utf8 } from "../../src/core/bytes.ts";

function randomBytes(n: number): Bytes {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

function textBytes(n: number): Bytes {
  const words = ["alpha", "beta", "gamma", "delta", "block", "volume", "hash", "\n"];
  let s = "";
  let i = 0;
  while (s.length < n) s += words[(i++ * 7) % words.length] + " ";
  return utf8(s.slice(0, n));
}

async function withTempDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "zip_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string } = {},
): Promise<{ code: number; stdout: Bytes; stderr: string }> {
  const out = await new Deno.Command(cmd, { args, cwd: opts.cwd, stdout: "piped", stderr: "piped" })
    .output();
  return {
    code: out.code,
    stdout: new Uint8Array(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

async function hasCommand(cmd: string): Promise<boolean> {
  try {
    const r = await run("sh", ["-c", `command -v ${cmd}`]);
    return r.code === 0;
  } catch {
    return false;
  }
}

async function unzipTest(path: string): Promise<void> {
  const r = await run("/usr/bin/unzip", ["-tqq", path]);
  assert.equal(r.code, 0, `unzip -t failed: ${r.stderr}${new TextDecoder().decode(r.stdout)}`);
}

async function pythonTest(path: string, expectedCount: number): Promise<void> {
  const r = await run("python3", [
    "-c",
    "import sys, zipfile\n" +
    "z = zipfile.ZipFile(sys.argv[1])\n" +
    "bad = z.testzip()\n" +
    "assert bad is None, bad\n" +
    "print(len(z.infolist()))",
    path,
  ]);
  assert.equal(r.code, 0, `python zipfile failed: ${r.stderr}`);
  assert.equal(new TextDecoder().decode(r.stdout).trim(), String(expectedCount));
}

/** Writes the mixed sample archive and returns the entries put in it. */
/**
 * An entry's content from the raw bytes of its extent, as a restore reads entries of encrypted
 * volumes (the extent's ciphertext is decrypted elsewhere and the stored bytes found in it).
 */
function viaExtent(path: string, z: ZipReader, e: ZipEntryInfo): Bytes {
  const { start, end } = z.extent(e);
  const bytes = Deno.readFileSync(path).subarray(start, end);
  return decodeEntry(e, entryData(e, bytes, path), path);
}

function writeSample(path: string): Map<string, Bytes> {
  const entries = new Map<string, Bytes>([
    ["manifest", utf8('\ufeff{"Version":2,"Created":"20250101T000000Z"}')],
    ["text-deflated", textBytes(200_000)],
    ["random-stored", randomBytes(70_000)],
    ["empty", new Uint8Array(0)],
    ["vol/dämon-ß.txt", textBytes(3000)],
    ["not-compressed", textBytes(5000)],
    ["WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM=", utf8("hello\n")],
  ]);
  const w = ZipWriter.create(path);
  for (const [name, data] of entries) {
    if (name === "not-compressed") w.add(name, data, { compress: false });
    else w.add(name, data);
  }
  const estimate = w.size;
  assert.equal(w.count, entries.size);
  const total = w.close();
  assert.equal(total, estimate, "size estimate before close equals final size");
  assert.equal(Deno.statSync(path).size, total);
  return entries;
}

Deno.test("zip: round trip of mixed stored and deflated entries", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/a.zip`;
    const entries = writeSample(path);
    const check = (r: ZipReader) => {
      const infos = r.entries();
      assert.deepEqual(infos.map((e) => e.name), [...entries.keys()]);
      for (const info of infos) {
        const want = entries.get(info.name)!;
        assert.equal(info.uncompressedSize, want.length);
        assert.equal(info.crc32, crc32(want));
        assert.deepEqual(r.read(info.name), want);
        assert.deepEqual(r.read(info), want);
        assert.deepEqual(viaExtent(path, r, info), want, `${info.name} via its extent`);
      }
      // A local header that is not one is refused, naming the entry.
      const first = infos[0];
      const { start, end } = r.extent(first);
      const raw = Deno.readFileSync(path).slice(start, end);
      raw[0] ^= 0xff;
      assert.throws(() => entryData(first, raw, "a.zip"), /a\.zip: entry .* bad local header/);
      assert.throws(
        () => entryData(first, Deno.readFileSync(path).subarray(start, start + 31), "a.zip"),
        /past the end|bad local header/,
      );
      const m = (n: string) => r.entry(n)!.method;
      assert.equal(m("text-deflated"), 8);
      assert.equal(m("random-stored"), 0);
      assert.equal(m("not-compressed"), 0);
      assert.equal(m("empty"), 0);
      assert.ok(r.entry("text-deflated")!.compressedSize < 100_000);
      assert.equal(r.entry("vol/dämon-ß.txt")!.flags & 0x800, 0x800);
      assert.equal(r.entry("manifest")!.flags & 0x800, 0);
      assert.ok(r.has("manifest"));
      assert.ok(!r.has("nope"));
      assert.throws(() => r.read("nope"), IntegrityError);
    };
    const r = ZipReader.openSync(path);
    try {
      check(r);
    } finally {
      r.close();
    }
    const m = ZipReader.fromBytes(Deno.readFileSync(path), "mem.zip");
    check(m);
    m.close();
  });
});

Deno.test("zip: open() async, readRaw and addCompressed copy an entry verbatim", async () => {
  await withTempDir(async (dir) => {
    const entries = writeSample(`${dir}/a.zip`);
    const r = await ZipReader.open(`${dir}/a.zip`);
    const w = ZipWriter.create(`${dir}/b.zip`);
    for (const e of r.entries()) {
      w.addCompressed(e.name, {
        method: e.method as 0 | 8,
        crc32: e.crc32,
        uncompressedSize: e.uncompressedSize,
        data: r.readRaw(e),
      });
    }
    r.close();
    w.close();
    using r2 = ZipReader.openSync(`${dir}/b.zip`);
    for (const [name, data] of entries) assert.deepEqual(r2.read(name), data);
  });
});

Deno.test("zip: stored when deflate doesn't shrink", () => {
  const rnd = randomBytes(10_000);
  const p = prepareEntry(rnd, { compress: true, level: 6 });
  assert.equal(p.method, 0);
  assert.equal(p.data, rnd);
  assert.equal(p.crc32, crc32(rnd));
  // level 1 expands random data in Deno's zlib: must still store
  assert.equal(prepareEntry(rnd, { compress: true, level: 1 }).method, 0);
  const txt = textBytes(10_000);
  const d = prepareEntry(txt, { compress: true, level: 6 });
  assert.equal(d.method, 8);
  assert.ok(d.data.length < txt.length);
  assert.equal(d.data.byteOffset, 0);
  assert.equal(d.data.buffer.byteLength, d.data.length, "owns its buffer (transferable)");
  assert.equal(d.uncompressedSize, txt.length);
  assert.equal(prepareEntry(txt, { compress: false, level: 6 }).method, 0);
  assert.equal(prepareEntry(new Uint8Array(0), { compress: true, level: 6 }).method, 0);
});

Deno.test("zip: duplicate names are refused", async () => {
  await withTempDir((dir) => {
    const w = ZipWriter.create(`${dir}/d.zip`);
    w.add("x", utf8("1"));
    assert.throws(() => w.add("x", utf8("2")), /duplicate/);
    w.abort();
    assert.throws(() => Deno.statSync(`${dir}/d.zip`), Deno.errors.NotFound);
  });
});

Deno.test("zip: our output passes unzip -t and python zipfile.testzip()", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/a.zip`;
    const entries = writeSample(path);
    await unzipTest(path);
    await pythonTest(path, entries.size);
    // python reads the same bytes
    const r = await run("python3", [
      "-c",
      "import sys, zipfile, hashlib\n" +
      "z = zipfile.ZipFile(sys.argv[1])\n" +
      "print(hashlib.sha256(z.read('vol/dämon-ß.txt')).hexdigest())",
      path,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const want = await crypto.subtle.digest("SHA-256", entries.get("vol/dämon-ß.txt")!);
    const hex = [...new Uint8Array(want)].map((x) => x.toString(16).padStart(2, "0")).join("");
    assert.equal(new TextDecoder().decode(r.stdout).trim(), hex);
  });
});

Deno.test("zip: reads archives written by python zipfile, with and without data descriptors", async () => {
  await withTempDir(async (dir) => {
    const script = "import sys, zipfile\n" +
      "def fill(z):\n" +
      "    z.writestr('manifest', b'{\"Version\":2}' * 50, compress_type=zipfile.ZIP_DEFLATED)\n" +
      "    z.writestr('stored', bytes(range(256)) * 10, compress_type=zipfile.ZIP_STORED)\n" +
      "    z.writestr('empty', b'', compress_type=zipfile.ZIP_DEFLATED)\n" +
      "    with z.open('streamed', 'w') as f:\n" +
      "        for i in range(1000): f.write(b'line %d\\n' % i)\n" +
      "if sys.argv[1] == 'file':\n" +
      "    with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z: fill(z)\n" +
      "else:\n" +
      "    with zipfile.ZipFile(sys.stdout.buffer, 'w', zipfile.ZIP_DEFLATED) as z: fill(z)\n";
    const expect = new Map<string, Bytes>([
      ["manifest", utf8('{"Version":2}'.repeat(50))],
      ["stored", new Uint8Array(Array.from({ length: 2560 }, (_, i) => i % 256))],
      ["empty", new Uint8Array(0)],
      ["streamed", utf8(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join(""))],
    ]);
    const r1 = await run("python3", ["-c", script, "file", `${dir}/py.zip`]);
    assert.equal(r1.code, 0, r1.stderr);
    const r2 = await run("python3", ["-c", script, "stream"]);
    assert.equal(r2.code, 0, r2.stderr);
    Deno.writeFileSync(`${dir}/pystream.zip`, r2.stdout);
    for (const [file, descriptor] of [["py.zip", false], ["pystream.zip", true]] as const) {
      using z = ZipReader.openSync(`${dir}/${file}`);
      assert.equal(z.count, expect.size);
      for (const e of z.entries()) {
        assert.equal((e.flags & 0x8) !== 0, descriptor, `${file} ${e.name} data descriptor flag`);
        assert.deepEqual(z.read(e.name), expect.get(e.name), `${file} ${e.name}`);
        assert.deepEqual(viaExtent(`${dir}/${file}`, z, e), expect.get(e.name), `${file} extent`);
      }
      assert.equal(z.entry("stored")!.method, 0);
      assert.equal(z.entry("manifest")!.method, 8);
    }
  });
});

Deno.test("zip: reads archives written by Info-ZIP zip", async () => {
  assert.ok(await hasCommand("zip"), "Info-ZIP zip is needed for this test (Debian package zip)");
  await withTempDir(async (dir) => {
    const a = textBytes(50_000);
    const b = randomBytes(4000);
    Deno.writeFileSync(`${dir}/a.txt`, a);
    Deno.writeFileSync(`${dir}/b.bin`, b);
    const r = await run("zip", ["-q", "-X", "out.zip", "a.txt", "b.bin"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    // streamed from stdin: "-" entry with a data descriptor
    const s = await run("sh", ["-c", "cat a.txt | zip -q -X - - | cat > stream.zip"], { cwd: dir });
    assert.equal(s.code, 0, s.stderr);
    {
      using z = ZipReader.openSync(`${dir}/out.zip`);
      assert.deepEqual(z.read("a.txt"), a);
      assert.deepEqual(z.read("b.bin"), b);
    }
    {
      using z = ZipReader.openSync(`${dir}/stream.zip`);
      const e = z.entry("-")!;
      assert.ok(e.flags & 0x8, "data descriptor flag");
      assert.deepEqual(z.read(e), a);
      assert.deepEqual(viaExtent(`${dir}/stream.zip`, z, e), a);
    }
  });
});

Deno.test("zip: zip64 with 70,000 tiny entries", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/many.zip`;
    const n = 70_000;
    const w = ZipWriter.create(path);
    for (let i = 0; i < n; i++) {
      w.add(`e${i}`, utf8(`entry number ${i}`), { compress: i % 2 === 0 });
    }
    const est = w.size;
    const total = w.close();
    assert.equal(total, est);
    // end records: EOCD count field is 0xFFFF, zip64 locator precedes it
    const f = Deno.readFileSync(path);
    const v = new DataView(f.buffer);
    const eocd = f.length - 22;
    assert.equal(v.getUint32(eocd, true), 0x06054b50);
    assert.equal(v.getUint16(eocd + 10, true), 0xffff);
    assert.equal(v.getUint32(eocd - 20, true), 0x07064b50);
    await unzipTest(path);
    await pythonTest(path, n);
    using r = ZipReader.openSync(path);
    assert.equal(r.count, n);
    for (const i of [0, 1, 65534, 65535, 65536, 69_999]) {
      assert.equal(new TextDecoder().decode(r.read(`e${i}`)), `entry number ${i}`);
    }
  });
});

Deno.test("zip: reads python-written zip64 and hand-made zip64 extra fields", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/py64.zip`;
    const r1 = await run("python3", [
      "-c",
      "import sys, zipfile\n" +
      "with zipfile.ZipFile(sys.argv[1], 'w') as z:\n" +
      "    for i in range(66000): z.writestr('f%d' % i, b'x%d' % i)\n",
      path,
    ]);
    assert.equal(r1.code, 0, r1.stderr);
    {
      using r = ZipReader.openSync(path);
      assert.equal(r.count, 66000);
      assert.equal(new TextDecoder().decode(r.read("f65999")), "x65999");
    }

    // Central header with sizes and offset all 0xFFFFFFFF, real values in the zip64 extra.
    const name = utf8("big");
    const data = utf8("zip64 extra field payload");
    const crc = crc32(data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 45, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length + 4 + 24);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, 45, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, 0xffffffff, true);
    cv.setUint32(24, 0xffffffff, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, 28, true);
    cv.setUint32(42, 0xffffffff, true);
    central.set(name, 46);
    const x = 46 + name.length;
    cv.setUint16(x, 1, true);
    cv.setUint16(x + 2, 24, true);
    cv.setBigUint64(x + 4, BigInt(data.length), true);
    cv.setBigUint64(x + 12, BigInt(data.length), true);
    cv.setBigUint64(x + 20, 0n, true);
    const cdOffset = local.length + data.length;
    const end = new Uint8Array(22);
    const ev = new DataView(end.buffer);
    ev.setUint32(0, 0x06054b50, true);
    ev.setUint16(8, 1, true);
    ev.setUint16(10, 1, true);
    ev.setUint32(12, central.length, true);
    ev.setUint32(16, cdOffset, true);
    const bytes = new Uint8Array([...local, ...data, ...central, ...end]);
    Deno.writeFileSync(`${dir}/hand.zip`, bytes);
    await pythonTest(`${dir}/hand.zip`, 1);
    using r = ZipReader.fromBytes(bytes);
    const e = r.entry("big")!;
    assert.equal(e.compressedSize, data.length);
    assert.equal(e.uncompressedSize, data.length);
    assert.equal(e.offset, 0);
    assert.deepEqual(r.read("big"), data);
  });
});

Deno.test("zip: corrupted CRC or data throws IntegrityError naming the entry", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/c.zip`;
    const w = ZipWriter.create(path);
    w.add("first", utf8("stored content here"), { compress: false });
    w.add("second", textBytes(10_000));
    w.close();
    const f = Deno.readFileSync(path);
    // flip a byte of the stored data of "first": CRC mismatch
    const g = new Uint8Array(f);
    g[30 + "first".length + 3] ^= 0xff;
    using r = ZipReader.fromBytes(g, "c.zip");
    assert.throws(() => r.read("first"), (e: unknown) => {
      assert.ok(e instanceof IntegrityError);
      assert.match(e.message, /c\.zip.*first.*CRC/);
      return true;
    });
    assert.deepEqual(r.read("second"), textBytes(10_000));
    // damage the deflate stream of "second"
    const second = r.entry("second")!;
    const h = new Uint8Array(f);
    const start = second.offset + 30 + "second".length;
    for (let i = 0; i < 40; i++) h[start + 10 + i] ^= 0x5a;
    using r2 = ZipReader.fromBytes(h, "c.zip");
    assert.throws(() => r2.read("second"), (e: unknown) => {
      assert.ok(e instanceof IntegrityError);
      assert.match(e.message, /second/);
      return true;
    });
    // unsupported method
    const k = new Uint8Array(f);
    const kv = new DataView(k.buffer);
    const cdStart = kv.getUint32(k.length - 22 + 16, true);
    kv.setUint16(cdStart + 10, 12, true); // bzip2
    using r3 = ZipReader.fromBytes(k, "c.zip");
    assert.throws(() => r3.read("first"), /unsupported compression method 12/);
  });
});

Deno.test("zip: truncated or garbage file throws IntegrityError", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/t.zip`;
    writeSample(path);
    const f = Deno.readFileSync(path);
    for (const cut of [1, 10, 22, 100, Math.floor(f.length / 2), f.length - 30]) {
      Deno.writeFileSync(`${dir}/cut.zip`, f.subarray(0, f.length - cut));
      assert.throws(() => ZipReader.openSync(`${dir}/cut.zip`), (e: unknown) => {
        assert.ok(e instanceof IntegrityError, String(e));
        assert.match(e.message, /cut\.zip is not a valid zip archive/);
        return true;
      });
    }
    Deno.writeFileSync(`${dir}/garbage.zip`, randomBytes(5000));
    assert.throws(() => ZipReader.openSync(`${dir}/garbage.zip`), IntegrityError);
    Deno.writeFileSync(`${dir}/empty.zip`, new Uint8Array(0));
    assert.throws(() => ZipReader.openSync(`${dir}/empty.zip`), IntegrityError);
    // central directory intact but entry data cut away (file shortened in the middle)
    const entriesEnd = f.length - 22 - 400;
    const mid = new Uint8Array([...f.subarray(0, 1000), ...f.subarray(entriesEnd)]);
    assert.throws(() => ZipReader.fromBytes(mid, "mid.zip"), IntegrityError);
  });
});

Deno.test("zip: random access reads only the needed entry", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/big.zip`;
    const w = ZipWriter.create(path);
    const size = 100 * 1024;
    const chunk = randomBytes(size);
    for (let i = 0; i < 500; i++) {
      chunk[0] = i & 0xff;
      chunk[1] = i >> 8;
      w.add(`block-${i}`, chunk);
    }
    w.close();
    using r = ZipReader.openSync(path);
    const data = r.read("block-321");
    assert.equal(data.length, size);
    assert.equal(data[0] | (data[1] << 8), 321);
    assert.ok(r.bytesRead < 200_000, `read ${r.bytesRead} bytes of a 51 MB archive`);
  });
});

Deno.test("zip: an entry written in pieces reads back whole, by us and by Info-ZIP unzip", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pieces.zip`;
    const z = ZipWriter.create(path);
    z.add("first", new TextEncoder().encode("before"));
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const p = new TextEncoder().encode(`{"line":${i},"text":"${"abc".repeat(i * 50)}"}\n`);
      parts.push(p);
    }
    const big = new Uint8Array(3 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    parts.push(big);
    const deflated = z.beginEntry("streamed.json", { compress: true, level: 6 });
    for (const p of parts) deflated.write(p);
    deflated.end();
    const stored = z.beginEntry("stored.bin", { compress: false });
    stored.write(parts[3]);
    stored.write(parts[5]);
    stored.end();
    z.add("last", new TextEncoder().encode("after"));
    z.finish();

    const want = concatBytes(parts);
    const r = ZipReader.openSync(path);
    assert.deepEqual(r.read("streamed.json"), want);
    assert.deepEqual(r.entry("streamed.json")!.method, 8);
    assert.ok(r.entry("streamed.json")!.compressedSize < want.length);
    assert.deepEqual(new TextDecoder().decode(r.read("first")), "before");
    assert.deepEqual(new TextDecoder().decode(r.read("last")), "after");
    assert.deepEqual(r.read("stored.bin").length, parts[3].length + parts[5].length);
    r.close();
    const t = await new Deno.Command("unzip", { args: ["-t", path], stdout: "piped" }).output();
    assert.ok(t.success, new TextDecoder().decode(t.stdout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("zip: stream() yields an entry in pieces and checks size and CRC like read()", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s.zip`;
    const w = ZipWriter.create(path);
    const text = textBytes(3_000_000);
    const random = crypto.getRandomValues(new Uint8Array(60_000));
    w.add("text", text);
    w.add("random", random, { compress: false });
    w.add("empty", new Uint8Array(0));
    w.close();
    const all = async (r: ZipReader, name: string, chunk?: number) => {
      const parts: Uint8Array[] = [];
      for await (const p of r.stream(name, chunk)) parts.push(p);
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return { out, pieces: parts.length };
    };
    using r = ZipReader.openSync(path);
    const t = await all(r, "text", 4096);
    assert.deepEqual(t.out, text);
    assert.ok(t.pieces > 1, "more than one piece");
    assert.equal(r.entry("text")!.method, 8);
    assert.deepEqual((await all(r, "random", 1000)).out, random);
    assert.equal((await all(r, "empty")).out.length, 0);

    // A flipped stored byte: the CRC check at the end throws IntegrityError naming the entry.
    const f = Deno.readFileSync(path);
    const e = r.entry("random")!;
    f[e.offset + 30 + "random".length + 100] ^= 0xff;
    using bad = ZipReader.fromBytes(f, "s.zip");
    await assert.rejects(() => all(bad, "random"), (err: unknown) => {
      assert.ok(err instanceof IntegrityError);
      assert.match(err.message, /s\.zip.*random.*CRC/);
      return true;
    });
    // Damaged deflate data: IntegrityError too.
    const g = Deno.readFileSync(path);
    const te = r.entry("text")!;
    for (let i = 0; i < 40; i++) g[te.offset + 30 + "text".length + 10 + i] ^= 0x5a;
    using bad2 = ZipReader.fromBytes(g, "s.zip");
    await assert.rejects(() => all(bad2, "text"), IntegrityError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("zip: owned entries handed to a sink that detaches them keep the archive consistent", () => {
  const pieces: Uint8Array[] = [];
  const sink = {
    write: (b: Uint8Array) => pieces.push(b.slice()),
    // As a worker hand-over does: the buffer moves away and is empty here afterwards.
    writeOwned: (b: Uint8Array) => pieces.push(structuredClone(b, { transfer: [b.buffer] })),
    close: () => {},
    abort: () => {},
  };
  const z = ZipWriter.toSink(sink, "test");
  const big = new Uint8Array(200_000).map((_, i) => (i * 13) & 0xff);
  const small = utf8("small entry");
  z.addCompressed("a", prepareEntry(big.slice(), { compress: false }), true);
  z.addCompressed("b", prepareEntry(small.slice(), { compress: false }), true);
  z.addCompressed("c", prepareEntry(big.slice(), { compress: false }), true);
  const expected = z.size;
  z.finish();
  const all = concatBytes(pieces);
  assert.equal(all.length, expected);
  const r = ZipReader.fromBytes(all);
  assert.deepEqual(r.read("a"), big);
  assert.deepEqual(r.read("b"), small);
  assert.deepEqual(r.read("c"), big);
});

Deno.test("zip: readRawInto places the stored bytes of entries side by side in one buffer", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/a.zip`;
    const entries = writeSample(path);
    for (const r of [ZipReader.openSync(path), ZipReader.fromBytes(Deno.readFileSync(path))]) {
      try {
        const names = ["text-deflated", "random-stored", "empty", "not-compressed"];
        const total = names.reduce((n, name) => n + r.entry(name)!.compressedSize, 0);
        const buf = new Uint8Array(total + 7);
        let at = 3;
        const views = names.map((name) => {
          const v = r.readRawInto(name, buf, at);
          at += v.length;
          return v;
        });
        views.forEach((v, i) => {
          assert.equal(v.buffer, buf.buffer, "a view of the given buffer, not a copy");
          assert.deepEqual(v, r.readRaw(names[i]));
          assert.deepEqual(decodeEntry(r.entry(names[i])!, v, "a.zip"), entries.get(names[i]));
        });
        assert.throws(() => r.readRawInto("random-stored", buf, buf.length - 10), RangeError);
        assert.throws(() => r.readRawInto("nope", buf, 0), IntegrityError);
      } finally {
        r.close();
      }
    }
  });
});
