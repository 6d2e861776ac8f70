/**
 * The end-to-end check every backend runs on its real server, through the command line exactly
 * as a user would: a backup, a changed second backup, `test all` (every remote file downloaded
 * and checked), and a restore without the local database (from the remote files alone) that must
 * be byte-exact.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { diffSnapshots, prng, put, snapshot } from "../helpers/tree.ts";

/** Turns an option record into `--name=value` arguments. */
function args(options: Record<string, string>): string[] {
  return Object.entries(options).map(([k, v]) => `--${k}=${v}`);
}

/**
 * Runs backup, second backup and a database-less restore through `url` (with `options`, e.g.
 * credentials; `env` for the program, e.g. AUTH_USERNAME) and asserts the restored tree equals the source byte for byte. `work` is a temp
 * folder the caller removes. The volumes are encrypted and small (1 MB dblocks), so several
 * volumes, index files and file lists travel through the backend.
 */
export async function backupAndRestoreThrough(
  url: string,
  options: Record<string, string>,
  work: string,
  env: Record<string, string> = {},
): Promise<void> {
  const src = join(work, "src");
  const data = join(work, "data");
  put(src, "docs/report.txt", "quarterly numbers\n");
  put(src, "docs/big.bin", prng(11, 3 * 1024 * 1024 + 5));
  put(src, "ünïcødé folder/file with spaces.txt", "hello\n");
  put(src, "empty.txt", "");
  const common = [
    "--passphrase=conformance",
    `--server-datafolder=${data}`,
    "--dblock-size=1mb",
    "--number-of-retries=2",
    "--retry-delay=200ms",
    "--console-log-level=Warning",
    ...args(options),
  ];
  let r = await runMain(["backup", url, src, ...common], { env });
  assert.equal(r.code, 0, `first backup: ${r.out}\n${r.err}`);

  await new Promise((res) => setTimeout(res, 1100)); // a new mtime second
  put(src, "docs/report.txt", "revised numbers\n");
  put(src, "new.bin", prng(12, 500_000));
  r = await runMain(["backup", url, src, ...common], { env });
  assert.equal(r.code, 0, `second backup: ${r.out}\n${r.err}`);

  r = await runMain(["test", url, "all", ...common], { env });
  assert.equal(r.code, 0, `test all: ${r.out}\n${r.err}`);
  assert.match(r.out, /Examined \d+ files and found no errors/);

  const out = join(work, "restored");
  r = await runMain(["restore", url, `--restore-path=${out}`, "--no-local-db", ...common], {
    env,
  });
  assert.equal(r.code, 0, `restore without database: ${r.out}\n${r.err}`);
  assert.deepEqual(diffSnapshots(snapshot(src), snapshot(out)), []);
}
