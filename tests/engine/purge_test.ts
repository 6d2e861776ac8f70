/**
 * purge: files named by path or --include filter disappear from the chosen versions (their dlists
 * rewritten, so a database recreated from the remote agrees), --dry-run changes nothing, and the
 * other files still restore byte-exact. Also `affected`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type EntryState, tempDir } from "../helpers/tree.ts";
import { assertCode, HealthFixture, snapshot } from "../helpers/health.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

function without(s: Map<string, EntryState>, drop: (k: string) => boolean) {
  return new Map([...s].filter(([k]) => !drop(k)));
}

Deno.test({
  name: "purge removes files from versions by path, by filter, per version, and survives recreate",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-purge-");
    try {
      const f = new HealthFixture(dir);
      f.write(0);
      assertCode(await f.backup(), [0], "backup 0");
      const s0 = snapshot(f.src);
      await new Promise((r) => setTimeout(r, 1100));
      f.write(1);
      assertCode(await f.backup(), [0], "backup 1");
      const s1 = snapshot(f.src);
      const remoteBefore = f.remoteNames().map((n) => [n, Deno.statSync(join(f.remote, n)).size]);

      // Bad input.
      const none = await f.run(["purge"]);
      assertCode(none, [200], "purge without paths");
      assert.match(none.err, /Nothing to purge/);
      const both = await f.run(["purge", `${f.src}/x`, "--include=*.bin"]);
      assertCode(both, [200], "purge with paths and filters");

      // Dry run: names the files, changes nothing.
      const dry = await f.run(["purge", `${f.src}/r0/f1.bin`, "--dry-run"]);
      assertCode(dry, [0], "purge --dry-run");
      assert.match(dry.out, /Would remove 1 entries from version 0/);
      assert.match(dry.out, /Would remove 1 entries from version 1/);
      assert.deepEqual(
        f.remoteNames().map((n) => [n, Deno.statSync(join(f.remote, n)).size]),
        remoteBefore,
      );

      // One path from every version.
      const p = await f.run(["purge", `${f.src}/r0/f1.bin`]);
      assertCode(p, [0], "purge a path");
      const noF1 = (k: string) => k === "r0/f1.bin";
      // Only version 1 (the older), by filter: every .bin of round 0.
      const q = await f.run(["purge", "--version=1", "--include=*/r0/f2.bin"]);
      assertCode(q, [0], "purge by filter in one version");
      assert.match(q.out, /Removed 1 entries from version 1/);
      assert.doesNotMatch(q.out, /version 0/);
      // A folder path (trailing separator): it and everything below it, newest version only.
      const r = await f.run(["purge", "--version=0", `${f.src}/r1/`]);
      assertCode(r, [0], "purge a folder");
      assert.match(r.out, /Removed 11 entries from version 0/);

      const v0 = without(s1, (k) => noF1(k) || k === "r1" || k.startsWith("r1/"));
      const v1 = without(s0, (k) => noF1(k) || k === "r0/f2.bin");
      await f.assertRestores(0, v0);
      await f.assertRestores(1, v1);
      const found = await f.run(["find", "*f1.bin", "--all-versions"]);
      assert.doesNotMatch(found.out, /r0\/f1\.bin/);

      // The remote dlists were rewritten: a database recreated from them agrees.
      for (const s of ["", "-wal", "-shm"]) await Deno.remove(f.db + s).catch(() => {});
      assertCode(await f.run(["repair"]), [0], "recreate");
      await f.assertRestores(0, v0);
      await f.assertRestores(1, v1);
      assert.match((await f.run(["repair"])).out, /Nothing to repair/);
    } finally {
      await cleanup();
    }
  },
});

Deno.test({
  name: "affected names the versions and files that depend on remote files",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-affected-");
    try {
      const f = new HealthFixture(dir);
      f.write(0);
      assertCode(await f.backup(), [0], "backup");
      const names = f.remoteNames();
      const dlist = names.find((n) => n.includes(".dlist."))!;
      const dindex = names.find((n) => n.includes(".dindex."))!;
      const dblocks = names.filter((n) => n.includes(".dblock."));
      const a = await f.run(["affected", dlist, dindex, "nonsense.zip"]);
      assertCode(a, [0], "affected");
      assert.match(a.out, new RegExp(`${dlist.replaceAll(".", "\\.")} is version 0`));
      assert.match(a.out, /is the index of duplicati-b/);
      assert.match(a.out, /Not a file of this backup: nonsense\.zip/);
      // Every file of the version depends on some dblock; together they cover all of them.
      const seen = new Set<string>();
      for (const d of dblocks) {
        const o = (await f.run(["affected", d, "--full-result"])).out;
        for (const m of o.matchAll(/\t(\/\S+) \(/g)) seen.add(m[1]);
      }
      const files = [...snapshot(f.src).entries()].filter(([, e]) => e.type === "file");
      for (const [k] of files) assert.ok(seen.has(join(f.src, k)), `${k} depends on a dblock`);
      const none = await f.run(["affected"]);
      assertCode(none, [200], "affected without files");
    } finally {
      await cleanup();
    }
  },
});
