/**
 * Crash safety: a backup killed with SIGKILL at several moments (before any upload, when the first
 * dblock lands, in the middle of a volume upload, right after the dlist lands) leaves the remote and
 * the database so that the next backup succeeds without repair, no version is lost, and every
 * version restores byte-exact, with and without the local database. What an interrupted run had
 * uploaded is kept as a partial version.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { diffSnapshots, prng, put, snapshot, tempDir } from "../helpers/tree.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

function cli(args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  });
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await cli(args).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

type Trigger = (names: string[], dbExists: boolean) => boolean;

/** Starts a backup and kills it with SIGKILL as soon as `trigger` says so. */
async function backupAndKill(args: string[], remote: string, db: string, trigger: Trigger) {
  const child = cli(args).spawn();
  let killed = false;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    let names: string[] = [];
    try {
      names = [...Deno.readDirSync(remote)].map((e) => e.name);
    } catch { /* not created yet */ }
    let dbExists = false;
    try {
      Deno.statSync(db);
      dbExists = true;
    } catch { /* not yet */ }
    if (trigger(names, dbExists)) {
      try {
        child.kill("SIGKILL");
        killed = true;
      } catch { /* already exited */ }
      break;
    }
    const done = await Promise.race([
      child.status.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 2)),
    ]);
    if (done) break;
  }
  const st = await child.status;
  await child.stdout.cancel().catch(() => {});
  await child.stderr.cancel().catch(() => {});
  return { killed, code: st.code };
}

Deno.test({
  name: "a backup killed with SIGKILL at several points is recovered by the next backup",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-kill-");
    try {
      const src = join(dir, "src");
      const remote = join(dir, "remote");
      const db = join(dir, "db.sqlite");
      const common = [
        `--passphrase=kill test`,
        `--dbpath=${db}`,
        "--blocksize=16kb",
        "--dblock-size=1mb",
        "--console-log-level=Error",
      ];
      const url = `file://${remote}`;
      const snaps: Map<string, unknown>[] = [];
      const write = (round: number) => {
        for (let i = 0; i < 12; i++) {
          put(src, `r${round}/f${i}.bin`, prng(round * 100 + i, 300_000));
        }
        put(src, `common/changing.txt`, `round ${round}\n`.repeat(1000));
      };
      write(0);
      let r = await run(["backup", url, src, ...common]);
      assert.equal(r.code, 0, r.err);
      snaps.push(snapshot(src));
      // What each version must restore to, oldest first: exactly a snapshot, or (a partial
      // version) each file from one of two.
      type Snap = Map<string, unknown>;
      const checks: ({ exact: Snap } | { between: [Snap, Snap] })[] = [{ exact: snaps[0] }];

      const dlists = (names: string[]) => names.filter((n) => n.includes(".dlist.")).length;
      const triggers: [string, Trigger][] = [
        ["before any upload", (_n, dbExists) => dbExists],
        [
          "when the first new dblock lands",
          (n) => n.filter((x) => x.includes(".dblock.")).length > 1,
        ],
        // A local folder gets its volumes renamed into place; a throttled upload is copied in
        // pieces under a temporary name instead, which is what this point interrupts.
        ["in the middle of an upload", (n) => n.some((x) => x.endsWith(".partial-upload"))],
        ["right after the dlist lands", (n) => dlists(n) > snaps.length],
      ];
      for (let t = 0; t < triggers.length; t++) {
        const [label, trig] = triggers[t];
        await new Promise((res) => setTimeout(res, 1100));
        write(t + 1);
        const before = dlists([...Deno.readDirSync(remote)].map((e) => e.name));
        let trigger = trig;
        if (label === "right after the dlist lands") trigger = (n) => dlists(n) > before;
        const extra = label === "in the middle of an upload" ? ["--throttle-upload=20mb"] : [];
        const k = await backupAndKill(
          ["backup", url, src, ...common, ...extra],
          remote,
          db,
          trigger,
        );
        assert.ok(k.killed, `the backup was not killed ${label}: it ended with ${k.code}`);
        // The next backup must succeed without any repair.
        r = await run(["backup", url, src, ...common]);
        assert.ok(
          [0, 1].includes(r.code),
          `${label} (killed=${k.killed}): exit ${r.code}\n${r.err}`,
        );
        const now = snapshot(src);
        const added = dlists([...Deno.readDirSync(remote)].map((e) => e.name)) - before;
        assert.ok(added === 1 || added === 2, `${label}: ${added} versions added`);
        if (added === 2) checks.push({ between: [snaps[snaps.length - 1], now] });
        checks.push({ exact: now });
        snaps.push(now);
      }

      // Every version restores byte-exact, with and without the local database. An interrupted
      // run that had uploaded data was sealed as a partial version: each of its files is the one
      // of the version before or after it.
      const list = await run(["list-filesets", url, ...common]);
      assert.equal(list.code, 0, list.err);
      const partial = list.out.split("\n").filter((l) => /^\d+\t/.test(l)).map((l) =>
        l.includes("(partial)")
      ).reverse(); // oldest first
      assert.equal(partial.length, checks.length, list.out);
      for (const noDb of [false, true]) {
        for (let v = 0; v < partial.length; v++) {
          const out = join(dir, `out-${v}-${noDb}`);
          const res = await run([
            "restore",
            url,
            `--restore-path=${out}`,
            `--version=${partial.length - 1 - v}`,
            ...common,
            ...(noDb ? ["--no-local-db"] : []),
          ]);
          assert.equal(res.code, 0, `restore v${v} noDb=${noDb}: ${res.err}`);
          const got = snapshot(out);
          const c = checks[v];
          if ("exact" in c) {
            assert.deepEqual(
              diffSnapshots(c.exact as never, got),
              [],
              `version ${v} (noDb=${noDb})`,
            );
            continue;
          }
          assert.ok(partial[v], `version ${v} is partial`);
          const [older, newer] = c.between;
          for (const [k, e] of got) {
            const same = (m: Snap) => m.has(k) && JSON.stringify(m.get(k)) === JSON.stringify(e);
            assert.ok(same(older) || same(newer), `partial version ${v}: ${k} is from neither`);
          }
        }
      }
      // No leftovers the database does not know about.
      const left = [...Deno.readDirSync(remote)].map((e) => e.name).filter((n) =>
        n.startsWith("duplicati-")
      );
      const dblocks = left.filter((n) => n.includes(".dblock.")).length;
      const dindex = left.filter((n) => n.includes(".dindex.")).length;
      assert.equal(dblocks, dindex, "one dindex per dblock");
      assert.equal(dlists(left), partial.length, "one dlist per version");
    } finally {
      await cleanup();
    }
  },
});
