/**
 * `test-filters`, `system-info`, `vacuum` and `create-report` through the real command line, on
 * real trees and real local databases.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { runMain } from "../helpers/cli.ts";
import { put, tempDir } from "../helpers/tree.ts";
import { ZipReader } from "../../src/format/zip.ts";

/** Leaves 8 MB of free pages in a database file; returns its size. */
function addFreePages(dbpath: string): number {
  const raw = new DatabaseSync(dbpath);
  raw.exec("CREATE TABLE Junk(x BLOB)");
  raw.prepare("INSERT INTO Junk VALUES(randomblob(8000000))").run();
  raw.exec("DROP TABLE Junk");
  raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  raw.close();
  return Deno.statSync(dbpath).size;
}

async function setup() {
  const [dir, cleanup] = await tempDir("dup-maint-");
  const src = join(dir, "src");
  put(src, "tax-return-2025.pdf", "pdf data\n");
  put(src, "holiday/beach.jpg", "x".repeat(5000));
  put(src, "holiday/notes.tmp", "tmp\n");
  put(src, "cache/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n");
  put(src, "cache/blob.bin", "cached\n");
  const dbpath = join(dir, "db.sqlite");
  const env = { DUPLICATI_HOME: join(dir, "home") };
  const url = `file://${join(dir, "dest")}`;
  return { dir, src, dbpath, env, url, cleanup };
}

Deno.test("test-filters: every path with its verdict and the rule that excluded it", async () => {
  const s = await setup();
  try {
    const r = await runMain(
      ["test-filters", s.src, "--exclude=*.tmp", "--skip-files-larger-than=1kb"],
      { env: s.env },
    );
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split("\n");
    assert.ok(lines.includes(`Including path: ${s.src}/tax-return-2025.pdf (9 bytes)`), r.out);
    assert.ok(lines.includes(`Excluding path: ${s.src}/holiday/notes.tmp (--exclude=*.tmp)`));
    assert.ok(
      lines.includes(`Excluding path: ${s.src}/holiday/beach.jpg (--skip-files-larger-than)`),
    );
    assert.ok(lines.includes(`Excluding path: ${s.src}/cache/ (--ignore-filenames)`));
    assert.ok(lines.includes(`Including path: ${s.src}/holiday/`));
    assert.equal(lines.at(-1), "Matched 1 files (9 bytes), excluded 3 paths");

    // First matching rule wins, for folders too: without the folder rule, holiday/ would be
    // excluded by --exclude=* before *.jpg is looked at.
    const r2 = await runMain(
      ["test-filters", s.src, "--include=*/holiday/", "--include=*.jpg", "--exclude=*"],
      { env: s.env },
    );
    assert.equal(r2.code, 0, r2.err);
    assert.match(r2.out, /Including path: .*beach\.jpg \(4\.88 KB\)/);
    assert.match(r2.out, /Excluding path: .*tax-return-2025\.pdf \(--exclude=\*\)/);
    assert.match(r2.out, /Excluding path: .*notes\.tmp \(--exclude=\*\)/);
    assert.match(r2.out, /Matched 1 files/);

    const bad = await runMain(["test-filters", join(s.dir, "nope")], { env: s.env });
    assert.equal(bad.code, 200);
    assert.match(bad.err, /does not exist/);
    const none = await runMain(["test-filters"], { env: s.env });
    assert.equal(none.code, 200);
    assert.match(none.err, /No source paths given/);
  } finally {
    await s.cleanup();
  }
});

Deno.test("system-info: versions, platform and paths; arguments are refused", async () => {
  const s = await setup();
  try {
    const r = await runMain(["system-info"], { env: s.env });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Duplicati: Duplicati, portable edition \d+\.\d+\.\d+$/m);
    assert.match(r.out, new RegExp(`^Deno: ${Deno.version.deno.replaceAll(".", "\\.")} `, "m"));
    assert.match(r.out, /^SQLite version: 3\.\d+\.\d+$/m);
    assert.match(r.out, new RegExp(`^Data folder: ${join(s.dir, "home")}$`, "m"));
    assert.match(r.out, /^Storage types: .*file/m);
    const alias = await runMain(["systeminfo"], { env: s.env });
    assert.equal(alias.code, 0);
    const bad = await runMain(["system-info", "extra"], { env: s.env });
    assert.equal(bad.code, 200);
    assert.match(bad.err, /Command takes no arguments/);
  } finally {
    await s.cleanup();
  }
});

Deno.test("vacuum: releases free pages of the local database, which keeps working; hooks run around it", async () => {
  const s = await setup();
  try {
    const b = await runMain(
      ["backup", s.url, s.src, `--dbpath=${s.dbpath}`, "--no-encryption"],
      { env: s.env },
    );
    assert.equal(b.code, 0, b.err);
    const before = addFreePages(s.dbpath);
    assert.ok(before > 8_000_000);
    const opFile = join(s.dir, "op.txt");
    const after = join(s.dir, "after.sh");
    Deno.writeTextFileSync(
      after,
      `#!/bin/sh\necho "$DUPLICATI__OPERATIONNAME $DUPLICATI__PARSED_RESULT" > '${opFile}'\n`,
    );
    Deno.chmodSync(after, 0o755);
    const r = await runMain(
      ["vacuum", s.url, `--dbpath=${s.dbpath}`, `--run-script-after=${after}`],
      { env: s.env },
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Vacuumed .*db\.sqlite: /);
    assert.ok(Deno.statSync(s.dbpath).size < before - 7_000_000, "the file shrank");
    assert.equal(Deno.readTextFileSync(opFile).trim(), "Vacuum Success");
    const l = await runMain(["list-filesets", s.url, `--dbpath=${s.dbpath}`, "--no-encryption"], {
      env: s.env,
    });
    assert.equal(l.code, 0, l.err);
    assert.match(l.out, /^0\s/m);

    const missing = await runMain(["vacuum", s.url, `--dbpath=${join(s.dir, "none.sqlite")}`], {
      env: s.env,
    });
    assert.equal(missing.code, 100);
    assert.match(missing.err, /DatabaseMissing/);
  } finally {
    await s.cleanup();
  }
});

Deno.test("create-report: a zip with an anonymised database copy and the system info", async () => {
  const s = await setup();
  try {
    const b = await runMain(
      ["backup", s.url, s.src, `--dbpath=${s.dbpath}`, "--passphrase=pw"],
      { env: s.env },
    );
    assert.equal(b.code, 0, b.err);
    const raw = new DatabaseSync(s.dbpath);
    raw.prepare("INSERT INTO LogData(OperationID, Timestamp, Type, Message) VALUES(1, 0, ?, ?)")
      .run("Warning", `Could not read ${s.src}/tax-return-2025.pdf`);
    const fileRows = (raw.prepare("SELECT COUNT(*) AS n FROM FileLookup").get() as { n: number }).n;
    raw.close();
    const original = Deno.readFileSync(s.dbpath);

    const target = join(s.dir, "report");
    const r = await runMain(["create-report", s.url, target, `--dbpath=${s.dbpath}`], {
      env: s.env,
    });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Completed! The report is in .*report\.zip/);
    assert.deepEqual(Deno.readFileSync(s.dbpath), original, "the real database is untouched");

    const zip = ZipReader.openSync(`${target}.zip`);
    let dbBytes: Uint8Array;
    let info: string;
    try {
      assert.deepEqual(zip.entries().map((e) => e.name).sort(), [
        "log-database.sqlite",
        "system-info.txt",
      ]);
      dbBytes = zip.read("log-database.sqlite");
      info = new TextDecoder().decode(zip.read("system-info.txt"));
    } finally {
      zip.close();
    }
    assert.match(info, /^SQLite version: /m);
    const text = new TextDecoder("latin1").decode(dbBytes);
    for (const secret of ["tax-return-2025", "holiday", "beach.jpg", s.dir.split("/").at(-1)!]) {
      assert.ok(!text.includes(secret), `"${secret}" must not appear in the report`);
    }
    const copy = join(s.dir, "copy.sqlite");
    Deno.writeFileSync(copy, dbBytes);
    const db = new DatabaseSync(copy, { readOnly: true });
    try {
      const n = (db.prepare("SELECT COUNT(*) AS n FROM FileLookup").get() as { n: number }).n;
      assert.equal(n, fileRows, "every file entry is kept, only renamed");
      const names = db.prepare("SELECT Path FROM FileLookup").all() as { Path: string }[];
      assert.ok(names.every((x) => /^[0-9a-f]{16}\/?$/.test(x.Path)), JSON.stringify(names));
      const prefixes = db.prepare("SELECT Prefix FROM PathPrefix").all() as { Prefix: string }[];
      assert.ok(prefixes.every((x) => /^(\/[0-9a-f]{16})+\/$/.test(x.Prefix)));
      const msg = db.prepare("SELECT Message FROM LogData").all() as { Message: string }[];
      assert.deepEqual(msg.map((m) => m.Message), ["ERASED!"]);
      const keys = (db.prepare("SELECT Key FROM Configuration").all() as { Key: string }[]).map(
        (k) => k.Key,
      );
      assert.ok(keys.includes("blocksize"));
      assert.ok(!keys.some((k) => k.startsWith("passphrase")), keys.join(","));
    } finally {
      db.close();
    }

    const again = await runMain(["create-report", s.url, target, `--dbpath=${s.dbpath}`], {
      env: s.env,
    });
    assert.equal(again.code, 100);
    assert.match(again.err, /already exists, not overwriting/);
    const usage = await runMain(["create-report", s.url], { env: s.env });
    assert.equal(usage.code, 200);
  } finally {
    await s.cleanup();
  }
});

Deno.test("--auto-vacuum after a backup, at most once per --auto-vacuum-interval", async () => {
  const s = await setup();
  try {
    const backup = (extra: string[]) =>
      runMain(["backup", s.url, s.src, `--dbpath=${s.dbpath}`, "--no-encryption", ...extra], {
        env: s.env,
      });
    const junk = () => addFreePages(s.dbpath);
    assert.equal((await backup([])).code, 0);
    let before = junk();
    put(s.src, "new-1.txt", "one\n");
    let r = await backup(["--auto-vacuum"]);
    assert.equal(r.code, 0, r.err);
    assert.ok(Deno.statSync(s.dbpath).size < before - 7_000_000, "vacuumed after the backup");

    before = junk();
    put(s.src, "new-2.txt", "two\n");
    r = await backup(["--auto-vacuum", "--auto-vacuum-interval=1D"]);
    assert.equal(r.code, 0, r.err);
    assert.ok(Deno.statSync(s.dbpath).size >= before - 1_000_000, "not again within a day");
  } finally {
    await s.cleanup();
  }
});
