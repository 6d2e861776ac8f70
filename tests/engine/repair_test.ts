/**
 * repair with a database (lost dindex, lost dlist, damaged dblock, leftovers), list-broken-files,
 * purge-broken-files and --rebuild-missing-dblock-files, all through the real CLI on a real
 * backup in a local folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../helpers/tree.ts";
import { assertCode, HealthFixture, snapshot } from "../helpers/health.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

/** Two versions; returns their snapshots (index 0 = version 1 = older). */
async function twoVersions(f: HealthFixture) {
  f.write(0);
  assertCode(await f.backup(), [0], "first backup");
  const s0 = snapshot(f.src);
  await new Promise((r) => setTimeout(r, 1100));
  f.write(1);
  assertCode(await f.backup(), [0], "second backup");
  return [s0, snapshot(f.src)];
}

/** The dblock holding a file of round `r` (found with `affected` on each dblock). */
async function dblockOfRound(f: HealthFixture, r: number): Promise<string> {
  for (const n of f.remoteNames().filter((n) => n.includes(".dblock."))) {
    const a = await f.run(["affected", n]);
    assertCode(a, [0], "affected");
    if (a.out.includes(`/r${r}/`)) return n;
  }
  throw new Error(`no dblock holds files of round ${r}`);
}

Deno.test({
  name: "repair rebuilds a deleted dindex and a deleted dlist from the database",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-repair-");
    try {
      const f = new HealthFixture(dir);
      const [s0, s1] = await twoVersions(f);
      const names = f.remoteNames();
      const dindex = names.filter((n) => n.includes(".dindex."));
      const dlists = names.filter((n) => n.includes(".dlist."));
      await Deno.remove(join(f.remote, dindex[0]));
      await Deno.remove(join(f.remote, dlists[0]));
      // Leftover of an interrupted upload the database never heard of.
      await Deno.writeFile(
        join(f.remote, "duplicati-b0123456789abcdef0123456789abcdef.dblock.zip.aes"),
        new Uint8Array(100),
      );

      // A backup refuses, naming the missing files and the command that fixes them.
      const refused = await f.backup();
      assertCode(refused, [100], "backup with missing files");
      assert.match(refused.err, new RegExp(dindex[0].replaceAll(".", "\\.")));
      assert.match(refused.err, /repair/);

      const dry = await f.run(["repair", "--dry-run"]);
      assertCode(dry, [0], "repair --dry-run");
      assert.equal(f.remoteNames().length, names.length - 1, "dry run changed nothing");

      const r = await f.run(["repair"]);
      assertCode(r, [0], "repair");
      assert.match(r.out, /rebuilt index files: 1/);
      assert.match(r.out, /rebuilt file lists: 1/);
      assert.match(r.out, /removed remote files: 1/);
      const after = f.remoteNames();
      assert.ok(after.includes(dlists[0]), "the dlist is back under its name");
      assert.equal(after.filter((n) => n.includes(".dindex.")).length, dindex.length);
      assert.ok(!after.some((n) => n.startsWith("duplicati-b0123456789abcdef")));

      const again = await f.run(["repair"]);
      assert.match(again.out, /Nothing to repair/);
      assertCode(await f.run(["test", "all"]), [0], "test all after the repair");

      // Both versions restore, with the database and from the remote files alone.
      await f.assertRestores(0, s1);
      await f.assertRestores(1, s0);
      await f.assertRestores(1, s0, ["--no-local-db"]);
      const lb = await f.run(["list-broken-files"]);
      assert.match(lb.out, /No broken files/);
    } finally {
      await cleanup();
    }
  },
});

Deno.test({
  name: "a damaged dblock: list-broken-files names its files, purge-broken-files removes them",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-broken-");
    try {
      const f = new HealthFixture(dir);
      const [s0, s1] = await twoVersions(f);
      const victim = await dblockOfRound(f, 1);
      const aff = await f.run(["affected", victim, "--full-result"]);
      const affectedFiles = [...aff.out.matchAll(/\t(\/\S+) \(/g)].map((m) => m[1]);
      assert.ok(affectedFiles.length > 0, aff.out);
      assert.ok(affectedFiles.some((p) => p.includes("/r1/")), aff.out);
      assert.ok(!affectedFiles.some((p) => p.includes("/r0/")), aff.out);

      // Same size, other bytes: only a content check sees it.
      const p = join(f.remote, victim);
      const bytes = await Deno.readFile(p);
      bytes.fill(0x5a, 2000, 4000);
      await Deno.writeFile(p, bytes);
      let lb = await f.run(["list-broken-files", "--full-result"]);
      assert.match(lb.out, /No broken files/, "a same-size change is invisible to the listing");
      lb = await f.run(["list-broken-files", "--full-result", "--full-remote-verification=True"]);
      assert.match(lb.out, new RegExp(`Broken remote file: ${victim.replaceAll(".", "\\.")}`));
      // Now truncated: the listing shows it.
      await Deno.writeFile(p, bytes.subarray(0, 5000));
      lb = await f.run(["list-broken-files", "--full-result"]);
      assertCode(lb, [0], "list-broken-files");
      const broken = [...lb.out.matchAll(/\t(\/\S+) \(/g)].map((m) => m[1]);
      assert.deepEqual([...new Set(broken)].sort(), [...new Set(affectedFiles)].sort());
      assert.match(lb.out, /Broken remote file: .*dblock.*5000 bytes/);

      // repair cannot bring the data back without the option; it says so and exits 3.
      const rep = await f.run(["repair"]);
      assertCode(rep, [3], "repair with a damaged dblock");
      assert.match(rep.out, /Could not fix/);
      assert.match(rep.out, /list-broken-files/);
      lb = await f.run(["list-broken-files", "--full-result"]);
      const stillBroken = [...lb.out.matchAll(/\t(\/\S+) \(/g)].map((m) => m[1]);
      assert.deepEqual([...new Set(stillBroken)].sort(), [...new Set(affectedFiles)].sort());

      // The other files still restore: version 1 does not use the damaged volume at all.
      await f.assertRestores(1, s0);

      const dry = await f.run(["purge-broken-files", "--dry-run"]);
      assert.match(dry.out, /Would remove/);
      const pb = await f.run(["purge-broken-files"]);
      assertCode(pb, [0], "purge-broken-files");
      lb = await f.run(["list-broken-files"]);
      assert.match(lb.out, /No broken files/);
      const expected = new Map([...s1].filter(([k]) => !affectedFiles.some((a) => a.endsWith(k))));
      await f.assertRestores(0, expected);
      // The rewritten dlists are what a restore without the database reads.
      await f.assertRestores(0, expected, ["--no-local-db"]);
    } finally {
      await cleanup();
    }
  },
});

Deno.test({
  name: "repair --rebuild-missing-dblock-files rebuilds a lost dblock from the unchanged source",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-rebuild-");
    try {
      const f = new HealthFixture(dir);
      const [s0, s1] = await twoVersions(f);
      const victim = await dblockOfRound(f, 1);
      await Deno.remove(join(f.remote, victim));
      const r = await f.run(["repair", "--rebuild-missing-dblock-files"]);
      assertCode(r, [0], "repair --rebuild-missing-dblock-files");
      assert.match(r.out, /rebuilt data volumes: 1/);
      assert.ok(!f.remoteNames().includes(victim));
      assert.match((await f.run(["list-broken-files"])).out, /No broken files/);
      await f.assertRestores(0, s1);
      await f.assertRestores(1, s0);
      await f.assertRestores(0, s1, ["--no-local-db"]);
      assertCode(await f.backup(), [0, 1], "backup after the rebuild");
    } finally {
      await cleanup();
    }
  },
});

Deno.test({
  name: "a lost dblock: repair marks its data lost and the next backup stores it again",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-heal-");
    try {
      const f = new HealthFixture(dir);
      const [s0, s1] = await twoVersions(f);
      const victim = await dblockOfRound(f, 0);
      await Deno.remove(join(f.remote, victim));
      assertCode(await f.run(["repair"]), [3], "repair of a lost dblock");
      const lb = await f.run(["list-broken-files", "--full-result"]);
      assert.match(lb.out, /cannot be restored/);
      const paths = (out: string) => [...out.matchAll(/\t(\/\S+) \(/g)].map((m) => m[1]);
      assert.ok(paths(lb.out).some((p) => p.includes("/r0/")), lb.out);
      // The source still has round 0: the next backup uploads those blocks again. Only what the
      // source no longer has (round 0's keep/ files, rewritten in round 1, or a folder's old
      // metadata) may stay broken, and only in the oldest version.
      assertCode(await f.backup(), [0, 1], "backup after repair");
      const after = await f.run(["list-broken-files", "--full-result"]);
      const broken = paths(after.out);
      assert.ok(!broken.some((p) => p.includes("/r0/")), after.out);
      assert.ok(broken.every((p) => p.includes("/keep/") || p.endsWith("/")), after.out);
      const versions = (await f.run(["list-filesets"])).out.split("\n").filter((l) =>
        /^\d+\t/.test(l)
      ).length;
      if (broken.length) {
        assert.match(after.out, new RegExp(`^${versions - 1}\t`, "m"), "only the oldest version");
        assert.doesNotMatch(after.out, new RegExp(`^${versions - 2}\t`, "m"));
      }
      await f.assertRestores(0, s1);
      await f.assertRestores(versions - 2, s1);
      assertCode(await f.run(["purge-broken-files"]), [0], "purge-broken-files");
      await f.assertRestores(
        versions - 1,
        new Map([...s0].filter(([k]) => !broken.some((b) => b.endsWith(k)))),
      );
    } finally {
      await cleanup();
    }
  },
});
