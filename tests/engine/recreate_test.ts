/**
 * Recreating the local database from the remote alone (repair without a database): no dblock is
 * downloaded when every dindex is there, only the one whose index is missing otherwise, a
 * recreate killed with SIGKILL finishes when run again, and the result restores byte-exact and
 * carries on backing up.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../helpers/tree.ts";
import { runMain } from "../helpers/cli.ts";
import { assertCode, HealthFixture, snapshot } from "../helpers/health.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

async function threeVersions(f: HealthFixture) {
  const snaps = [];
  for (let r = 0; r < 3; r++) {
    if (r) await new Promise((res) => setTimeout(res, 1100));
    f.write(r);
    assertCode(await f.backup(), [0], `backup ${r}`);
    snaps.push(snapshot(f.src));
  }
  return snaps; // oldest first
}

async function removeDb(f: HealthFixture) {
  for (const s of ["", "-wal", "-shm"]) await Deno.remove(f.db + s).catch(() => {});
}

Deno.test({
  name: "repair without a database recreates it from dlist and dindex files, no dblock read",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-recreate-");
    try {
      const f = new HealthFixture(dir);
      const snaps = await threeVersions(f);
      const listBefore = (await f.run(["list-filesets"])).out;
      await removeDb(f);
      // Other commands refuse a missing database with the way out.
      const r = await f.run(["repair"]);
      assertCode(r, [0], "recreate");
      assert.match(r.out, /Recreated the local database/);
      assert.match(r.out, /Versions:\s+3/);
      assert.match(r.out, /\b0 data volumes\b/, "no dblock downloaded");
      assert.equal((await f.run(["list-filesets"])).out, listBefore);
      for (let v = 0; v < 3; v++) await f.assertRestores(v, snaps[2 - v]);
      assert.match((await f.run(["list-broken-files"])).out, /No broken files/);
      assertCode(await f.run(["test", "all"]), [0], "test all on the recreated database");
      // The recreated database carries on: an unchanged source uploads nothing new.
      const b = await f.backup();
      assertCode(b, [0, 1], "backup on the recreated database");
      assert.match(b.out, /New blocks:\s+0\b/);
      // A second repair now fixes from the database (nothing to do).
      assert.match((await f.run(["repair"])).out, /Nothing to repair/);
    } finally {
      await cleanup();
    }
  },
});

Deno.test({
  name: "recreate downloads only the dblock whose dindex is missing",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-recreate-idx-");
    try {
      const f = new HealthFixture(dir);
      const snaps = await threeVersions(f);
      const dindex = f.remoteNames().filter((n) => n.includes(".dindex."));
      await Deno.remove(join(f.remote, dindex[1]));
      await removeDb(f);
      const r = await f.run(["repair"]);
      assertCode(r, [0], "recreate with a missing dindex");
      assert.match(r.out, /\b1 data volumes\b/, r.out);
      assert.match(r.out, /Read data volume without a usable index: .*\.dblock\./);
      for (let v = 0; v < 3; v++) await f.assertRestores(v, snaps[2 - v]);
      // The next repair (from the new database) puts the missing dindex back.
      const rep = await f.run(["repair"]);
      assertCode(rep, [0], "repair after recreate");
      assert.match(rep.out, /rebuilt index files: 1/);
      assert.equal(f.remoteNames().filter((n) => n.includes(".dindex.")).length, dindex.length);
    } finally {
      await cleanup();
    }
  },
});

Deno.test({
  name: "a recreate killed with SIGKILL is finished by the next repair",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-recreate-kill-");
    try {
      const f = new HealthFixture(dir);
      const snaps = await threeVersions(f);
      await removeDb(f);
      // Killed after the 2nd and then the 5th download: dlists and dindex files.
      for (const n of [2, 5]) {
        const k = await f.run(["repair"], f.faulty(`kill-after=get:${n}`));
        assert.equal(k.code, 137, `killed at get ${n}: ${k.code}\n${k.err}`);
        // The half-made database is refused by other operations, with the way out.
        const b = await f.backup();
        assertCode(b, [100], "backup on a half-recreated database");
        assert.match(b.err, /Run "repair" to finish it/);
      }
      const r = await f.run(["repair"]);
      assertCode(r, [0], "resumed recreate");
      assert.match(r.out, /Finished recreating/);
      assert.match(r.out, /\b0 data volumes\b/);
      for (let v = 0; v < 3; v++) await f.assertRestores(v, snaps[2 - v]);
      const b = await f.backup();
      assertCode(b, [0, 1], "backup after the resumed recreate");
      assert.match(b.out, /New blocks:\s+0\b/);
    } finally {
      await cleanup();
    }
  },
});

Deno.test({
  name: "recreate: clear errors for an empty destination and a wrong passphrase",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-recreate-bad-");
    try {
      const f = new HealthFixture(dir);
      await Deno.mkdir(f.remote);
      const empty = await f.run(["repair"]);
      assertCode(empty, [100], "recreate from an empty folder");
      assert.match(empty.err, /No backup was found/);
      f.write(0);
      assertCode(await f.backup(), [0], "backup");
      await removeDb(f);
      const wrong = await runMain([
        "repair",
        f.url,
        ...f.common.filter((o) => !o.startsWith("--passphrase")),
        "--passphrase=not it",
      ]);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.err, /passphrase/i);
      assertCode(await f.run(["repair"]), [0], "recreate with the right passphrase");
    } finally {
      await cleanup();
    }
  },
});
