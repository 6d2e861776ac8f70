/**
 * The WebDAV backend on a real Apache mod_dav server (plain and TLS with a certificate made for
 * the run): the conformance suite, certificate trust, and a backup/restore through the URL.
 */
import assert from "node:assert/strict";
import { isPermanent } from "../../src/backends/backend.ts";
import { openBackend, openRawBackend } from "../../src/backends/registry.ts";
import { parsePropfind } from "../../src/backends/webdav.ts";
import { ApacheWebdav } from "../servers/apache_webdav.ts";
import { runConformance } from "./conformance.ts";
import { backupAndRestoreThrough } from "./end_to_end.ts";

function target(s: ApacheWebdav, options: Record<string, string>) {
  return {
    url: `webdav://${s.hostPort}/backups/set 1`,
    options: { "auth-username": s.user, "auth-password": s.pass, ...options },
    wrongCredentials: {
      url: `webdav://${s.user}:wrong@${s.hostPort}/backups/set 1`,
      options,
    },
    stopServer: () => s.stop(),
    startServer: () => s.resume(),
    cleanup: () => s.dispose(),
  };
}

runConformance("webdav (Apache mod_dav, http)", async () => {
  const s = await ApacheWebdav.start();
  return target(s, {});
});

runConformance("webdav (Apache mod_dav, https, certificate trusted by its hash)", async () => {
  const s = await ApacheWebdav.start({ tls: true });
  return target(s, { "use-ssl": "true", "accept-specified-ssl-hash": s.cert!.sha1 });
});

Deno.test("webdav https: an untrusted certificate is refused with its hash; a wrong hash too", async () => {
  const s = await ApacheWebdav.start({ tls: true });
  const opts = {
    "use-ssl": "true",
    "auth-username": s.user,
    "auth-password": s.pass,
    "number-of-retries": "1",
    "retry-delay": "10ms",
  };
  try {
    // No trust option: the self-signed certificate fails the normal check; the error names its
    // hash and the option to trust it, and is not retried.
    let b = openBackend(`webdav://${s.hostPort}/x`, opts);
    let err = await b.list().then(() => undefined, (e) => e);
    await b.close();
    assert.ok(isPermanent(err), String(err));
    assert.match(err.message, /not trusted \(UnknownIssuer\)/);
    assert.ok(err.message.includes(`--accept-specified-ssl-hash=${s.cert!.sha1}`), err.message);

    // A hash that is not the server's: refused before any request is sent.
    b = openBackend(`webdav://${s.hostPort}/x`, {
      ...opts,
      "accept-specified-ssl-hash": "00".repeat(20),
    });
    err = await b.list().then(() => undefined, (e) => e);
    await b.close();
    assert.ok(isPermanent(err), String(err));
    assert.ok(err.message.includes(s.cert!.sha1), err.message);
    assert.match(err.message, /--accept-specified-ssl-hash=/);

    // The right hash (in colon form, lower case) and --accept-any-ssl-certificate both work.
    const colon = s.cert!.sha1.toLowerCase().match(/../g)!.join(":");
    const trusts: Record<string, string>[] = [
      { "accept-specified-ssl-hash": colon },
      { "accept-any-ssl-certificate": "" },
    ];
    for (const extra of trusts) {
      b = openBackend(`webdav://${s.hostPort}/x`, { ...opts, ...extra });
      await b.createFolder();
      assert.deepEqual(await b.list(), []);
      await b.close();
    }
  } finally {
    await s.dispose();
  }
});

Deno.test("webdav: the login comes from the URL, --auth-* options or the environment; 401 is permanent", async () => {
  const s = await ApacheWebdav.start();
  try {
    const url = `webdav://${s.hostPort}/envtest`;
    const b = openRawBackend(url, { "auth-username": s.user, "auth-password": s.pass });
    await b.createFolder();
    await b.close();
    Deno.env.set("AUTH_USERNAME", s.user);
    Deno.env.set("AUTH_PASSWORD", s.pass);
    try {
      const e = openRawBackend(url, {});
      assert.deepEqual(await e.list(), []);
      await e.close();
    } finally {
      Deno.env.delete("AUTH_USERNAME");
      Deno.env.delete("AUTH_PASSWORD");
    }
    const none = openRawBackend(url, {});
    const err = await none.list().then(() => undefined, (e) => e);
    await none.close();
    assert.ok(isPermanent(err), String(err));
    assert.match(err.message, /refused the login \(401\)/);
  } finally {
    await s.dispose();
  }
});

Deno.test("webdav: PROPFIND answers with other namespace prefixes and encodings parse", () => {
  const xml = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:">
 <d:response><d:href>/dav/my%20folder/</d:href><d:propstat><d:prop>
  <d:resourcetype><d:collection/></d:resourcetype></d:prop></d:propstat></d:response>
 <d:response><d:href>http://h:1/dav/my%20folder/a%20%26%20b.bin</d:href><d:propstat><d:prop>
  <d:resourcetype/><d:getcontentlength>42</d:getcontentlength>
  <d:getlastmodified>Wed, 25 Nov 2026 15:02:00 GMT</d:getlastmodified></d:prop></d:propstat></d:response>
 <d:response><d:href>/dav/my%20folder/sub/</d:href><d:propstat><d:prop>
  <d:resourcetype><d:collection/></d:resourcetype></d:prop></d:propstat></d:response>
</d:multistatus>`;
  const entries = parsePropfind(xml, "dav/my folder");
  assert.deepEqual(entries, [
    { name: "a & b.bin", size: 42, lastModified: new Date("2026-11-25T15:02:00Z") },
    { name: "sub", size: 0, lastModified: undefined, isFolder: true },
  ]);
});

Deno.test("end to end through webdav:// over https: two backups, restore without the database", async () => {
  const s = await ApacheWebdav.start({ tls: true });
  const work = await Deno.makeTempDir({ prefix: "webdav-e2e-" });
  try {
    await backupAndRestoreThrough(`webdav://${s.user}:${s.pass}@${s.hostPort}/e2e/backup`, {
      "use-ssl": "true",
      "accept-specified-ssl-hash": s.cert!.sha1,
    }, work);
  } finally {
    await s.dispose();
    await Deno.remove(work, { recursive: true });
  }
});
