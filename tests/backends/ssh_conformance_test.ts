/**
 * The SFTP backend on real servers started by the test: OpenSSH sshd (key logins) and
 * `rclone serve sftp` (password logins). Conformance suite, host key checking, key forms, the
 * end-to-end backup and restore.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { openBackend } from "../../src/backends/registry.ts";
import { hostKeyFingerprint } from "../../src/backends/ssh_host_key.ts";
import { isPermanent } from "../../src/backends/backend.ts";
import { runConformance } from "./conformance.ts";
import { backupAndRestoreThrough } from "./end_to_end.ts";
import { startRcloneSftp, startSshd } from "../servers/sshd.ts";

/** The Duplicati-form fingerprint of a `type base64` public key line. */
function fingerprintOf(pubLine: string): string {
  return hostKeyFingerprint(Buffer.from(pubLine.split(" ")[1], "base64")).duplicati;
}

runConformance("sftp on OpenSSH sshd, key login", async () => {
  const s = await startSshd();
  return {
    url: s.url("backup"),
    options: { "ssh-keyfile": s.keyEd25519, "ssh-fingerprint": fingerprintOf(s.hostKeyPub) },
    wrongCredentials: {
      url: s.url("backup"),
      options: { "ssh-keyfile": s.keyUnknown, "ssh-fingerprint": fingerprintOf(s.hostKeyPub) },
    },
    stopServer: () => s.stop(),
    startServer: () => s.start(),
    cleanup: () => s.dispose(),
  };
});

runConformance("sftp on rclone serve sftp, password login", async () => {
  const s = await startRcloneSftp();
  return {
    url: `ssh://127.0.0.1:${s.port}/backup`,
    options: {
      "auth-username": s.user,
      "auth-password": s.password,
      "ssh-accept-any-fingerprints": "true",
    },
    wrongCredentials: {
      url: `ssh://${s.user}:wrong@127.0.0.1:${s.port}/backup`,
      options: { "ssh-accept-any-fingerprints": "true" },
    },
    stopServer: () => s.stop(),
    startServer: () => s.start(),
    cleanup: () => s.dispose(),
  };
});

Deno.test({
  name: "sftp: host keys, key forms and logins on OpenSSH",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const s = await startSshd();
    const fp = fingerprintOf(s.hostKeyPub);
    const url = s.url("keys");
    const open = (o: Record<string, string>) =>
      openBackend(url, { "number-of-retries": "1", "retry-delay": "50ms", ...o });
    try {
      await t.step(
        "an unknown host key fails with its fingerprint and how to accept it",
        async () => {
          const b = open({ "ssh-keyfile": s.keyEd25519 });
          const err = await b.list().catch((e) => e);
          assert.ok(isPermanent(err), String(err));
          assert.ok(err.message.includes(fp), err.message);
          assert.match(err.message, /--ssh-fingerprint="ssh-ed25519 256 [0-9a-f:]{47}"/);
          assert.match(err.message, /--ssh-accept-any-fingerprints/);
          await b.close();
        },
      );
      await t.step("a wrong fingerprint is refused as a changed key", async () => {
        const b = open({
          "ssh-keyfile": s.keyEd25519,
          "ssh-fingerprint": "ssh-ed25519 256 00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff",
        });
        await assert.rejects(b.list(), /host key .* changed/);
        await b.close();
      });
      await t.step(
        "the right fingerprint in either form, an RSA PEM key, an inline key",
        async () => {
          const sha = hostKeyFingerprint(Buffer.from(s.hostKeyPub.split(" ")[1], "base64")).sha256;
          const inline = "sshkey://" + encodeURIComponent(await Deno.readTextFile(s.keyEd25519));
          for (
            const o of <Record<string, string>[]> [
              { "ssh-keyfile": s.keyEd25519, "ssh-fingerprint": fp.toUpperCase() },
              { "ssh-keyfile": s.keyRsa, "ssh-fingerprint": sha },
              { "ssh-key": inline, "ssh-accept-any-fingerprints": "true" },
            ]
          ) {
            const b = open(o);
            await b.createFolder();
            assert.deepEqual(await b.list(), []);
            const q = await b.quota?.();
            assert.ok(q && q.total > 0 && q.free >= 0, JSON.stringify(q));
            await b.close();
          }
        },
      );
      await t.step("a missing key file is a clear argument error", () => {
        assert.throws(
          () => open({ "ssh-keyfile": join(s.dir, "nope") }),
          /Cannot read the key file given with --ssh-keyfile/,
        );
      });
    } finally {
      await s.dispose();
    }
  },
});

Deno.test({
  name: "sftp end to end: two backups and a restore without the database (sshd and rclone)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const work = await Deno.makeTempDir({ prefix: "sftp-e2e-" });
    const s = await startSshd();
    const r = await startRcloneSftp();
    try {
      await backupAndRestoreThrough(s.url("e2e"), {
        "ssh-keyfile": s.keyEd25519,
        "ssh-fingerprint": fingerprintOf(s.hostKeyPub),
      }, join(work, "sshd"));
      // The login from the environment, as AUTH_USERNAME/AUTH_PASSWORD.
      await backupAndRestoreThrough(
        `ssh://127.0.0.1:${r.port}/e2e`,
        {
          "ssh-fingerprint": fingerprintOf(r.hostKeyPub),
        },
        join(work, "rclone"),
        { AUTH_USERNAME: r.user, AUTH_PASSWORD: r.password },
      );
    } finally {
      await s.dispose();
      await r.dispose();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
