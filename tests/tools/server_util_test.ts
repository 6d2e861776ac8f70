// deno-lint-ignore-file no-explicit-any
/**
 * duplicati-server-util against a real server on a free port: every command run as a child
 * process, signing in through a sign-in token made from the server's data folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { localBackupBody, startTestServer, TEST_PASSWORD } from "../helpers/server.ts";
import { prng, put, tempDir } from "../helpers/tree.ts";

const backupBody = (name: string, source: string, target: string) =>
  localBackupBody(name, source, target, { passphrase: "util-test-pass" });

Deno.test("server-util drives a running server: list, run --wait, pause, status, export/import, password, logout", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  const [work, cleanWork] = await tempDir();
  const t = await startTestServer();
  const df = `--server-datafolder=${t.dataFolder}`;
  const util = (...a: string[]) => runMain(["server-util", ...a, df]);
  try {
    put(src, "docs/a.txt", "hello from server-util");
    put(src, "big.bin", prng(5, 1_500_000));
    assert.equal((await t.client.login()).status, 200);
    const id = (await t.client.post("/api/v1/backups", backupBody("Nightly Docs", src, dst))).body
      .ID;

    // health needs no sign-in and creates no session.
    const health = await util("health");
    assert.equal(health.code, 0, health.err);
    assert.match(health.out, /is healthy/);
    const session = join(t.dataFolder, "server-util-session.json");
    assert.throws(() => Deno.statSync(session));

    // list-backups signs in with a sign-in token from the data folder and keeps the session.
    const list = await util("list-backups");
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, new RegExp(`^${id}: Nightly Docs$`, "m"));
    const kept = JSON.parse(Deno.readTextFileSync(session));
    assert.ok(kept.accessToken && kept.refreshCookie && kept.refreshNonce);
    const json = await util("list-backups", "--json");
    assert.equal(JSON.parse(json.out)[0].Name, "Nightly Docs");
    const detailed = await util("list-backups", "--detailed");
    assert.match(detailed.out, /Destination: file:\/\//);

    // A refused access token falls back to the refresh token, which rotates.
    Deno.writeTextFileSync(session, JSON.stringify({ ...kept, accessToken: "not-a-token" }));
    const again = await util("status");
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /Server state: Running/);
    const rotated = JSON.parse(Deno.readTextFileSync(session));
    assert.notEqual(rotated.refreshCookie, kept.refreshCookie);

    // run --wait: a real backup by name; the exit code is the backup's.
    const run = await util("run", "nightly docs", "--wait", "--poll-interval=200ms");
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /started as task \d+/);
    assert.match(run.out, /completed; exit code 0/);
    assert.ok([...Deno.readDirSync(dst)].some((e) => e.name.endsWith(".dlist.zip.aes")));
    const meta = (await t.client.get(`/api/v1/backup/${id}`)).body.Backup.Metadata;
    assert.equal(meta.SourceFilesCount, "2");
    // Nothing changed: the second run says so with exit code 1 (as Duplicati's CLI).
    const rerun = await util("run", id, "--wait", "--poll-interval=200ms", "--quiet");
    assert.ok([0, 1].includes(rerun.code), rerun.out + rerun.err);
    assert.doesNotMatch(rerun.out, /started as task/);

    // Unknown backup, bad usage, unknown command.
    const unknown = await util("run", "no such backup");
    assert.equal(unknown.code, 100);
    assert.match(unknown.err, /No backup has the ID or name "no such backup".*Nightly Docs/);
    const usage = await util("run");
    assert.equal(usage.code, 200);
    assert.match(usage.err, /Usage: duplicati-server-util run/);
    const bad = await util("frobnicate");
    assert.equal(bad.code, 200);
    assert.match(bad.err, /Unknown command "frobnicate"/);

    // pause / status / resume.
    const pause = await util("pause", "10m");
    assert.equal(pause.code, 0, pause.err);
    assert.equal(t.server.ctx.queue.paused, true);
    const paused = await util("status");
    assert.match(paused.out, /Server state: Paused \(until /);
    const badPause = await util("pause", "soon");
    assert.equal(badPause.code, 200);
    assert.match(badPause.err, /Invalid duration "soon"/);
    const resume = await util("resume");
    assert.equal(resume.code, 0, resume.err);
    assert.equal(t.server.ctx.queue.paused, false);

    // export (with passwords, encrypted) and import round trip.
    const file = join(work, "exported.json.aes");
    const exp = await util(
      "export",
      "Nightly Docs",
      `--file=${file}`,
      "--export-passwords",
      "--passphrase=file-pass",
    );
    assert.equal(exp.code, 0, exp.err);
    assert.equal(new TextDecoder().decode(Deno.readFileSync(file).subarray(0, 3)), "AES");
    const twice = await util("export", id, `--file=${file}`);
    assert.equal(twice.code, 200);
    assert.match(twice.err, /already exists/);
    const wrongPass = await util("import", file, "not-the-pass");
    assert.equal(wrongPass.code, 100);
    const imp = await util("import", file, "file-pass");
    assert.equal(imp.code, 0, imp.err);
    const newId = imp.out.match(/as backup (\S+)/)![1];
    const copy = (await t.client.get(`/api/v1/backup/${newId}`)).body.Backup;
    assert.equal(copy.Name, "Nightly Docs (2)");
    assert.equal(copy.TargetURL, `file://${dst}`);
    assert.deepEqual(copy.Sources, [src.endsWith("/") ? src : src + "/"]);
    assert.ok(copy.Settings.some((s: any) => s.Name === "passphrase"));
    const plain = join(work, "plain.json");
    const exp2 = await util("export", newId, `--file=${plain}`);
    assert.equal(exp2.code, 0, exp2.err);
    const parsed = JSON.parse(Deno.readTextFileSync(plain));
    assert.equal(parsed.Backup.Name, "Nightly Docs (2)");
    assert.ok(!parsed.Backup.Settings.some((s: any) => s.Name === "passphrase"));

    // help for the tool and each command.
    const help = await util("help");
    assert.equal(help.code, 0);
    for (const c of ["list-backups", "run", "pause", "export", "import", "change-password"]) {
      assert.match(help.out, new RegExp(`^  ${c} `, "m"));
      const h = await util("help", c);
      assert.equal(h.code, 0);
      assert.match(h.out, new RegExp(`Usage: duplicati-server-util ${c}`));
    }
    assert.match((await util("run", "--help")).out, /--poll-interval/);

    // change-password ends every sign-in; the password works, and the token sign-in still does.
    const cp = await util("change-password", "a new password");
    assert.equal(cp.code, 0, cp.err);
    assert.throws(() => Deno.statSync(session));
    assert.equal((await t.client.login(TEST_PASSWORD)).status, 401);
    assert.equal((await t.client.login("a new password")).status, 200);
    const withPw = await util("status", "--password=a new password");
    assert.equal(withPw.code, 0, withPw.err);
    const wrongPw = await util("status", "--password=wrong", `--settings-file=${work}/s.json`);
    assert.equal(wrongPw.code, 100);
    assert.match(wrongPw.err, /refused the password/);

    // logout ends the session on the server and removes the file.
    const out = await util("logout");
    assert.equal(out.code, 0, out.err);
    assert.match(out.out, /Logged out/);
    assert.throws(() => Deno.statSync(session));
    assert.match((await util("logout")).out, /Not logged in/);
  } finally {
    await t.close();
    await cleanSrc();
    await cleanDst();
    await cleanWork();
  }
});

Deno.test("server-util says clearly when no server answers or the folder has none", async () => {
  const [empty, clean] = await tempDir();
  try {
    // A data folder no server has used.
    const none = await runMain(["server-util", "list-backups", `--server-datafolder=${empty}`]);
    assert.equal(none.code, 100);
    assert.match(
      none.err,
      /No Duplicati server answers at http:\/\/127\.0\.0\.1:8200\/|No Duplicati server has used/,
    );
    // A server that stopped: its recorded port no longer answers.
    const t = await startTestServer();
    const df = `--server-datafolder=${t.dataFolder}`;
    const port = t.server.port;
    assert.equal((await runMain(["server-util", "health", df])).code, 0);
    await t.server.close();
    const down = await runMain(["server-util", "health", df]);
    assert.notEqual(down.code, 0);
    assert.match(
      down.err,
      new RegExp(`No Duplicati server answers at http://127\\.0\\.0\\.1:${port}/`),
    );
    const status = await runMain(["server-util", "status", df]);
    assert.equal(status.code, 100);
    assert.match(status.err, /Start it with duplicati-server, or give its address with --hosturl/);
    await t.close();
    // A sign-in token of another server's folder is refused with advice.
    const a = await startTestServer();
    const b = await startTestServer();
    try {
      const wrong = await runMain([
        "server-util",
        "status",
        `--server-datafolder=${a.dataFolder}`,
        `--hosturl=http://127.0.0.1:${b.server.port}`,
      ]);
      assert.equal(wrong.code, 100);
      assert.match(wrong.err, /refused the sign-in token.*--server-datafolder/);
      const badUrl = await runMain(["server-util", "status", "--hosturl=ftp://x"]);
      assert.equal(badUrl.code, 200);
    } finally {
      await a.close();
      await b.close();
    }
  } finally {
    await clean();
  }
});
