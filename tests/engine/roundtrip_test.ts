/**
 * Backup -> change -> backup -> restore of every version, with and without the local database,
 * on a tree with empty files, 1-block files, multi-block files with several blocklists,
 * symlinks, unicode names, permissions and mtimes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { backup } from "../../src/engine/backup.ts";
import { restore } from "../../src/engine/restore.ts";
import { OptionValues } from "../../src/core/option_values.ts";
import { FilterList } from "../../src/core/filters.ts";
import { diffSnapshots, prng, put, snapshot, tempDir } from "../helpers/tree.ts";

const noFilters = FilterList.fromArgs([]);

function makeTree(src: string) {
  const t = new Date("2024-03-01T10:20:30Z");
  put(src, "empty.txt", "", t);
  put(src, "one-block.txt", "hello\n", t);
  // blocksize 1kb -> 32 hashes per blocklist; 150 blocks -> 5 blocklists.
  put(src, "multi/big.bin", prng(1, 150 * 1024 + 77), t);
  put(src, "multi/exact.bin", prng(2, 4 * 1024), t);
  put(src, "unicode/Grüße – 日本語 ☃.txt", "unicode content ✓", t);
  put(src, "unicode/space name.md", "# title\n", t);
  put(src, "dup/a.bin", prng(3, 5000), t);
  put(src, "dup/b.bin", prng(3, 5000), t);
  Deno.mkdirSync(join(src, "empty-folder"));
  Deno.symlinkSync("one-block.txt", join(src, "link-to-file"));
  Deno.symlinkSync("multi", join(src, "link-to-dir"));
  Deno.symlinkSync("/nonexistent/target", join(src, "dangling"));
  Deno.chmodSync(join(src, "multi/exact.bin"), 0o600);
  Deno.chmodSync(join(src, "unicode/space name.md"), 0o755);
}

function changeTree(src: string) {
  const t = new Date("2024-03-02T11:00:00Z");
  put(src, "one-block.txt", "hello again\n", t);
  const big = Deno.readFileSync(join(src, "multi/big.bin"));
  big.set(prng(9, 100), 70_000);
  put(src, "multi/big.bin", big, t);
  Deno.removeSync(join(src, "dup/b.bin"));
  put(src, "new/added.txt", "added in version 2", t);
  Deno.chmodSync(join(src, "multi/exact.bin"), 0o644);
}

Deno.test("backup, change, backup, then restore every version with and without the database", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    const src = join(dir, "src");
    Deno.mkdirSync(src);
    makeTree(src);
    const url = `file://${join(dir, "remote")}`;
    const base = new OptionValues({
      passphrase: "correct horse",
      dbpath: join(dir, "db.sqlite"),
      blocksize: "1kb",
      "dblock-size": "1mb",
    });
    const snaps = [];
    const times = [];
    const r1 = await backup({ url, sources: [src], options: base, filters: noFilters });
    assert.equal(r1.exitCode, 0);
    assert.ok(r1.version);
    snaps.push(snapshot(src, { mtimes: true, modes: true }));
    times.push(snapshot(src, { mtimes: true }));
    await new Promise((r) => setTimeout(r, 1100)); // versions are named by the second

    const unchanged = await backup({ url, sources: [src], options: base, filters: noFilters });
    assert.equal(unchanged.exitCode, 1, "nothing changed -> exit 1");
    assert.equal(unchanged.version, undefined, "no new version when nothing changed");
    assert.equal(unchanged.openedFiles, 0, "unchanged files are not read");

    changeTree(src);
    const r2 = await backup({ url, sources: [src], options: base, filters: noFilters });
    assert.equal(r2.exitCode, 0);
    assert.equal(r2.deletedFiles, 1);
    assert.equal(r2.addedFiles, 1);
    assert.ok(r2.modifiedFiles >= 2, `modified ${r2.modifiedFiles}`);
    snaps.push(snapshot(src, { mtimes: true, modes: true }));
    times.push(snapshot(src, { mtimes: true }));

    // Newest is version 0.
    const expected = [snaps[1], snaps[0]];
    for (const noDb of [false, true]) {
      for (const v of [0, 1]) {
        const out = join(dir, `out-${v}-${noDb}`);
        const opts = base.with({
          "restore-path": out,
          version: String(v),
          "restore-permissions": "true",
          ...(noDb ? { "no-local-db": "true" } : {}),
        });
        const r = await restore({ url, patterns: [], options: opts, filters: noFilters });
        assert.equal(r.exitCode, 0, JSON.stringify(r.errors));
        assert.equal(r.usedLocalDatabase, !noDb);
        const diffs = diffSnapshots(expected[v], snapshot(out, { mtimes: true, modes: true }));
        assert.deepEqual(diffs, [], `version ${v} noDb=${noDb}`);
        // Without permissions, the files' times are set as they are written.
        const outT = join(dir, `out-times-${v}-${noDb}`);
        const rT = await restore({
          url,
          patterns: [],
          options: base.with({
            "restore-path": outT,
            version: String(v),
            ...(noDb ? { "no-local-db": "true" } : {}),
          }),
          filters: noFilters,
        });
        assert.equal(rT.exitCode, 0, JSON.stringify(rT.errors));
        const diffsT = diffSnapshots([times[1], times[0]][v], snapshot(outT, { mtimes: true }));
        assert.deepEqual(diffsT, [], `times: version ${v} noDb=${noDb}`);
      }
    }
  } finally {
    await cleanup();
  }
});

Deno.test("restore a single file by pattern, and a second restore keeps existing files", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    const src = join(dir, "src");
    makeTree(src);
    const url = join(dir, "remote");
    const opts = new OptionValues({ "no-encryption": "true", dbpath: join(dir, "db.sqlite") });
    await backup({ url, sources: [src], options: opts, filters: noFilters });
    const out = join(dir, "out");
    const r = await restore({
      url,
      patterns: ["big.bin"],
      options: opts.with({ "restore-path": out }),
      filters: noFilters,
    });
    assert.equal(r.restoredFiles, 1);
    const files = [...Deno.readDirSync(out)].map((e) => e.name);
    assert.deepEqual(files, ["big.bin"]);
    // Change the restored file; restoring again without --overwrite keeps it and adds a copy.
    Deno.writeTextFileSync(join(out, "big.bin"), "local edit");
    await restore({
      url,
      patterns: ["big.bin"],
      options: opts.with({ "restore-path": out }),
      filters: noFilters,
    });
    const after = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.equal(after.length, 2);
    assert.equal(Deno.readTextFileSync(join(out, "big.bin")), "local edit");
    // With --overwrite the file is replaced.
    await restore({
      url,
      patterns: ["big.bin"],
      options: opts.with({ "restore-path": out, overwrite: "true" }),
      filters: noFilters,
    });
    assert.deepEqual(
      Deno.readFileSync(join(out, "big.bin")),
      Deno.readFileSync(join(src, "multi/big.bin")),
    );
  } finally {
    await cleanup();
  }
});

Deno.test("restore without a database scans dblocks only when their index file is missing", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    const src = join(dir, "src");
    makeTree(src);
    const remote = join(dir, "remote");
    const opts = new OptionValues({
      passphrase: "p",
      dbpath: join(dir, "db.sqlite"),
      blocksize: "1kb",
      "dblock-size": "1mb",
    });
    await backup({ url: remote, sources: [src], options: opts, filters: noFilters });
    const names = [...Deno.readDirSync(remote)].map((e) => e.name);
    const dindex = names.filter((n) => n.includes(".dindex."));
    const dblocks = names.filter((n) => n.includes(".dblock."));
    assert.ok(dindex.length >= 1);
    // With every index present, only the dlist and the indexes are read before the data.
    const out1 = join(dir, "out1");
    const r1 = await restore({
      url: remote,
      patterns: [],
      options: opts.with({ "restore-path": out1, "no-local-db": "true" }),
      filters: noFilters,
    });
    assert.equal(r1.exitCode, 0);
    assert.equal(r1.volumesDownloaded, 1 + dindex.length + dblocks.length);
    // Without one index, its dblock is scanned, and everything still restores.
    Deno.removeSync(join(remote, dindex[0]));
    const out2 = join(dir, "out2");
    const r2 = await restore({
      url: remote,
      patterns: [],
      options: opts.with({ "restore-path": out2, "no-local-db": "true" }),
      filters: noFilters,
    });
    assert.equal(r2.exitCode, 0, JSON.stringify(r2.errors));
    assert.equal(r2.volumesDownloaded, 1 + (dindex.length - 1) + 1 + dblocks.length);
    assert.deepEqual(diffSnapshots(snapshot(src), snapshot(out2)), []);
  } finally {
    await cleanup();
  }
});

Deno.test("many small files and duplicates across several volumes restore byte-exact", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    const src = join(dir, "src");
    for (let i = 0; i < 400; i++) put(src, `a/f${i}.bin`, prng(i + 10, 1000 + i * 37));
    for (let i = 0; i < 400; i += 3) put(src, `b/copy${i}.bin`, prng(i + 10, 1000 + i * 37));
    for (let i = 0; i < 10; i++) put(src, `e/empty${i}`, "");
    const remote = join(dir, "remote");
    const opts = new OptionValues({
      passphrase: "p",
      dbpath: join(dir, "db.sqlite"),
      "dblock-size": "1mb",
    });
    const r = await backup({ url: remote, sources: [src], options: opts, filters: noFilters });
    assert.equal(r.exitCode, 0);
    const again = await backup({ url: remote, sources: [src], options: opts, filters: noFilters });
    assert.equal(again.exitCode, 1, "a second run finds nothing changed");
    for (const noDb of [false, true]) {
      const out = join(dir, `out-${noDb}`);
      const rr = await restore({
        url: remote,
        patterns: [],
        options: opts.with({ "restore-path": out, ...(noDb ? { "no-local-db": "true" } : {}) }),
        filters: noFilters,
      });
      assert.equal(rr.exitCode, 0, JSON.stringify(rr.errors.slice(0, 3)));
      assert.deepEqual(diffSnapshots(snapshot(src), snapshot(out)), []);
    }
  } finally {
    await cleanup();
  }
});

Deno.test("--time picks the newest version at or before the time; --skip-metadata leaves times alone", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    const src = join(dir, "src");
    const old = new Date("2020-05-05T05:05:05Z");
    put(src, "f.txt", "first", old);
    const remote = join(dir, "remote");
    const opts = new OptionValues({ "no-encryption": "true", dbpath: join(dir, "db.sqlite") });
    const r1 = await backup({ url: remote, sources: [src], options: opts, filters: noFilters });
    await new Promise((r) => setTimeout(r, 2100));
    put(src, "f.txt", "second", old);
    const r2 = await backup({ url: remote, sources: [src], options: opts, filters: noFilters });
    assert.ok(r1.version && r2.version);
    const between = new Date((r1.version.time.getTime() + r2.version.time.getTime()) / 2);
    const out = join(dir, "out");
    const r = await restore({
      url: remote,
      patterns: [],
      options: opts.with({ "restore-path": out, time: between.toISOString() }),
      filters: noFilters,
    });
    assert.equal(r.version.index, 1);
    assert.equal(Deno.readTextFileSync(join(out, "f.txt")), "first");
    assert.equal(Deno.statSync(join(out, "f.txt")).mtime!.getTime(), old.getTime());
    const out2 = join(dir, "out2");
    await restore({
      url: remote,
      patterns: [],
      options: opts.with({ "restore-path": out2, "skip-metadata": "true" }),
      filters: noFilters,
    });
    assert.equal(Deno.readTextFileSync(join(out2, "f.txt")), "second");
    assert.notEqual(Deno.statSync(join(out2, "f.txt")).mtime!.getTime(), old.getTime());
  } finally {
    await cleanup();
  }
});
