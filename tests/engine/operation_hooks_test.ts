/**
 * --run-script-before/-before-required/-after/-timeout with real shell scripts run by the real
 * command line: the DUPLICATI__* environment, `--option=value` overrides from the before-script,
 * the exit-code meanings, the after-script's result file, and the timeout killing a hanging script.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { put, tempDir } from "../helpers/tree.ts";

async function setup() {
  const [dir, cleanup] = await tempDir("dup-hooks-");
  const src = join(dir, "src");
  put(src, "keep.txt", "keep me\n");
  put(src, "skip.log", "log file\n");
  const dest = join(dir, "dest");
  const common = [`--dbpath=${join(dir, "db.sqlite")}`, "--no-encryption"];
  const env = { DUPLICATI_HOME: join(dir, "home") };
  const script = (name: string, body: string) => {
    const p = join(dir, name);
    Deno.writeTextFileSync(p, `#!/bin/sh\n${body}\n`);
    Deno.chmodSync(p, 0o755);
    return p;
  };
  const remoteFiles = (d = dest) => {
    try {
      return [...Deno.readDirSync(d)].map((e) => e.name).sort();
    } catch {
      return [];
    }
  };
  return { dir, src, dest, url: `file://${dest}`, common, env, script, remoteFiles, cleanup };
}

Deno.test("before-script: sees the DUPLICATI__* environment and its --option lines change the backup", async () => {
  const s = await setup();
  try {
    const other = join(s.dir, "other-dest");
    const envFile = join(s.dir, "env.txt");
    const before = s.script(
      "before.sh",
      `env | grep '^DUPLICATI__' | sort > '${envFile}'\n` +
        `echo "ignored line"\n` +
        `echo "--remoteurl=file://${other}"\n` +
        `echo "--filter=-*.log:%DUPLICATI__FILTER%"\n` +
        `echo '--backup-name="Nightly job"'\n` +
        `exit 0`,
    );
    const afterFile = join(s.dir, "after.txt");
    const after = s.script(
      "after.sh",
      `echo "$DUPLICATI__EVENTNAME|$DUPLICATI__REMOTEURL|$DUPLICATI__backup_name|$DUPLICATI__PARSED_RESULT" > '${afterFile}'`,
    );
    const r = await runMain(
      [
        "backup",
        s.url,
        s.src,
        ...s.common,
        "--exclude=*.tmp",
        `--run-script-before=${before}`,
        `--run-script-after=${after}`,
      ],
      { env: s.env },
    );
    assert.equal(r.code, 0, r.err);
    const env = Object.fromEntries(
      Deno.readTextFileSync(envFile).trim().split("\n").map((l) => {
        const i = l.indexOf("=");
        return [l.slice(0, i), l.slice(i + 1)];
      }),
    );
    assert.equal(env["DUPLICATI__EVENTNAME"], "BEFORE");
    assert.equal(env["DUPLICATI__OPERATIONNAME"], "Backup");
    assert.equal(env["DUPLICATI__REMOTEURL"], s.url);
    assert.equal(env["DUPLICATI__LOCALPATH"], s.src);
    assert.equal(env["DUPLICATI__FILTER"], "-*.tmp");
    assert.equal(env["DUPLICATI__no_encryption"], "true");
    assert.equal(env["DUPLICATI__dbpath"], join(s.dir, "db.sqlite"));
    assert.equal(env["DUPLICATI__PARSED_RESULT"], undefined, "no result before the operation");
    // The backup went to the URL the script chose, not the one on the command line.
    assert.deepEqual(s.remoteFiles(), []);
    assert.ok(s.remoteFiles(other).some((n) => n.endsWith(".dlist.zip")), "dlist in other-dest");
    // The filter from the script applied: *.log was not backed up.
    const list = await runMain(
      ["find", `file://${other}`, "*", ...s.common],
      { env: s.env },
    );
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /keep\.txt/);
    assert.doesNotMatch(list.out, /skip\.log/);
    // The after-script sees the overridden values and the result.
    assert.equal(
      Deno.readTextFileSync(afterFile).trim(),
      `AFTER|file://${other}|Nightly job|Success`,
    );
  } finally {
    await s.cleanup();
  }
});

Deno.test("before-required script failing stops the backup with exit 100; the after-script still reports Fatal", async () => {
  const s = await setup();
  try {
    const before = s.script("req.sh", `echo "disk not mounted" >&2\nexit 7`);
    const afterFile = join(s.dir, "after.txt");
    const after = s.script("after.sh", `echo "$DUPLICATI__PARSED_RESULT" > '${afterFile}'`);
    const r = await runMain(
      [
        "backup",
        s.url,
        s.src,
        ...s.common,
        `--run-script-before-required=${before}`,
        `--run-script-after=${after}`,
      ],
      { env: s.env },
    );
    assert.equal(r.code, 100, r.err);
    assert.match(r.err, /RunScriptInvalidExitCode/);
    assert.match(r.err, /returned with exit code 7: disk not mounted/);
    assert.deepEqual(s.remoteFiles(), [], "nothing uploaded");
    assert.equal(Deno.readTextFileSync(afterFile).trim(), "Fatal");

    // A required script that exits 0 lets the backup run.
    const ok = s.script("ok.sh", "exit 0");
    const r2 = await runMain(
      ["backup", s.url, s.src, ...s.common, `--run-script-before-required=${ok}`],
      { env: s.env },
    );
    assert.equal(r2.code, 0, r2.err);
    assert.ok(s.remoteFiles().some((n) => n.endsWith(".dlist.zip")));
  } finally {
    await s.cleanup();
  }
});

Deno.test("before-script exit codes: 1 skips (OK), 2 warns, 3 skips with a warning, 4 errors, 5 skips with an error", async () => {
  const s = await setup();
  try {
    const run = async (code: number, extra: string[] = []) => {
      const sc = s.script(`exit${code}.sh`, `echo "reason $1" >&2\nexit ${code}`);
      return await runMain(
        ["backup", s.url, s.src, ...s.common, `--run-script-before=${sc}`, ...extra],
        { env: s.env },
      );
    };
    let r = await run(1);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /was not run: The script .* returned with exit code 1/);
    assert.deepEqual(s.remoteFiles(), [], "skipped: nothing uploaded");

    r = await run(3);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /Warning: The script .*exit3\.sh" returned with exit code 3/);
    assert.deepEqual(s.remoteFiles(), []);

    r = await run(5);
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /Error: The script .*exit5\.sh" returned with exit code 5/);
    assert.deepEqual(s.remoteFiles(), []);

    r = await run(42);
    assert.equal(r.code, 3, r.err);
    assert.deepEqual(s.remoteFiles(), [], "any other code also skips with an error");

    r = await run(2);
    assert.equal(r.code, 2, r.err);
    assert.match(r.out, /Backup finished/);
    assert.ok(s.remoteFiles().some((n) => n.endsWith(".dlist.zip")), "2 runs the backup");

    put(s.src, "new.txt", "changed\n");
    r = await run(4);
    assert.equal(r.code, 3, r.err);
    assert.match(r.out, /Backup finished/);
    assert.equal(s.remoteFiles().filter((n) => n.endsWith(".dlist.zip")).length, 2);
  } finally {
    await s.cleanup();
  }
});

Deno.test("run-script-timeout: a hanging script is killed with everything it started", async () => {
  const s = await setup();
  try {
    const pidFile = join(s.dir, "pid.txt");
    const hang = s.script("hang.sh", `sleep 300 &\necho $! > '${pidFile}'\nwait`);
    // Running (not a zombie waiting for a parent that is gone) per /proc.
    const alive = (pid: number) => {
      try {
        const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
        return !/^\d+ \(.*\) Z/.test(stat);
      } catch {
        return false;
      }
    };
    // Optional script: a warning, and the backup runs.
    let r = await runMain(
      [
        "backup",
        s.url,
        s.src,
        ...s.common,
        `--run-script-before=${hang}`,
        "--run-script-timeout=1s",
      ],
      { env: s.env },
    );
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /hang\.sh" timed out after 1s and was stopped/);
    assert.ok(s.remoteFiles().some((n) => n.endsWith(".dlist.zip")));
    const pid1 = Number(Deno.readTextFileSync(pidFile).trim());
    assert.ok(pid1 > 0);
    assert.equal(alive(pid1), false, "the script's child process was killed too");

    // Required script: the operation fails.
    r = await runMain(
      [
        "backup",
        s.url,
        s.src,
        ...s.common,
        `--run-script-before-required=${hang}`,
        "--run-script-timeout=1s",
      ],
      { env: s.env },
    );
    assert.equal(r.code, 100, r.err);
    assert.match(r.err, /RunScriptTimeout/);
    const pid2 = Number(Deno.readTextFileSync(pidFile).trim());
    assert.notEqual(pid2, pid1);
    assert.equal(alive(pid2), false);
  } finally {
    await s.cleanup();
  }
});

Deno.test("after-script runs for other operations too, with a JSON result file", async () => {
  const s = await setup();
  try {
    const b = await runMain(["backup", s.url, s.src, ...s.common], { env: s.env });
    assert.equal(b.code, 0, b.err);
    const copy = join(s.dir, "result.json");
    const after = s.script(
      "after.sh",
      `echo "$DUPLICATI__OPERATIONNAME $DUPLICATI__EVENTNAME" > '${copy}.op'\ncp "$DUPLICATI__RESULTFILE" '${copy}'`,
    );
    const target = join(s.dir, "restored");
    const r = await runMain(
      [
        "restore",
        s.url,
        ...s.common,
        `--restore-path=${target}`,
        `--run-script-after=${after}`,
        "--run-script-result-output-format=Json",
      ],
      { env: s.env },
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(Deno.readTextFileSync(copy + ".op").trim(), "Restore AFTER");
    const json = JSON.parse(Deno.readTextFileSync(copy));
    assert.equal(json.Data.MainOperation, "Restore");
    assert.equal(json.Data.ParsedResult, "Success");
    assert.equal(json.Data.RestoredFiles, 2);
    assert.equal(json.Exception, null);
    assert.ok(Array.isArray(json.LogLines));
    assert.equal(Deno.readTextFileSync(join(target, "keep.txt")), "keep me\n");
  } finally {
    await s.cleanup();
  }
});

Deno.test("a before-script that does not exist is a warning; a required one is an error", async () => {
  const s = await setup();
  try {
    const missing = join(s.dir, "nope.sh");
    let r = await runMain(
      ["backup", s.url, s.src, ...s.common, `--run-script-before=${missing}`],
      { env: s.env },
    );
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /Failed while executing script ".*nope\.sh"/);
    r = await runMain(
      ["backup", s.url, s.src, ...s.common, `--run-script-before-required=${missing}`],
      { env: s.env },
    );
    assert.equal(r.code, 100, r.err);
    assert.match(r.err, /ScriptExecuteError/);
    put(s.src, "more.txt", "more\n");
    r = await runMain(
      [
        "backup",
        s.url,
        s.src,
        ...s.common,
        `--run-script-before-required=${missing}`,
        "--disable-module=runscript",
      ],
      { env: s.env },
    );
    assert.equal(r.code, 0, `--disable-module=runscript: no script runs. ${r.err}`);
  } finally {
    await s.cleanup();
  }
});

Deno.test("run-script-post-backup runs once the version is uploaded, between the before- and after-scripts", async () => {
  const s = await setup();
  try {
    const trace = join(s.dir, "trace.txt");
    const sc = s.script(
      "all.sh",
      `n=$(ls '${s.dest}' 2>/dev/null | grep -c 'dlist') ; echo "$DUPLICATI__EVENTNAME $n" >> '${trace}'`,
    );
    const r = await runMain(
      [
        "backup",
        s.url,
        s.src,
        ...s.common,
        `--run-script-before=${sc}`,
        `--run-script-post-backup=${sc}`,
        `--run-script-after=${sc}`,
      ],
      { env: s.env },
    );
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(Deno.readTextFileSync(trace).trim().split("\n"), [
      "BEFORE 0",
      "POST-BACKUP 1",
      "AFTER 1",
    ]);
  } finally {
    await s.cleanup();
  }
});
