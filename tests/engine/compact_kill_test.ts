/**
 * Crash safety of delete and compact: killed with SIGKILL when the first repacked volume lands,
 * after the first old volume is deleted, and in the middle of a delete (with its compact), the
 * next compact or backup recovers without repair, every kept version restores byte-exact (with
 * and without the local database), and `test all` with full verification is clean.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { type KillTrigger, runAndKill } from "../helpers/kill.ts";
import { diffSnapshots, prng, put, snapshot, tempDir } from "../helpers/tree.ts";

function copyDir(from: string, to: string) {
  Deno.mkdirSync(to, { recursive: true });
  for (const e of Deno.readDirSync(from)) {
    if (e.isFile) Deno.copyFileSync(join(from, e.name), join(to, e.name));
  }
}

const isDblock = (n: string) => n.includes(".dblock.") && !n.endsWith(".partial-upload");

Deno.test({
  name: "delete and compact killed with SIGKILL lose nothing; the next run finishes the job",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-compact-kill-");
    try {
      const src = join(dir, "src");
      const base = join(dir, "base");
      const opts = (d: string) => [
        "--passphrase=kill compact",
        `--dbpath=${join(d, "db.sqlite")}`,
        "--blocksize=16kb",
        "--dblock-size=2mb",
        "--console-log-level=Error",
        "--backup-test-samples=0",
        "--no-auto-compact",
      ];
      const snaps: Map<string, unknown>[] = [];
      for (let v = 0; v < 6; v++) {
        for (let i = 0; i < 5; i++) put(src, `changing/c${i}.bin`, prng(v * 10 + i, 400_000));
        put(src, `kept/k${v}.bin`, prng(900 + v, 700_000));
        const r = await runMain(["backup", `file://${join(base, "remote")}`, src, ...opts(base)]);
        assert.equal(r.code, 0, r.err);
        snaps.push(snapshot(src));
        await new Promise((res) => setTimeout(res, 1050));
      }
      // Versions 0..5 (0 newest) are snapshots 5..0; keeping versions 0, 2, 4 after deleting 1, 3, 5.
      const kept = [snaps[5], snaps[3], snaps[1]];
      const prepared = join(dir, "prepared");
      copyDir(join(base, "remote"), join(prepared, "remote"));
      Deno.copyFileSync(join(base, "db.sqlite"), join(prepared, "db.sqlite"));
      let r = await runMain([
        "delete",
        `file://${join(prepared, "remote")}`,
        "--version=1,3,5",
        ...opts(prepared),
      ]);
      assert.equal(r.code, 0, r.err);

      const scenarios: {
        label: string;
        from: string;
        command: string[];
        trigger: (initial: string[]) => KillTrigger;
        next: "compact" | "backup";
      }[] = [
        {
          label: "compact, when the first repacked volume lands",
          from: prepared,
          command: ["compact"],
          trigger: (initial) => (n) => n.some((x) => isDblock(x) && !initial.includes(x)),
          next: "compact",
        },
        {
          label: "compact, after the first old volume is deleted",
          from: prepared,
          command: ["compact"],
          trigger: (initial) => (n) =>
            initial.some((x) => isDblock(x) && !n.includes(x)) && n.length > 0,
          next: "backup",
        },
        {
          label: "delete (with its compact), after the first dlist is deleted",
          from: base,
          command: ["delete", "--version=1,3,5", "--no-auto-compact=false"],
          trigger: (initial) => (n) =>
            initial.filter((x) => x.includes(".dlist.")).some((x) => !n.includes(x)) &&
            n.length > 0,
          next: "backup",
        },
      ];
      for (const [s, sc] of scenarios.entries()) {
        const d = join(dir, `case${s}`);
        copyDir(join(sc.from, "remote"), join(d, "remote"));
        Deno.copyFileSync(join(sc.from, "db.sqlite"), join(d, "db.sqlite"));
        const remote = join(d, "remote");
        const url = `file://${remote}`;
        const initial = [...Deno.readDirSync(remote)].map((e) => e.name);
        const extra = sc.command[0] === "compact" ? ["--threshold=10"] : [];
        const k = await runAndKill(
          [sc.command[0], url, ...sc.command.slice(1), ...opts(d), ...extra],
          remote,
          sc.trigger(initial),
        );
        assert.ok(k.killed, `${sc.label}: not killed, ended with ${k.code}`);

        // The next run recovers on its own.
        r = sc.next === "compact"
          ? await runMain(["compact", url, ...opts(d), "--threshold=10"])
          : await runMain(["backup", url, src, ...opts(d), "--no-auto-compact=false"]);
        assert.ok([0, 1].includes(r.code), `${sc.label}: next ${sc.next}: ${r.code}\n${r.err}`);
        // Deleted versions stay deleted; the kept ones are all there.
        const t = await runMain([
          "test",
          url,
          "all",
          ...opts(d),
          "--full-remote-verification=True",
        ]);
        assert.equal(t.code, 0, `${sc.label}: test all\n${t.out}\n${t.err}`);
        const names = [...Deno.readDirSync(remote)].map((e) => e.name);
        assert.equal(
          names.filter((n) => n.endsWith(".partial-upload")).length,
          0,
          `${sc.label}: no partial uploads left`,
        );
        assert.equal(
          names.filter(isDblock).length,
          names.filter((n) => n.includes(".dindex.")).length,
          `${sc.label}: one dindex per dblock`,
        );
        // Nothing changed in the source, so a backup adds no version.
        const offset = 0;
        assert.equal(names.filter((n) => n.includes(".dlist.")).length, kept.length);
        for (const noDb of [false, true]) {
          for (let v = 0; v < kept.length; v++) {
            const out = join(d, `out-${v}-${noDb}`);
            const res = await runMain([
              "restore",
              url,
              `--restore-path=${out}`,
              `--version=${v + offset}`,
              ...opts(d),
              ...(noDb ? ["--no-local-db"] : []),
            ]);
            assert.equal(res.code, 0, `${sc.label}: restore v${v} noDb=${noDb}: ${res.err}`);
            assert.deepEqual(
              diffSnapshots(kept[v] as never, snapshot(out)),
              [],
              `${sc.label}: version ${v} (noDb=${noDb})`,
            );
          }
        }
      }
    } finally {
      await cleanup();
    }
  },
});
