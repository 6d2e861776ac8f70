/**
 * Interrupted backups and repairs, with faults injected by the test-only `faulty://` backend
 * (a failed or truncated upload, SIGKILL right before or after the Nth upload): the next plain
 * backup (or repair) brings everything back, what the interrupted run uploaded is kept as a
 * partial version, and every version restores byte-exact.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type EntryState, tempDir } from "../helpers/tree.ts";
import { assertCode, HealthFixture, snapshot } from "../helpers/health.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

/** Version list, oldest first: true where the version is partial. */
async function partialFlags(f: HealthFixture): Promise<boolean[]> {
  const out = (await f.run(["list-filesets"])).out;
  return out.split("\n").filter((l) => /^\d+\t/.test(l)).map((l) => l.includes("(partial)"))
    .reverse();
}

/** What a version must restore to: exactly a snapshot, or each file from one of two. */
type Check = { exact: Map<string, EntryState> } | {
  between: [Map<string, EntryState>, Map<string, EntryState>];
};

/** Checks every version (oldest first) against `checks`; returns the partial flags. */
async function assertVersions(f: HealthFixture, checks: Check[], extra: string[] = []) {
  const partial = await partialFlags(f);
  assert.equal(partial.length, checks.length, "number of versions");
  for (let v = 0; v < checks.length; v++) {
    const version = checks.length - 1 - v;
    const c = checks[v];
    if ("exact" in c) {
      await f.assertRestores(version, c.exact, extra);
      continue;
    }
    assert.ok(partial[v], `version ${version} is partial`);
    const got = await f.restore(version, extra);
    assert.ok(got.size > 0, "a partial version holds files");
    for (const [k, e] of got) {
      const from = (m: Map<string, EntryState>) =>
        m.has(k) && JSON.stringify(m.get(k)) === JSON.stringify(e);
      assert.ok(from(c.between[0]) || from(c.between[1]), `partial version ${version}: ${k}`);
    }
  }
  return partial;
}

function assertOneIndexPerDblock(f: HealthFixture) {
  const names = f.remoteNames();
  assert.equal(
    names.filter((n) => n.includes(".dblock.")).length,
    names.filter((n) => n.includes(".dindex.")).length,
    "one dindex per dblock",
  );
}

Deno.test({
  name: "backups interrupted by injected faults and SIGKILL are recovered by the next backup",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-interrupted-");
    try {
      const f = new HealthFixture(dir);
      f.write(0);
      assertCode(await f.backup(), [0], "first backup");
      let prev = snapshot(f.src);
      const checks: Check[] = [{ exact: prev }];
      const faults: [string, number[]][] = [
        ["kill-after=put:1", [137]], // a dblock landed, its dindex did not
        ["kill-after=put:2", [137]], // a dblock and its dindex landed
        ["kill-before=put:4", [137]],
        ["truncate=put:3", [100]], // a cut-short upload, no retries left
        ["fail=put:2", [100]],
        ["kill-after=put:5", [137]],
      ];
      let round = 0;
      for (const [rule, codes] of faults) {
        round++;
        await new Promise((r) => setTimeout(r, 1100));
        f.write(round);
        const before = checks.length;
        const k = await f.backup(f.faulty(rule));
        assertCode(k, codes, `backup with ${rule}`);
        // The next plain backup succeeds; it has nothing to add (exit 1) when the sealed partial
        // version already holds everything.
        const next = await f.backup();
        assertCode(next, [0, 1, 2], `backup after ${rule}`);
        const now = snapshot(f.src);
        const added = (await partialFlags(f)).length - before;
        assert.ok(added === 1 || added === 2, `${rule}: ${added} versions added`);
        if (added === 2) checks.push({ between: [prev, now] });
        checks.push({ exact: now });
        prev = now;
      }
      const partial = await assertVersions(f, checks);
      assert.ok(partial.some((p) => p), "interrupted runs were kept as partial versions");
      assertOneIndexPerDblock(f);
      const rep = await f.run(["repair"]);
      assert.match(rep.out, /Nothing to repair/, "nothing left dangling");
      assertCode(await f.run(["test", "all"]), [0], "test all after the interruptions");
      // And without the local database, from the remote files alone.
      await f.assertRestores(0, prev, ["--no-local-db"]);
    } finally {
      await cleanup();
    }
  },
});

Deno.test({
  name: "a repair killed with SIGKILL is finished by a plain repair",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-repair-kill-");
    try {
      const f = new HealthFixture(dir);
      const snaps = [];
      for (let r = 0; r < 2; r++) {
        if (r) await new Promise((res) => setTimeout(res, 1100));
        f.write(r);
        assertCode(await f.backup(), [0], `backup ${r}`);
        snaps.push(snapshot(f.src));
      }
      const names = f.remoteNames();
      for (const n of names.filter((n) => n.includes(".dindex.")).slice(0, 3)) {
        await Deno.remove(join(f.remote, n));
      }
      await Deno.remove(join(f.remote, names.find((n) => n.includes(".dlist."))!));
      for (const rule of ["kill-after=put:1", "kill-before=put:2"]) {
        const k = await f.run(["repair"], f.faulty(rule));
        assert.equal(k.code, 137, `repair with ${rule}: ${k.code}\n${k.err}`);
      }
      const r = await f.run(["repair"]);
      assertCode(r, [0], "plain repair");
      assertOneIndexPerDblock(f);
      assertCode(await f.run(["test", "all"]), [0], "test all after the repair");
      assert.equal(f.remoteNames().filter((n) => n.includes(".dlist.")).length, 2);
      await assertVersions(f, snaps.map((exact) => ({ exact })));
      await f.assertRestores(1, snaps[0], ["--no-local-db"]);
      assertCode(await f.backup(), [0, 1], "backup after the repair");
    } finally {
      await cleanup();
    }
  },
});

Deno.test({
  name: "faulty listing and downloads give clear errors and change nothing",
  ...opts,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-faulty-io-");
    try {
      const f = new HealthFixture(dir);
      f.write(0);
      assertCode(await f.backup(), [0], "backup");
      const s0 = snapshot(f.src);
      const before = f.remoteNames();
      const l = await f.backup(f.faulty("fail=list:1"));
      assertCode(l, [100], "backup with a failing listing");
      assert.match(l.err, /Injected test fault: list #1/);
      const g = await f.run(
        ["restore", `--restore-path=${join(dir, "out")}`],
        f.faulty("fail=get:1"),
      );
      assert.notEqual(g.code, 0);
      assert.match(g.err + g.out, /Injected test fault: get #1/);
      assert.deepEqual(f.remoteNames(), before);
      await f.assertRestores(0, s0);
    } finally {
      await cleanup();
    }
  },
});
