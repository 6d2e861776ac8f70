/**
 * delete, compact and test from the command line: retention after backup, dry runs, exit codes,
 * the remote check before every operation (missing and unknown files named, --auto-cleanup,
 * --no-backend-verification) and the verification file.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { prng, put, tempDir } from "../helpers/tree.ts";

Deno.test({
  name: "CLI: retention after backup, delete/compact/test, remote check and verification file",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const [dir, cleanup] = await tempDir("dup-health-cli-");
    try {
      const src = join(dir, "src");
      const remote = join(dir, "remote");
      const url = `file://${remote}`;
      const common = [
        "--passphrase=cli health",
        `--dbpath=${join(dir, "db.sqlite")}`,
        "--blocksize=8kb",
        "--dblock-size=1mb",
      ];
      const names = () => [...Deno.readDirSync(remote)].map((e) => e.name).sort();
      const dlists = () => names().filter((n) => n.includes(".dlist."));

      for (let v = 0; v < 3; v++) {
        put(src, `f${v}.bin`, prng(v + 3, 400_000));
        put(src, "changing.bin", prng(100 + v, 300_000));
        const r = await runMain(["backup", url, src, ...common, "--keep-versions=2"]);
        assert.equal(r.code, 0, r.err);
        await new Promise((res) => setTimeout(res, 1050));
      }
      assert.equal(dlists().length, 2, "--keep-versions=2 deleted the oldest version after backup");

      let r = await runMain(["delete", url, ...common]);
      assert.equal(r.code, 200);
      assert.match(r.err, /--keep-versions/);

      r = await runMain(["delete", url, ...common, "--version=1", "--dry-run"]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /Would delete 1 version/);
      assert.equal(dlists().length, 2);

      r = await runMain(["test", url, "all", ...common, "--full-remote-verification=True"]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`Examined ${names().length} files and found no errors`));
      r = await runMain(["verify", url, "two", ...common]);
      assert.equal(r.code, 200);

      // A missing index file: operations stop, naming it and the fix; test names it (exit 3).
      const index = names().find((n) => n.includes(".dindex."))!;
      const saved = Deno.readFileSync(join(remote, index));
      Deno.removeSync(join(remote, index));
      r = await runMain(["backup", url, src, ...common]);
      assert.equal(r.code, 100);
      assert.ok(r.err.includes(index), r.err);
      assert.match(r.err, /repair/);
      r = await runMain(["test", url, ...common]);
      assert.equal(r.code, 3);
      assert.ok(r.out.includes(`${index}: 1 errors`), r.out);
      assert.match(r.out, /Missing/);
      Deno.writeFileSync(join(remote, index), saved);

      // An unknown file of this backup: refused, removed with --auto-cleanup.
      const unknown = "duplicati-i00112233445566778899aabbccddeeff.dindex.zip.aes";
      Deno.writeFileSync(join(remote, unknown), prng(9, 1234));
      r = await runMain(["compact", url, ...common]);
      assert.equal(r.code, 100);
      assert.ok(r.err.includes(unknown), r.err);
      assert.match(r.err, /--auto-cleanup/);
      r = await runMain(["compact", url, ...common, "--no-backend-verification"]);
      assert.equal(r.code, 0, r.err);
      assert.ok(names().includes(unknown), "--no-backend-verification leaves it alone");
      r = await runMain(["compact", url, ...common, "--auto-cleanup"]);
      assert.equal(r.code, 0, r.err);
      assert.ok(!names().includes(unknown));

      // Delete a version for real, with the verification file.
      r = await runMain(["delete", url, ...common, "--version=1", "--upload-verification-file"]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /Deleted 1 version/);
      assert.equal(dlists().length, 1);
      const vf = Deno.readFileSync(join(remote, "duplicati-verification.json"));
      assert.deepEqual([...vf.subarray(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 BOM");
      const list = JSON.parse(new TextDecoder().decode(vf.subarray(3))) as {
        Name: string;
        Hash: string;
        Size: number;
        Type: number;
        State: number;
      }[];
      const listed = list.map((e) => e.Name).sort();
      assert.deepEqual(
        listed,
        names().filter((n) => n.startsWith("duplicati-") && n !== "duplicati-verification.json"),
      );
      for (const e of list) {
        const data = Deno.readFileSync(join(remote, e.Name));
        assert.equal(e.Size, data.length, e.Name);
        assert.equal(e.Hash, createHash("sha256").update(data).digest("base64"), e.Name);
        assert.equal(e.Type, e.Name.includes(".dblock.") ? 0 : e.Name.includes(".dlist.") ? 1 : 2);
      }

      // Without a local database these commands say how to get one.
      r = await runMain(["compact", url, ...common, `--dbpath=${join(dir, "none.sqlite")}`]);
      assert.equal(r.code, 100);
      assert.match(r.err, /repair/);
    } finally {
      await cleanup();
    }
  },
});
