/**
 * duplicati-recovery-tool on real backups made by the engine, run as a user would (child
 * processes): download, index, list and restore without database or dindex files, compared byte
 * for byte; recompress with re-upload, then the normal command line restore from the result;
 * wrong passphrase, missing index and hostile paths.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { backup } from "../../src/engine/backup.ts";
import { OptionValues } from "../../src/core/option_values.ts";
import { FilterList } from "../../src/core/filters.ts";
import { encodeManifest } from "../../src/format/manifest.ts";
import { encodeFilelistEntry, encodeFileset } from "../../src/format/filelist.ts";
import { blockEntryName } from "../../src/format/dindex.ts";
import { sha256b64 } from "../../src/format/blocks.ts";
import { ZipReader, ZipWriter } from "../../src/format/zip.ts";
import { runMain } from "../helpers/cli.ts";
import { diffSnapshots, prng, put, snapshot, tempDir } from "../helpers/tree.ts";

const noFilters = FilterList.fromArgs([]);
const tool = (...a: string[]) => runMain(["recovery-tool", ...a]);

function makeTree(src: string) {
  const t = new Date("2024-05-01T08:00:00Z");
  put(src, "empty.txt", "", t);
  put(src, "one.txt", "one block\n", t);
  // blocksize 1kb: 32 hashes a blocklist, so 150 blocks need 5 blocklists.
  put(src, "multi/big.bin", prng(11, 150 * 1024 + 99), t);
  put(src, "multi/exact.bin", prng(12, 4 * 1024), t);
  put(src, "unicode/Grüße ☃.txt", "unicode ✓", t);
  put(src, "dup/a.bin", prng(13, 5000), t);
  put(src, "dup/b.bin", prng(13, 5000), t);
  Deno.mkdirSync(join(src, "empty-folder"));
  Deno.symlinkSync("one.txt", join(src, "link"));
}

async function makeBackup(dir: string) {
  const src = join(dir, "src");
  Deno.mkdirSync(src);
  makeTree(src);
  const remote = join(dir, "remote");
  const options = new OptionValues({
    passphrase: "recovery pass",
    dbpath: join(dir, "db.sqlite"),
    blocksize: "1kb",
    "dblock-size": "1mb",
  });
  const r1 = await backup({ url: `file://${remote}`, sources: [src], options, filters: noFilters });
  assert.equal(r1.errors.length, 0, r1.errors.join("\n"));
  const v1 = snapshot(src);
  // Version 2: a change, a removal and an addition.
  const big = Deno.readFileSync(join(src, "multi/big.bin"));
  big.set(prng(14, 300), 60_000);
  put(src, "multi/big.bin", big);
  Deno.removeSync(join(src, "dup/b.bin"));
  put(src, "new/added.txt", "added later");
  await new Promise((r) => setTimeout(r, 1100)); // dlist names have one-second resolution
  const r2 = await backup({ url: `file://${remote}`, sources: [src], options, filters: noFilters });
  assert.equal(r2.errors.length, 0, r2.errors.join("\n"));
  return { src, remote, v1, v2: snapshot(src) };
}

Deno.test("recovery tool: download, index, list and restore without database or dindex files", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    const { src, remote, v1, v2 } = await makeBackup(dir);
    const local = join(dir, "local");
    const url = `file://${remote}`;

    // A wrong or missing passphrase is said at once.
    const wrong = await tool("download", url, local, "--passphrase=not it");
    assert.equal(wrong.code, 100, wrong.out + wrong.err);
    assert.match(wrong.err, /the passphrase is wrong\. Check --passphrase/);
    const missing = await tool("download", url, local);
    assert.equal(missing.code, 200);
    assert.match(missing.err, /give the passphrase with --passphrase/);
    const badPrefix = await tool("download", url, local, "--passphrase=x", "--prefix=other");
    assert.equal(badPrefix.code, 100);
    assert.match(badPrefix.err, /No volumes with the prefix "other".*"duplicati".*--prefix/);

    const dl = await tool("download", url, local, "--passphrase=recovery pass");
    assert.equal(dl.code, 0, dl.out + dl.err);
    const names = [...Deno.readDirSync(local)].map((e) => e.name);
    assert.equal(names.filter((n) => n.endsWith(".dlist.zip")).length, 2);
    assert.ok(names.every((n) => !n.endsWith(".aes")), names.join(","));
    // Running it again keeps what is there.
    const again = await tool("download", url, local, "--passphrase=recovery pass");
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /Downloaded 0 files .* were already there/);

    // The restore works without any dindex file.
    for (const n of names.filter((n) => n.includes(".dindex."))) Deno.removeSync(join(local, n));

    const noIndex = await tool("restore", local, `--targetpath=${join(dir, "x")}`);
    assert.equal(noIndex.code, 100);
    assert.match(noIndex.err, /No block index at .*recovery-index\.bin\. Build it first with/);

    const idx = await tool("index", local);
    assert.equal(idx.code, 0, idx.out + idx.err);
    assert.match(idx.out, /Indexed \d+ blocks of \d+ dblock files/);

    const versions = await tool("list", local);
    assert.equal(versions.code, 0, versions.err);
    assert.match(versions.out, /^0\t: .*\n1\t: /m);
    const files = await tool("list", local, "1", "--include=*.bin");
    assert.equal(files.code, 0, files.err);
    assert.match(files.out, /dup\/b\.bin \(5000 bytes\)/);
    assert.doesNotMatch(files.out, /one\.txt/);
    const noVersion = await tool("list", local, "7");
    assert.equal(noVersion.code, 200);
    assert.match(noVersion.err, /There is no version 7: the folder has versions 0 to 1/);

    // Newest version, byte for byte (symlinks and empty folders included).
    const out0 = join(dir, "out0");
    const r0 = await tool("restore", local, `--targetpath=${out0}`);
    assert.equal(r0.code, 0, r0.out + r0.err);
    assert.deepEqual(diffSnapshots(v2, snapshot(out0)), []);
    // The older version by number, and by date.
    const out1 = join(dir, "out1");
    const r1 = await tool("restore", local, "1", `--targetpath=${out1}`);
    assert.equal(r1.code, 0, r1.out + r1.err);
    assert.deepEqual(diffSnapshots(v1, snapshot(out1)), []);
    const dlist1 = versions.out.match(/^1\t: (\S+)/m)![1];
    const outT = join(dir, "outT");
    assert.equal((await tool("restore", local, dlist1, `--targetpath=${outT}`)).code, 0);
    assert.deepEqual(diffSnapshots(v1, snapshot(outT)), []);
    // Restored file times come from the backup's metadata.
    assert.equal(
      Deno.statSync(join(out1, "one.txt")).mtime!.getTime(),
      Deno.statSync(join(src, "one.txt")).mtime!.getTime(),
    );

    // Filters: only the .txt files.
    const outF = join(dir, "outF");
    const rf = await tool("restore", local, `--targetpath=${outF}`, "--include=*.txt");
    assert.equal(rf.code, 0, rf.out + rf.err);
    const got = [...snapshot(outF).entries()].filter(([, s]) => s.type === "file").map(([p]) => p);
    assert.deepEqual(got.sort(), ["empty.txt", "new/added.txt", "one.txt", "unicode/Grüße ☃.txt"]);

    // Usage errors, and a damaged block is reported, not written.
    const noTarget = await tool("restore", local);
    assert.equal(noTarget.code, 200);
    assert.match(noTarget.err, /--targetpath=<folder>/);
    const unknown = await tool("frobnicate");
    assert.equal(unknown.code, 200);
    const help = await tool("help", "restore");
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: duplicati-recovery-tool restore <local-folder>/);

    // A damaged index is refused with advice.
    const ixPath = join(local, "recovery-index.bin");
    const ix = Deno.readFileSync(ixPath);
    ix[ix.length - 40] ^= 0xff;
    Deno.writeFileSync(ixPath, ix);
    const damaged = await tool("restore", local, `--targetpath=${join(dir, "y")}`);
    assert.equal(damaged.code, 100);
    assert.match(damaged.err, /is damaged or of another version .* Build it again/);
  } finally {
    await cleanup();
  }
});

Deno.test("recovery tool: recompress to stored entries, re-encrypt, re-upload; the command line restores it", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    const { remote, v2 } = await makeBackup(dir);
    const url = `file://${remote}`;
    const before = [...Deno.readDirSync(remote)].map((e) => e.name).sort();

    const bad = await tool("recompress", "7z", url, join(dir, "x"), "--passphrase=recovery pass");
    assert.equal(bad.code, 200);
    assert.match(bad.err, /Unknown target compression "7z": use zip .* or none/);

    const rc = await tool(
      "recompress",
      "none",
      url,
      join(dir, "rc"),
      "--passphrase=recovery pass",
      "--reupload",
      "--reencrypt",
      "--new-passphrase=a new pass",
    );
    assert.equal(rc.code, 0, rc.out + rc.err);
    assert.match(rc.out, /delete the backup's local database and recreate it/);
    // Same names (still encrypted), new contents.
    assert.deepEqual([...Deno.readDirSync(remote)].map((e) => e.name).sort(), before);

    // The normal command line restore reads the recompressed volumes with the new passphrase.
    const out = join(dir, "out");
    const r = await runMain([
      "restore",
      url,
      "--passphrase=a new pass",
      "--no-local-db",
      `--dbpath=${join(dir, "unused.sqlite")}`,
      `--restore-path=${out}`,
    ]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.deepEqual(diffSnapshots(v2, snapshot(out)), []);

    // Recompress to zip without encryption into a folder: plain zips with deflated entries that
    // the recovery tool restores from directly.
    const plain = join(dir, "plain");
    const z = await tool("recompress", "zip", url, plain, "--passphrase=a new pass");
    assert.equal(z.code, 0, z.out + z.err);
    const dblock = [...Deno.readDirSync(plain)].find((e) => e.name.endsWith(".dblock.zip"))!;
    const zip = ZipReader.openSync(join(plain, dblock.name));
    assert.ok(zip.entries().some((e) => e.method === 8));
    zip.close();
    assert.equal((await tool("index", plain)).code, 0);
    const out2 = join(dir, "out2");
    const r2 = await tool("restore", plain, `--targetpath=${out2}`);
    assert.equal(r2.code, 0, r2.out + r2.err);
    assert.deepEqual(diffSnapshots(v2, snapshot(out2)), []);

    // The stored copy in rc/ has stored entries only (after decrypting it with the new pass).
    const stored = join(dir, "stored");
    assert.equal(
      (await tool("download", url, stored, "--passphrase=a new pass")).code,
      0,
    );
    const sb = [...Deno.readDirSync(stored)].find((e) => e.name.endsWith(".dblock.zip"))!;
    const sz = ZipReader.openSync(join(stored, sb.name));
    assert.ok(sz.entries().every((e) => e.method === 0));
    sz.close();
  } finally {
    await cleanup();
  }
});

Deno.test("recovery tool: a dlist path with .. or a symlinked target folder is never followed out", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    const local = join(dir, "local");
    Deno.mkdirSync(local);
    const data = new TextEncoder().encode("escaped?");
    const hash = sha256b64(data);
    const manifest = encodeManifest({ blocksize: 1024, created: new Date(), appVersion: "test" });
    const dblock = ZipWriter.create(join(local, `duplicati-b${"1".repeat(32)}.dblock.zip`));
    dblock.add("manifest", manifest);
    dblock.add(blockEntryName(hash), data);
    dblock.close();
    const dlist = (time: string, paths: string[]) => {
      const w = ZipWriter.create(join(local, `duplicati-${time}.dlist.zip`));
      w.add("manifest", manifest);
      w.add("fileset", encodeFileset(true));
      const entries = paths.map((path) =>
        encodeFilelistEntry({
          type: "File",
          path,
          hash,
          size: data.length,
          time: "20240101T000000Z",
        })
      );
      w.add("filelist.json", new TextEncoder().encode(`[${entries.join(",")}]`));
      w.close();
    };
    dlist("20240101T000000Z", ["/data/../../escape.txt"]);
    dlist("20240102T000000Z", ["/data/other.txt", "/data/inner/file.txt"]);
    assert.equal((await tool("index", local)).code, 0);

    const target = join(dir, "target");
    const hostile = await tool("restore", local, "1", `--targetpath=${target}`);
    assert.equal(hostile.code, 100);
    assert.match(hostile.err, /Refusing to restore "\/data\/\.\.\/\.\.\/escape\.txt"/);
    assert.throws(() => Deno.statSync(join(dir, "escape.txt")));

    // A symlink already in the target folder is not written through.
    const outside = join(dir, "outside");
    Deno.mkdirSync(outside);
    Deno.mkdirSync(target, { recursive: true });
    Deno.symlinkSync(outside, join(target, "inner"));
    const linked = await tool("restore", local, "0", `--targetpath=${target}`);
    assert.equal(linked.code, 100, linked.out + linked.err);
    assert.match(linked.err, /it is a symbolic link/);
    assert.deepEqual([...Deno.readDirSync(outside)], []);
  } finally {
    await cleanup();
  }
});
