/**
 * Ctrl-C on the command line, sent as SIGINT to a real `main.ts backup` process: once stops after
 * the current file and keeps a partial version (exit code 50); twice aborts (exit code 100), and
 * the next backup completes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MAIN, runMain } from "../helpers/cli.ts";
import { put, tempDir } from "../helpers/tree.ts";
import { ABORT_MESSAGE, STOP_MESSAGE } from "../../src/cli/interrupt.ts";

const FILES = 1000;
const FILE_KB = 64;

/** Many files of random bytes (incompressible, so the backup takes a while). */
function makeSource(src: string): void {
  const buf = new Uint8Array(FILE_KB * 1024);
  for (let i = 0; i < FILES; i++) {
    for (let o = 0; o < buf.length; o += 65536) crypto.getRandomValues(buf.subarray(o, o + 65536));
    put(src, `d${i % 20}/f${i}.bin`, buf);
  }
}

/** A running `backup` whose standard error is collected as it arrives. */
class BackupProcess {
  child: Deno.ChildProcess;
  err = "";
  #errDone: Promise<void>;
  #out: Promise<string>;

  constructor(args: string[]) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "backup", ...args],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).spawn();
    const child = this.child;
    this.#out = new Response(child.stdout).text();
    this.#errDone = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of child.stderr) this.err += dec.decode(chunk, { stream: true });
    })();
  }

  async waitFor(test: () => boolean, what: string): Promise<void> {
    const end = Date.now() + 120_000;
    while (!test()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stderr: ${this.err}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async result(): Promise<{ code: number; out: string; err: string }> {
    const { code } = await this.child.status;
    await this.#errDone;
    return { code, out: await this.#out, err: this.err };
  }
}

function dblocks(dest: string): number {
  try {
    return [...Deno.readDirSync(dest)].filter((e) => e.name.includes(".dblock.")).length;
  } catch {
    return 0;
  }
}

/** A source tree, a local destination and the options every command of a test shares. */
async function scene(prefix: string) {
  const [dir, cleanup] = await tempDir(prefix);
  const src = join(dir, "src");
  makeSource(src);
  const dest = join(dir, "dest");
  const common = ["--passphrase=ctrl-c", `--server-datafolder=${join(dir, "data")}`];
  return { cleanup, src, dest, url: `file://${dest}`, common };
}

async function versions(url: string, common: string[]): Promise<string[]> {
  const r = await runMain(["list-filesets", url, ...common]);
  assert.equal(r.code, 0, r.err);
  return r.out.split("\n").filter((l) => /^\d+\s/.test(l));
}

Deno.test("Ctrl-C once stops a CLI backup after the current file and keeps a partial version", async () => {
  const { cleanup, src, dest, url, common } = await scene("dup-ctrlc-stop-");
  try {
    const p = new BackupProcess([url, src, ...common, "--dblock-size=4mb"]);
    // Once the first volume is uploaded the backup is well inside the files.
    await p.waitFor(() => dblocks(dest) > 0, "the first volume");
    p.child.kill("SIGINT");
    const r = await p.result();
    assert.ok(r.err.includes(STOP_MESSAGE), r.err);
    assert.equal(r.code, 50, `exit code; stderr: ${r.err}`);
    assert.match(r.out, /New version: .*\(partial: stopped early\)/);
    const listed = await versions(url, common);
    assert.equal(listed.length, 1);
    assert.match(listed[0], /\(partial\)/);

    // The next backup completes the set.
    const again = await runMain(["backup", url, src, ...common, "--dblock-size=4mb"]);
    assert.equal(again.code, 0, again.err);
    const after = await versions(url, common);
    assert.equal(after.length, 2);
    assert.doesNotMatch(after[0], /\(partial\)/);
    assert.match(after[0], new RegExp(`\\(${FILES} files`));
  } finally {
    await cleanup();
  }
});

Deno.test("Ctrl-C twice aborts a CLI backup, and the next backup works", async () => {
  const { cleanup, src, dest, url, common } = await scene("dup-ctrlc-abort-");
  try {
    // Large volumes: after the stop, sealing the volume in hand leaves time for the second Ctrl-C.
    const p = new BackupProcess([url, src, ...common, "--dblock-size=24mb"]);
    await p.waitFor(() => dblocks(dest) > 0, "the first volume");
    p.child.kill("SIGINT");
    // Signals sent back to back may arrive as one: the second follows the first's message.
    await p.waitFor(() => p.err.includes(STOP_MESSAGE), "the stop message");
    p.child.kill("SIGINT");
    const r = await p.result();
    assert.ok(r.err.includes(ABORT_MESSAGE), r.err);
    assert.equal(r.code, 100, `exit code; stdout: ${r.out} stderr: ${r.err}`);
    assert.match(r.err, /Aborted by Ctrl-C/);
    assert.ok(![...Deno.readDirSync(dest)].some((e) => e.name.includes(".dlist.")), "no version");

    const again = await runMain(["backup", url, src, ...common, "--dblock-size=24mb"]);
    assert.equal(again.code, 0, again.err);
    // The newest version is complete (what the aborted run had uploaded may be kept before it,
    // as a partial version made by the recovery of the interrupted run).
    const listed = await versions(url, common);
    assert.ok(listed.length >= 1);
    assert.doesNotMatch(listed[0], /\(partial\)/);
    assert.match(listed[0], new RegExp(`\\(${FILES} files`));
  } finally {
    await cleanup();
  }
});
