/**
 * Bad input gets a clear message naming the file or option, the right exit code, and nothing is
 * written that later operations would trust: wrong passphrase, truncated, tampered and missing
 * volumes, an unreadable source file, invalid option values, hostile paths in a dlist.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { prng, put, snapshot, tempDir } from "../helpers/tree.ts";
import { ZipReader, ZipWriter } from "../../src/format/zip.ts";

async function setup(encrypted = true) {
  const [dir, cleanup] = await tempDir("dup-bad-");
  const src = join(dir, "src");
  for (let i = 0; i < 6; i++) put(src, `f${i}.bin`, prng(i + 1, 700_000));
  put(src, "small.txt", "small file\n");
  const dest = join(dir, "dest");
  const common = [
    `--dbpath=${join(dir, "db.sqlite")}`,
    "--dblock-size=1mb",
    "--blocksize=64kb",
    encrypted ? "--passphrase=right" : "--no-encryption",
  ];
  const r = await runMain(["backup", `file://${dest}`, src, ...common]);
  assert.equal(r.code, 0, r.err);
  const files = () => [...Deno.readDirSync(dest)].map((e) => e.name).sort();
  return { dir, src, dest, url: `file://${dest}`, common, cleanup, files };
}

function leftovers(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes("restore-tmp"));
  } catch {
    return [];
  }
}

Deno.test("wrong passphrase: clear message, exit 100, nothing written or uploaded", async () => {
  const s = await setup();
  try {
    const before = s.files();
    const common = s.common.map((o) => o.startsWith("--passphrase") ? "--passphrase=wrong" : o);
    const b = await runMain(["backup", s.url, s.src, ...common]);
    assert.equal(b.code, 100);
    assert.match(b.err, /passphrase/i);
    assert.deepEqual(s.files(), before, "nothing uploaded");
    for (const noDb of [false, true]) {
      const out = join(s.dir, `out-${noDb}`);
      const r = await runMain([
        "restore",
        s.url,
        `--restore-path=${out}`,
        ...common,
        ...(noDb ? ["--no-local-db"] : []),
      ]);
      assert.equal(r.code, 100, r.err);
      assert.match(r.err, /passphrase/i);
      assert.deepEqual(leftovers(out), []);
    }
  } finally {
    await s.cleanup();
  }
});

Deno.test("truncated, tampered and missing volumes are named; the other files still restore", async () => {
  for (const damage of ["truncate", "tamper", "delete"] as const) {
    for (const noDb of [false, true]) {
      const s = await setup();
      try {
        const dblock = s.files().find((n) => n.includes(".dblock."))!;
        const p = join(s.dest, dblock);
        const bytes = Deno.readFileSync(p);
        if (damage === "truncate") Deno.writeFileSync(p, bytes.subarray(0, bytes.length - 1000));
        else if (damage === "tamper") {
          bytes[bytes.length >> 1] ^= 0xff;
          Deno.writeFileSync(p, bytes);
        } else Deno.removeSync(p);
        const out = join(s.dir, "out");
        const r = await runMain([
          "restore",
          s.url,
          `--restore-path=${out}`,
          ...s.common,
          ...(noDb ? ["--no-local-db"] : []),
        ]);
        const label = `${damage} noDb=${noDb}`;
        // The restore goes on past the bad volume: errors (exit 3), and the volume is named.
        assert.equal(r.code, 3, `${label}: exit ${r.code}\n${r.err}`);
        assert.ok(r.err.includes(dblock), `${label}: ${r.err}`);
        assert.match(r.err, /Failed to restore/, label);
        assert.deepEqual(leftovers(out), [], label);
        // Whatever was restored is correct; damaged files are absent rather than wrong.
        const want = snapshot(s.src);
        let restored = 0;
        try {
          for (const [k, v] of snapshot(out)) {
            assert.deepEqual(v, want.get(k), `${label}: ${k} restored with wrong content`);
            restored++;
          }
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
        // Files in the other volumes come back.
        assert.ok(restored > 0, `${label}: nothing restored`);
        if (!noDb && damage === "delete") {
          const b = await runMain(["backup", s.url, s.src, ...s.common]);
          assert.equal(b.code, 100);
          assert.match(
            b.err,
            new RegExp(`missing[\\s\\S]*${dblock.replaceAll(".", "\\.")}[\\s\\S]*repair`),
          );
        }
      } finally {
        await s.cleanup();
      }
    }
  }
});

Deno.test("an unreadable source file is a warning naming it; the rest is backed up", async () => {
  const [dir, cleanup] = await tempDir("dup-unreadable-");
  try {
    Deno.chmodSync(dir, 0o777);
    const src = join(dir, "src");
    put(src, "ok.txt", "readable");
    put(src, "secret.txt", "not readable");
    Deno.chmodSync(join(src, "secret.txt"), 0o000);
    for (const p of [src, join(src, "ok.txt")]) Deno.chmodSync(p, 0o777);
    // root reads everything; run as "nobody" so the permission really applies.
    const asRoot = Deno.uid() === 0;
    const home = join(dir, "home");
    Deno.mkdirSync(home, { mode: 0o777 });
    Deno.chmodSync(home, 0o777);
    const prefix = asRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
    const r = await runMain(
      ["backup", join(dir, "dest"), src, "--no-encryption", `--dbpath=${join(home, "db.sqlite")}`],
      { prefix, env: { DENO_DIR: join(home, "deno"), HOME: home } },
    );
    Deno.chmodSync(join(src, "secret.txt"), 0o644);
    assert.equal(r.code, 2, `${r.out}\n${r.err}`);
    assert.match(r.err, /secret\.txt/);
    assert.match(r.out, /Added files:\s+1/);
  } finally {
    await cleanup();
  }
});

Deno.test("invalid option values and commands give exit code 200 naming the problem", async () => {
  let r = await runMain(["backup", "/tmp/x", "/tmp/y", "--blocksize=abc", "--no-encryption"]);
  assert.equal(r.code, 200);
  assert.match(r.err, /--blocksize/);
  r = await runMain([
    "backup",
    "/tmp/x",
    "/tmp/y",
    "--symlink-policy=sometimes",
    "--no-encryption",
  ]);
  assert.equal(r.code, 200);
  assert.match(r.err, /--symlink-policy/);
  r = await runMain(["frobnicate", "/tmp/x"]);
  assert.equal(r.code, 200);
  r = await runMain(["backup", "/tmp/only-url", "--no-encryption"]);
  assert.equal(r.code, 200);
  r = await runMain(["backup", "/tmp/x", "/tmp/y"]);
  assert.equal(r.code, 200, "no passphrase and no --no-encryption");
  assert.match(r.err, /passphrase/);
});

Deno.test("hostile paths in a dlist are refused and nothing is written outside the target", async () => {
  const s = await setup(false);
  try {
    const dlist = s.files().find((n) => n.includes(".dlist."))!;
    const z = ZipReader.openSync(join(s.dest, dlist));
    const entries = z.entries().map((e) => [e.name, z.read(e)] as const);
    z.close();
    const evil = join(s.dir, "evil-outside.txt");
    for (const hostile of [`${s.src}/../evil-outside.txt`, "relative/path.txt"]) {
      const tmp = join(s.dir, "new.zip");
      const w = ZipWriter.create(tmp);
      for (const [name, data] of entries) {
        if (name !== "filelist.json") w.add(name, data);
        else {
          const text = new TextDecoder().decode(data).replace(`${s.src}/small.txt`, hostile);
          w.add(
            name,
            new Uint8Array([
              0xef,
              0xbb,
              0xbf,
              ...new TextEncoder().encode(text.replace(/^\uFEFF/, "")),
            ]),
          );
        }
      }
      w.finish();
      Deno.renameSync(tmp, join(s.dest, dlist));
      const out = join(s.dir, "out");
      const r = await runMain([
        "restore",
        s.url,
        `--restore-path=${out}`,
        ...s.common,
        "--no-local-db",
      ]);
      assert.equal(r.code, 100, r.err);
      assert.match(r.err, /Refusing to restore/);
      assert.throws(() => Deno.statSync(evil));
    }
  } finally {
    await s.cleanup();
  }
});

Deno.test("a symlink inside the restore folder is never written through", async () => {
  const [dir, cleanup] = await tempDir("dup-symlink-");
  try {
    const src = join(dir, "src");
    put(src, "sub/file.txt", "content");
    put(src, "other.txt", "x");
    const opts = ["--no-encryption", `--dbpath=${join(dir, "db.sqlite")}`];
    assert.equal((await runMain(["backup", join(dir, "dest"), src, ...opts])).code, 0);
    const out = join(dir, "out");
    const outside = join(dir, "outside");
    Deno.mkdirSync(out);
    Deno.mkdirSync(outside);
    Deno.symlinkSync(outside, join(out, "sub"));
    const r = await runMain(["restore", join(dir, "dest"), `--restore-path=${out}`, ...opts]);
    assert.equal(r.code, 100);
    assert.match(r.err, /symbolic link/);
    assert.deepEqual([...Deno.readDirSync(outside)], []);
  } finally {
    await cleanup();
  }
});
