/**
 * The FTP backend on a real pure-ftpd: the conformance suite over plain FTP and over explicit
 * TLS (a certificate made for the run, trusted by its hash), TLS refusals, and a backup/restore
 * through the URL.
 */
import assert from "node:assert/strict";
import { isPermanent } from "../../src/backends/backend.ts";
import { openBackend, openRawBackend } from "../../src/backends/registry.ts";
import { PureFtpd } from "../servers/pure_ftpd.ts";
import { runConformance } from "./conformance.ts";
import { backupAndRestoreThrough } from "./end_to_end.ts";

function target(s: PureFtpd, options: Record<string, string>) {
  return {
    url: `ftp://${s.hostPort}/backups/set 1`,
    options: { "auth-username": s.user, "auth-password": s.pass, ...options },
    wrongCredentials: { url: `ftp://${s.user}:wrong@${s.hostPort}/backups/set 1`, options },
    stopServer: () => s.stop(),
    startServer: () => s.resume(),
    cleanup: () => s.dispose(),
  };
}

runConformance("ftp (pure-ftpd, plain)", async () => {
  const s = await PureFtpd.start();
  return target(s, {});
});

runConformance(
  "ftp (pure-ftpd, explicit TLS required, certificate trusted by its hash)",
  async () => {
    const s = await PureFtpd.start({ tlsRequired: true });
    return target(s, {
      "ftp-encryption-mode": "Explicit",
      "accept-specified-ssl-hash": s.cert.sha1,
    });
  },
);

Deno.test("ftps: untrusted or wrong certificates are refused before the login, clearly", async () => {
  const s = await PureFtpd.start({ tlsRequired: true });
  const base = {
    "auth-username": s.user,
    "auth-password": s.pass,
    "number-of-retries": "1",
    "retry-delay": "10ms",
  };
  try {
    const url = `ftp://${s.hostPort}/x`;
    for (
      const opts of [
        { ...base, "ftp-encryption-mode": "Explicit" },
        { ...base, "use-ssl": "true", "accept-specified-ssl-hash": "AB".repeat(20) },
      ]
    ) {
      const b = openBackend(url, opts);
      const err = await b.list().then(() => undefined, (e) => e);
      await b.close();
      assert.ok(isPermanent(err), String(err));
      // The message names the server's certificate hash and the option that trusts it.
      assert.ok(err.message.includes(`--accept-specified-ssl-hash=${s.cert.sha1}`), err.message);
    }
    // The server requires TLS: a plain login is refused with the server's answer.
    const plain = openRawBackend(url, base);
    const err = await plain.list().then(() => undefined, (e) => e);
    await plain.close();
    assert.ok(err instanceof Error);
    // --use-ssl alone means explicit TLS (Duplicati's older option), --accept-any-ssl-certificate.
    const ok = openRawBackend(url, { ...base, "use-ssl": "", "accept-any-ssl-certificate": "" });
    await ok.createFolder();
    assert.deepEqual(await ok.list(), []);
    await ok.close();
  } finally {
    await s.dispose();
  }
});

Deno.test("ftp: active mode is refused with what to use instead; the path may be absolute", async () => {
  assert.throws(
    () => openRawBackend("ftp://127.0.0.1:1/x", { "ftp-data-connection-type": "PORT" }),
    /not supported\. Use AutoPassive, PASV or EPSV/,
  );
  const s = await PureFtpd.start();
  try {
    // pure-ftpd chroots the user to its home, so the absolute and the relative path agree.
    const opts = { "auth-username": s.user, "auth-password": s.pass, "ftp-absolute-path": "" };
    const b = openRawBackend(`ftp://${s.hostPort}/abs/dir`, opts);
    await b.createFolder();
    const f = await Deno.makeTempFile();
    await Deno.writeTextFile(f, "hello");
    await b.put("h.txt", f);
    await b.close();
    assert.equal(await Deno.readTextFile(`${s.root}/abs/dir/h.txt`), "hello");
    await Deno.remove(f);
  } finally {
    await s.dispose();
  }
});

Deno.test("end to end through ftp:// with explicit TLS: two backups, restore without the database", async () => {
  const s = await PureFtpd.start({ tlsRequired: true });
  const work = await Deno.makeTempDir({ prefix: "ftp-e2e-" });
  try {
    await backupAndRestoreThrough(`ftp://${s.user}:${s.pass}@${s.hostPort}/e2e/backup`, {
      "ftp-encryption-mode": "Explicit",
      "accept-specified-ssl-hash": s.cert.sha1,
    }, work);
  } finally {
    await s.dispose();
    await Deno.remove(work, { recursive: true });
  }
});
