/**
 * backend-tool and backend-tester, run as a user would (`main.ts backend-tool ...`, and under
 * their Duplicati executable names), on a local folder and on a real OpenSSH sshd.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { main } from "../../main.ts";
import { hostKeyFingerprint } from "../../src/backends/ssh_host_key.ts";
import { startSshd } from "../servers/sshd.ts";

Deno.test("backend-tool: list, put, get, delete, createfolder and usage errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "backend-tool-" });
  try {
    const url = `file://${join(dir, "remote")}`;
    let r = await runMain(["backend-tool", "createfolder", url]);
    assert.equal(r.code, 0, r.out + r.err);
    const local = join(dir, "hello file.txt");
    await Deno.writeTextFile(local, "hello");
    r = await runMain(["backend-tool", "PUT", url, local]);
    assert.equal(r.code, 0, r.out + r.err);
    r = await runMain(["backend-tool", "list", url]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^Name\tDir\/File\tLastChange\tSize$/m);
    assert.match(r.out, /^hello file\.txt\tFile\t\d{4}-\d\d-\d\dT[^\t]+\t5 bytes$/m);

    // GET downloads the remote file named like the local path's last part, never overwriting.
    await Deno.mkdir(join(dir, "down"));
    const target = join(dir, "down", "hello file.txt");
    r = await runMain(["backend-tool", "get", url, target]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(await Deno.readTextFile(target), "hello");
    r = await runMain(["backend-tool", "get", url, target]);
    assert.equal(r.code, 100);
    assert.match(r.out, /already exists, not overwriting/);

    r = await runMain(["backend-tool", "delete", url, "hello file.txt"]);
    assert.equal(r.code, 0, r.out + r.err);
    r = await runMain(["backend-tool", "delete", url, "hello file.txt"]);
    assert.equal(r.code, 100);
    assert.match(r.out, /does not exist/);

    const lines: string[] = [];
    const code = await (await import("../../src/tools/backend_tool.ts")).runBackendTool(
      ["frobnicate", url],
      (s) => lines.push(s),
    );
    assert.equal(code, 200);
    assert.match(
      lines.join("\n"),
      /Unsupported command: frobnicate[\s\S]*Supported backends: .*ssh/,
    );
    r = await runMain(["backend-tool", "get", url]);
    assert.equal(r.code, 200);
    assert.match(r.out, /GET requires a filename argument/);
    assert.equal(await main(["list"], "duplicati-backend-tool"), 200);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "backend-tester: passes on sshd, refuses a non-empty folder, cleans with --force",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await startSshd();
    try {
      const fp = hostKeyFingerprint(Buffer.from(s.hostKeyPub.split(" ")[1], "base64")).duplicati;
      const common = [
        s.url("tester"),
        `--ssh-keyfile=${s.keyEd25519}`,
        `--ssh-fingerprint=${fp}`,
        "--number-of-files=4",
        "--min-file-size=1kb",
        "--max-file-size=300kb",
        "--reruns=2",
      ];
      let r = await runMain(["backend-tester", ...common, "--auto-create-folder"]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /Starting run no 1[\s\S]*Unittest complete!/);
      assert.doesNotMatch(r.out, /\*\*\*/);

      // A file left behind: the tester refuses, unless --auto-clean --force.
      const local = join(s.dir, "left.bin");
      await Deno.writeTextFile(local, "x");
      r = await runMain([
        "backend-tool",
        "put",
        s.url("tester"),
        local,
        `--ssh-keyfile=${s.keyEd25519}`,
        `--ssh-fingerprint=${fp}`,
      ]);
      assert.equal(r.code, 0, r.out + r.err);
      r = await runMain(["backend-tester", ...common]);
      assert.equal(r.code, 100);
      assert.match(r.out, /\*\*\* Remote folder is not empty, aborting/);
      r = await runMain(["backend-tester", ...common, "--auto-clean", "--force", "--reruns=1"]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /Auto clean, removing file: left\.bin[\s\S]*Unittest complete!/);
    } finally {
      await s.dispose();
    }
  },
});

Deno.test("backend-tester: wrong usage and an unreachable destination", async () => {
  const lines: string[] = [];
  const { runBackendTester } = await import("../../src/tools/backend_tester.ts");
  assert.equal(await runBackendTester([], (s) => lines.push(s)), 200);
  assert.match(lines.join("\n"), /Usage: <protocol>/);
  const dir = await Deno.makeTempDir();
  try {
    const out: string[] = [];
    const code = await main(
      [join(dir, "missing"), "--number-of-files=1", "--reruns=1"],
      "duplicati-backend-tester",
    ).catch(() => -1);
    assert.equal(code, 100);
    assert.equal(
      await runBackendTester([join(dir, "missing"), "--reruns=1"], (s) => out.push(s)),
      100,
    );
    assert.match(out.join("\n"), /Unittest failed: The destination folder .* does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
