/**
 * Delete half the versions of a real backup, compact, then every kept version restores
 * byte-exact (with and without the local database) and a full `test all` is clean. Compact
 * downloads only volumes with waste and leaves the others alone.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { backup } from "../../src/engine/backup.ts";
import { restore } from "../../src/engine/restore.ts";
import { deleteVersions } from "../../src/engine/delete.ts";
import { compact, planCompact } from "../../src/engine/compact.ts";
import { testBackup } from "../../src/engine/verify.ts";
import { OptionValues } from "../../src/core/option_values.ts";
import { FilterList } from "../../src/core/filters.ts";
import { diffSnapshots, prng, put, snapshot, tempDir } from "../helpers/tree.ts";

const noFilters = FilterList.fromArgs([]);

function remoteNames(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith("duplicati-"))
    .sort();
}

Deno.test("delete half the versions, compact, every kept version restores and test all is clean", async () => {
  const [dir, cleanup] = await tempDir("dup-compact-");
  try {
    const src = join(dir, "src");
    const remote = join(dir, "remote");
    const url = `file://${remote}`;
    const base = new OptionValues({
      passphrase: "compact me",
      dbpath: join(dir, "db.sqlite"),
      blocksize: "8kb",
      "dblock-size": "1mb",
      "no-auto-compact": "true",
      "backup-test-samples": "0",
    });
    // A stable part (never changes), a part rewritten in every version, and a part added.
    for (let i = 0; i < 6; i++) put(src, `stable/s${i}.bin`, prng(1000 + i, 150_000));
    put(src, "stable/text.txt", "the same text\n".repeat(3000));
    const snaps: Map<string, unknown>[] = [];
    for (let v = 0; v < 6; v++) {
      for (let i = 0; i < 4; i++) put(src, `changing/c${i}.bin`, prng(v * 10 + i, 200_000));
      // Data that stays: it shares its volumes with the changing files, so deleting a version
      // leaves volumes partly wasted, which compact must repack.
      put(src, `kept/k${v}.bin`, prng(500 + v, 300_000));
      put(src, "changing/note.txt", `version ${v}\n`.repeat(500 + v));
      if (v === 3) Deno.removeSync(join(src, "stable/s5.bin"));
      const r = await backup({ url, sources: [src], options: base, filters: noFilters });
      assert.equal(r.exitCode, 0, r.errors.join("\n"));
      snaps.push(snapshot(src));
      await new Promise((res) => setTimeout(res, 1050));
    }
    const before = remoteNames(remote);

    // Delete versions 1, 3 and 5 (of 0..5, 0 = newest): snapshots 4, 2 and 0.
    const del = await deleteVersions({
      url,
      options: base.with({ version: "1,3,5" }),
    });
    assert.equal(del.deleted.length, 3);
    assert.ok(!del.compact?.compacted, "--no-auto-compact: no compact after delete");
    const kept = [snaps[5], snaps[3], snaps[1]];
    const afterDelete = remoteNames(remote);
    assert.equal(afterDelete.length, before.length - 3, "only the three dlists went");

    // Dry run first: reports, changes nothing.
    const dry = await compact({ url, options: base.with({ "dry-run": "true" }) });
    assert.ok(dry.downloadedFiles > 0 || dry.deletedFiles > 0, dry.reason);
    assert.deepEqual(remoteNames(remote), afterDelete);

    const totalSize = (names: string[]) =>
      names.reduce((a, n) => a + Deno.statSync(join(remote, n)).size, 0);
    const sizeBefore = totalSize(afterDelete);
    const c = await compact({ url, options: base });
    assert.ok(c.compacted, c.reason);
    assert.match(c.reason, /Compacting because/);
    assert.ok(c.uploadedFiles > 0, "repacked volumes were uploaded");
    assert.ok(c.deletedFiles > 0, "old volumes were deleted");
    const after = remoteNames(remote);
    assert.ok(totalSize(after) < sizeBefore, "compact reclaimed space");
    // Volumes with nothing wasted were not downloaded: the stable data's first volume survives.
    const untouched = afterDelete.filter((n) => after.includes(n) && n.includes(".dblock."));
    assert.ok(untouched.length > 0, "some dblocks were left alone");
    assert.ok(c.downloadedFiles < afterDelete.filter((n) => n.includes(".dblock.")).length);
    const dblocks = after.filter((n) => n.includes(".dblock.")).length;
    assert.equal(after.filter((n) => n.includes(".dindex.")).length, dblocks, "one dindex each");

    // A second compact has nothing to do.
    const again = await compact({ url, options: base });
    assert.equal(again.compacted, false, again.reason);

    const t = await testBackup({
      url,
      options: base.with({ "full-remote-verification": "True", "full-block-verification": "true" }),
      samples: Infinity,
    });
    assert.deepEqual(t.verifications.filter((v) => v.findings.length), []);
    assert.equal(t.examined, after.length);
    assert.equal(t.exitCode, 0);

    for (const noDb of [false, true]) {
      for (let v = 0; v < kept.length; v++) {
        const out = join(dir, `out-${v}-${noDb}`);
        const r = await restore({
          url,
          patterns: [],
          filters: noFilters,
          options: base.with({
            "restore-path": out,
            version: String(v),
            ...(noDb ? { "no-local-db": "true" } : {}),
          }),
        });
        assert.equal(r.exitCode, 0, `restore v${v} noDb=${noDb}`);
        assert.deepEqual(diffSnapshots(kept[v] as never, snapshot(out)), [], `v${v} noDb=${noDb}`);
      }
    }
  } finally {
    await cleanup();
  }
});

Deno.test("compact plan follows Duplicati's rules", () => {
  const mb = 1024 * 1024;
  const vol = (id: number, data: number, wasted: number, size: number) => ({
    id,
    name: `v${id}`,
    dataSize: data,
    wastedSize: wasted,
    compressedSize: size,
    hash: null,
  });
  const limits = {
    volumeSize: 50 * mb,
    threshold: 25,
    smallFileSize: 10 * mb,
    smallFileMaxCount: 20,
  };
  // Fully wasted volume: deletable, reclaim.
  let p = planCompact([vol(1, 40 * mb, 40 * mb, 40 * mb), vol(2, 40 * mb, 0, 40 * mb)], limits);
  assert.deepEqual(p.deletable.map((v) => v.id), [1]);
  assert.ok(p.shouldReclaim);
  assert.ok(!p.shouldCompact);
  // One wasteful volume is not enough; two are, when the total waste reaches the threshold.
  p = planCompact([vol(1, 40 * mb, 30 * mb, 40 * mb), vol(2, 40 * mb, 0, 40 * mb)], limits);
  assert.ok(!p.shouldCompact);
  p = planCompact([
    vol(1, 40 * mb, 30 * mb, 40 * mb),
    vol(2, 40 * mb, 20 * mb, 40 * mb),
    vol(3, 40 * mb, 0, 40 * mb),
  ], limits);
  assert.ok(p.shouldCompact, p.reason);
  assert.deepEqual(p.compactable.map((v) => v.id), [1, 2]);
  // Small volumes: more than the maximum count, or more than one volume's worth.
  const smalls = Array.from({ length: 21 }, (_, i) => vol(i + 1, mb, 0, mb));
  p = planCompact(smalls, limits);
  assert.ok(p.shouldCompact);
  assert.equal(p.compactable.length, 21);
  p = planCompact(smalls.slice(0, 20), limits);
  assert.ok(!p.shouldCompact, "20 small volumes of 1 MB are fine");
  p = planCompact(smalls.slice(0, 20), { ...limits, volumeSize: 15 * mb });
  assert.ok(p.shouldCompact, "20 MB of small volumes exceed a 15 MB volume size");
});

Deno.test("backup with --keep-versions deletes and compacts by itself; --auto-compact-interval spaces compacts", async () => {
  const [dir, cleanup] = await tempDir("dup-autocompact-");
  try {
    const src = join(dir, "src");
    const url = `file://${join(dir, "remote")}`;
    const options = new OptionValues({
      passphrase: "auto",
      dbpath: join(dir, "db.sqlite"),
      blocksize: "8kb",
      "dblock-size": "1mb",
      "keep-versions": "1",
      "auto-compact-interval": "1D",
      "backup-test-samples": "0",
    });
    const run = async (v: number) => {
      // Each version's data in its own folder, the previous one gone: nothing is shared, so the
      // deleted version's volume is wholly unused.
      if (v > 0) Deno.removeSync(join(src, `d${v - 1}`), { recursive: true });
      put(src, `d${v}/dump.bin`, prng(v + 40, 600_000));
      const r = await backup({ url, sources: [src], options, filters: noFilters });
      assert.equal(r.exitCode, 0, r.errors.join("\n"));
      await new Promise((res) => setTimeout(res, 1050));
      return r;
    };
    await run(0);
    const second = await run(1);
    assert.equal(second.maintenance?.delete?.deleted.length, 1, "the older version was deleted");
    assert.ok(second.maintenance?.compact?.compacted, "and its volume compacted away");
    const third = await run(2);
    assert.equal(third.maintenance?.delete?.deleted.length, 1);
    assert.equal(third.maintenance?.compact?.compacted, false, "within the interval: no compact");
    // Without the interval the waste goes at once.
    const c = await compact({ url, options: options.with({ "auto-compact-interval": undefined }) });
    assert.ok(c.compacted, c.reason);
    const names = [...Deno.readDirSync(join(dir, "remote"))].map((e) => e.name);
    assert.equal(names.filter((n) => n.includes(".dlist.")).length, 1);
    assert.equal(names.filter((n) => n.includes(".dblock.")).length, 1, names.join(", "));
  } finally {
    await cleanup();
  }
});
