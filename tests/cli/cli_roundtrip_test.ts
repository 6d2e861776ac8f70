/** The command line end to end: Duplicati's syntax, the round trip, listings, exit codes. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { diffSnapshots, prng, put, snapshot, tempDir } from "../helpers/tree.ts";
import { main } from "../../main.ts";

Deno.test("backup then restore through the command line round-trips, and listings work", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    const src = join(dir, "src");
    put(src, "docs/report.txt", "quarterly numbers\n");
    put(src, "docs/big.bin", prng(7, 3 * 1024 * 1024 + 11));
    put(src, "photos/cat.jpg", prng(8, 200_000));
    put(src, "cache/skip.tmp", "temporary");
    const url = `file://${join(dir, "dest")}`;
    const data = join(dir, "data");
    // Options anywhere, --opt alone = true, data folder chosen by --server-datafolder.
    let r = await runMain([
      "backup",
      `--server-datafolder=${data}`,
      url,
      src,
      "--passphrase=x",
      "--exclude=*.tmp",
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Added files:\s+3/);
    // The database was found through dbconfig.json in the data folder.
    const cfg = JSON.parse(Deno.readTextFileSync(join(data, "dbconfig.json")));
    assert.equal(cfg.length, 1);
    assert.match(cfg[0].Databasepath, /[A-Z]{10}\.sqlite$/);

    r = await runMain([
      "backup",
      url,
      src,
      "--passphrase=x",
      `--server-datafolder=${data}`,
      "--exclude=*.tmp",
    ]);
    assert.equal(r.code, 1, "nothing changed -> exit code 1");

    const out = join(dir, "out");
    r = await runMain([
      "restore",
      url,
      `--restore-path=${out}`,
      "--passphrase=x",
      `--server-datafolder=${data}`,
    ]);
    assert.equal(r.code, 0, r.err);
    const expected = snapshot(src);
    expected.delete("cache/skip.tmp");
    assert.deepEqual(diffSnapshots(expected, snapshot(out)), []);

    r = await runMain(["list-filesets", url, "--passphrase=x", `--server-datafolder=${data}`]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^0\s+: .*\(3 files/m);

    r = await runMain(["find", url, "report", "--passphrase=x", `--server-datafolder=${data}`]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /docs\/report\.txt/);
    assert.doesNotMatch(r.out, /big\.bin/);

    r = await runMain([
      "list-folder-contents",
      url,
      `${src}/docs`,
      "--passphrase=x",
      `--server-datafolder=${data}`,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /report\.txt/);
    assert.doesNotMatch(r.out, /cat\.jpg/);

    r = await runMain(["search", url, "CAT", "--passphrase=x", `--server-datafolder=${data}`]);
    assert.match(r.out, /photos\/cat\.jpg/);

    // Change a file, back up again, compare and list file versions.
    await new Promise((res) => setTimeout(res, 1100));
    put(src, "docs/report.txt", "revised numbers\n");
    r = await runMain([
      "backup",
      url,
      src,
      "--passphrase=x",
      `--server-datafolder=${data}`,
      "--exclude=*.tmp",
    ]);
    assert.equal(r.code, 0, r.err);
    r = await runMain(["compare", url, "--passphrase=x", `--server-datafolder=${data}`]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Modified 1 entries[\s\S]*report\.txt/);
    r = await runMain([
      "list-file-versions",
      url,
      join(src, "docs/report.txt"),
      "--passphrase=x",
      `--server-datafolder=${data}`,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal((r.out.match(/^\s+\d\t/gm) ?? []).length, 2, r.out);

    // Listing without the local database reads the remote dlists.
    r = await runMain([
      "list-filesets",
      url,
      "--passphrase=x",
      "--no-local-db",
      `--server-datafolder=${data}`,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal((r.out.match(/^\d\s+:/gm) ?? []).length, 2);
  } finally {
    await cleanup();
  }
});

Deno.test("called as duplicati-cli it behaves as the command line", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    put(dir, "src/a.txt", "a");
    const code = await main(
      [
        "backup",
        join(dir, "dest"),
        join(dir, "src"),
        "--no-encryption",
        `--dbpath=${join(dir, "db.sqlite")}`,
        "--console-log-level=Error",
        "--quiet-console",
      ],
      "duplicati-cli",
    );
    assert.equal(code, 0);
    assert.equal(await main(["no-such-command"], "duplicati-cli.exe"), 200);
  } finally {
    await cleanup();
  }
});

Deno.test("help is generated for commands and options", async () => {
  let r = await runMain(["help"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /backup/);
  r = await runMain(["help", "backup"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /--dblock-size/);
  r = await runMain(["help", "blocksize"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /1mb/i);
});

Deno.test("--log-file receives the warnings of a run", async () => {
  const [dir, cleanup] = await tempDir();
  try {
    put(dir, "src/a.txt", "a");
    const log = join(dir, "run.log");
    const r = await runMain([
      "backup",
      join(dir, "dest"),
      join(dir, "src"),
      join(dir, "missing-source"),
      "--allow-missing-source",
      "--no-encryption",
      `--dbpath=${join(dir, "db.sqlite")}`,
      `--log-file=${log}`,
    ]);
    assert.equal(r.code, 2, r.err);
    assert.match(Deno.readTextFileSync(log), /\[Warning\].*missing-source does not exist/);
  } finally {
    await cleanup();
  }
});
