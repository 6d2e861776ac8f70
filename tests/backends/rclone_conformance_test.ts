/**
 * The rclone backend, running the real rclone program: on a local remote (`type = local`) and on
 * an sftp remote served by a real OpenSSH sshd started by the test (for wrong credentials and a
 * server stopped mid-transfer). Remotes are defined in a private config file given with
 * `--rclone-option="--config FILE"`, so the user's rclone configuration is never touched.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openBackend } from "../../src/backends/registry.ts";
import { splitArguments } from "../../src/backends/rclone.ts";
import { isPermanent } from "../../src/backends/backend.ts";
import { runConformance } from "./conformance.ts";
import { backupAndRestoreThrough } from "./end_to_end.ts";
import { startSshd } from "../servers/sshd.ts";

async function localRemote(dir: string): Promise<string> {
  const conf = join(dir, "rclone.conf");
  await Deno.writeTextFile(conf, "[dest]\ntype = local\n");
  return conf;
}

function sftpRemote(name: string, port: number, user: string, key: string): string {
  return [
    `[${name}]`,
    "type = sftp",
    "host = 127.0.0.1",
    `port = ${port}`,
    `user = ${user}`,
    `key_file = ${key}`,
    "md5sum_command = none",
    "sha1sum_command = none",
    "",
  ].join("\n");
}

runConformance("rclone on a local remote", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rclone-local-" });
  const conf = await localRemote(dir);
  return {
    url: `rclone://dest/${join(dir, "data")}`,
    options: { "rclone-option": `--config "${conf}"` },
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});

runConformance("rclone on an sftp remote (OpenSSH sshd)", async () => {
  const s = await startSshd();
  const conf = join(s.dir, "rclone.conf");
  await Deno.writeTextFile(
    conf,
    sftpRemote("Viasftp", s.port, s.user, s.keyEd25519) +
      sftpRemote("wrongkey", s.port, s.user, s.keyUnknown),
  );
  const opt = { "rclone-option": `--config "${conf}" --contimeout 2s --low-level-retries 1` };
  return {
    // A mixed-case remote name: rclone's names are case-sensitive.
    url: `rclone://Viasftp/${s.root}/backup`,
    options: opt,
    wrongCredentials: { url: `rclone://wrongkey/${s.root}/backup`, options: opt },
    stopServer: () => s.stop(),
    startServer: () => s.start(),
    cleanup: () => s.dispose(),
  };
});

Deno.test("rclone: unknown remote, missing program and option parsing give clear errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rclone-err-" });
  try {
    const conf = await localRemote(dir);
    const fast = { "number-of-retries": "3", "retry-delay": "10ms" };
    const unknown = openBackend("rclone://nosuchremote/x", {
      ...fast,
      "rclone-option": `--config ${conf}`,
    });
    const err = await unknown.list().catch((e) => e);
    assert.ok(isPermanent(err), String(err));
    assert.match(err.message, /no remote named "nosuchremote"/);

    const noExe = openBackend("rclone://dest/x", {
      ...fast,
      "rclone-executable": join(dir, "no-rclone-here"),
    });
    await assert.rejects(noExe.list(), /was not found: install rclone or give its path/);

    assert.deepEqual(splitArguments(`--config "/a b/c.conf" -v '--x y'`), [
      "--config",
      "/a b/c.conf",
      "-v",
      "--x y",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "rclone end to end: two backups, test all and a restore without the database",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rclone-e2e-" });
    try {
      const conf = await localRemote(dir);
      await backupAndRestoreThrough(`rclone://dest/${join(dir, "remote")}`, {
        "rclone-option": `--config ${conf}`,
      }, join(dir, "work"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
