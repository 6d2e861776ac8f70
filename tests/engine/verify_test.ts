/**
 * `test` on a damaged backup: a corrupted dblock, a deleted dindex, a deleted dlist and an unknown
 * file are each reported by name; the rest of the backup still restores. The rolling sample
 * selection covers every volume over repeated runs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { backup } from "../../src/engine/backup.ts";
import { restore } from "../../src/engine/restore.ts";
import { pickByVerificationCount, testBackup } from "../../src/engine/verify.ts";
import { OptionValues } from "../../src/core/option_values.ts";
import { FilterList } from "../../src/core/filters.ts";
import { prng, put, snapshot, tempDir } from "../helpers/tree.ts";
import { DatabaseSync } from "node:sqlite";

const noFilters = FilterList.fromArgs([]);

async function makeBackup(dir: string, versions: number) {
  const src = join(dir, "src");
  const remote = join(dir, "remote");
  const url = `file://${remote}`;
  const base = new OptionValues({
    passphrase: "verify me",
    dbpath: join(dir, "db.sqlite"),
    blocksize: "8kb",
    "dblock-size": "1mb",
    "backup-test-samples": "0",
  });
  for (let v = 0; v < versions; v++) {
    put(src, `v${v}/a.bin`, prng(v + 1, 700_000));
    put(src, `v${v}/b.txt`, `version ${v}\n`.repeat(200));
    const r = await backup({ url, sources: [src], options: base, filters: noFilters });
    assert.equal(r.exitCode, 0);
    await new Promise((res) => setTimeout(res, 1050));
  }
  const names = () => [...Deno.readDirSync(remote)].map((e) => e.name).sort();
  return { src, remote, url, base, names };
}

Deno.test("test all is clean on a healthy backup and names every damaged file", async () => {
  const [dir, cleanup] = await tempDir("dup-verify-");
  try {
    const b = await makeBackup(dir, 3);
    const full = b.base.with({ "full-remote-verification": "True" });
    const clean = await testBackup({ url: b.url, options: full, samples: Infinity });
    assert.equal(clean.exitCode, 0);
    assert.equal(clean.examined, b.names().length);

    const all = b.names();
    const dblocks = all.filter((n) => n.includes(".dblock."));
    const dindexes = all.filter((n) => n.includes(".dindex."));
    const dlists = all.filter((n) => n.includes(".dlist."));
    // Corrupt one dblock without changing its size, delete a dindex and the oldest dlist, and
    // drop an unknown file of this backup in the folder.
    const corrupt = dblocks[0];
    const p = join(b.remote, corrupt);
    const bytes = Deno.readFileSync(p);
    for (let i = 400; i < 420; i++) bytes[i] ^= 0xff;
    Deno.writeFileSync(p, bytes);
    const goneIndex = dindexes[dindexes.length - 1];
    Deno.removeSync(join(b.remote, goneIndex));
    const goneList = dlists[0];
    Deno.removeSync(join(b.remote, goneList));
    const extra = "duplicati-b0123456789abcdef0123456789abcdef.dblock.zip.aes";
    Deno.writeFileSync(join(b.remote, extra), prng(7, 5000));

    const r = await testBackup({ url: b.url, options: b.base, samples: Infinity });
    assert.equal(r.exitCode, 3);
    const bad = new Map(r.verifications.filter((v) => v.findings.length).map((v) => [v.name, v]));
    assert.deepEqual([...bad.keys()].sort(), [corrupt, goneIndex, goneList, extra].sort());
    assert.equal(bad.get(goneIndex)!.findings[0].status, "Missing");
    assert.equal(bad.get(goneList)!.findings[0].status, "Missing");
    assert.equal(bad.get(extra)!.findings[0].status, "Extra");
    assert.match(bad.get(corrupt)!.findings[0].detail, /hash|damaged|corrupt/i);

    // The newest version does not need the corrupted volume unless its files live there; the
    // restore restores what it can and names the damaged volume.
    const out = join(dir, "out");
    const res = await restore({
      url: b.url,
      patterns: [],
      filters: noFilters,
      options: b.base.with({ "restore-path": out }),
    });
    const restored = snapshot(out);
    assert.ok(restored.size > 0, "files of intact volumes were restored");
    if (res.exitCode !== 0) assert.ok(res.errors.join("\n").includes(corrupt));
  } finally {
    await cleanup();
  }
});

Deno.test("a dindex overwritten by another is reported; IndexesOnly tests index files only", async () => {
  const [dir, cleanup] = await tempDir("dup-verify-deep-");
  try {
    const b = await makeBackup(dir, 2);
    // One index file overwritten with another's content (a mix-up on the storage).
    const idx = b.names().filter((n) => n.includes(".dindex."));
    Deno.copyFileSync(join(b.remote, idx[0]), join(b.remote, idx[1]));
    const r = await testBackup({
      url: b.url,
      options: b.base.with({ "full-remote-verification": "IndexesOnly" }),
      samples: Infinity,
    });
    assert.equal(r.exitCode, 3);
    const bad = r.verifications.filter((v) => v.findings.length).map((v) => v.name);
    assert.ok(bad.includes(idx[1]), JSON.stringify(r.verifications));
    // IndexesOnly looks at index files only.
    assert.ok(r.verifications.every((v) => !v.name.includes(".dblock.")));
  } finally {
    await cleanup();
  }
});

Deno.test("full verification compares file lists and blocks with the database", async () => {
  const [dir, cleanup] = await tempDir("dup-verify-db-");
  try {
    const b = await makeBackup(dir, 1);
    const full = b.base.with({ "full-remote-verification": "True" });
    assert.equal((await testBackup({ url: b.url, options: full, samples: Infinity })).exitCode, 0);
    // The database loses one path of the version and forgets one block of a dblock: the remote
    // files are intact (hashes match) but no longer agree with the database.
    const sql = new DatabaseSync(join(dir, "db.sqlite"));
    const path = sql.prepare(
      `SELECT p.Prefix || f.Path AS P, fe.FileID AS F FROM FilesetEntry fe
       JOIN FileLookup f ON f.ID = fe.FileID JOIN PathPrefix p ON p.ID = f.PrefixID
       WHERE f.BlocksetID >= 0 LIMIT 1`,
    ).get() as { P: string; F: number };
    sql.prepare("DELETE FROM FilesetEntry WHERE FileID = ?").run(path.F);
    const block = sql.prepare(
      "SELECT b.ID, v.Name FROM Block b JOIN Remotevolume v ON v.ID = b.VolumeID LIMIT 1",
    ).get() as { ID: number; Name: string };
    sql.prepare("UPDATE Block SET VolumeID = -5 WHERE ID = ?").run(block.ID);
    sql.close();
    const r = await testBackup({ url: b.url, options: full, samples: Infinity });
    assert.equal(r.exitCode, 3);
    const dlist = r.verifications.find((v) => v.name.includes(".dlist."))!;
    assert.deepEqual(dlist.findings, [{ status: "Extra", detail: path.P }]);
    const dblock = r.verifications.find((v) => v.name === block.Name)!;
    assert.equal(dblock.findings[0].status, "Extra");
  } finally {
    await cleanup();
  }
});

Deno.test("repeated samples rotate through every volume, least verified first", async () => {
  const [dir, cleanup] = await tempDir("dup-verify-rot-");
  try {
    const b = await makeBackup(dir, 3);
    const dblocks = b.names().filter((n) => n.includes(".dblock."));
    const seen = new Set<string>();
    for (let i = 0; i < dblocks.length; i++) {
      const r = await testBackup({ url: b.url, options: b.base, samples: 1 });
      assert.equal(r.exitCode, 0);
      const tested = r.verifications.map((v) => v.name);
      assert.equal(tested.filter((n) => n.includes(".dblock.")).length, 1);
      assert.equal(tested.filter((n) => n.includes(".dlist.")).length, 1);
      assert.equal(tested.filter((n) => n.includes(".dindex.")).length, 1);
      for (const n of tested) if (n.includes(".dblock.")) seen.add(n);
    }
    assert.equal(seen.size, dblocks.length, "each dblock was tested once in as many runs");
    // --version picks the file list of that version.
    const dlists = b.names().filter((n) => n.includes(".dlist.")).sort();
    const r = await testBackup({ url: b.url, options: b.base.with({ version: "2" }), samples: 1 });
    assert.deepEqual(r.verifications.filter((v) => v.name.includes(".dlist.")).map((v) => v.name), [
      dlists[0],
    ]);
  } finally {
    await cleanup();
  }
});

Deno.test("sample choice: never verified first, then the least verified", () => {
  const v = (id: number, c: number) => ({ id, VerificationCount: c });
  const list = [v(1, 3), v(2, 0), v(3, 1), v(4, 2), v(5, 0), v(6, 3)];
  const pick = (n: number) => pickByVerificationCount(list, n, 3, () => 0).map((x) => x.id);
  assert.deepEqual(pick(1), [2]);
  assert.deepEqual(pick(2).sort(), [2, 5]);
  assert.deepEqual(pick(3), [2, 5, 3]);
  assert.deepEqual(pick(4), [2, 5, 3, 4]);
  assert.deepEqual(pick(6).length, 6);
});
