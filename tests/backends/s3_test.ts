/**
 * The S3 backend on a real OpenStack Swift with s3api (it checks SigV4 signatures and makes real
 * multipart uploads): the conformance suite, virtual-host addressing, paged listings, multipart,
 * bucket creation, and a backup/restore through the URL. One Swift serves the whole file (it
 * takes seconds to start); each test uses its own bucket.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FolderMissingError, isPermanent } from "../../src/backends/backend.ts";
import { HttpTransport } from "../../src/backends/http.ts";
import { openBackend, openRawBackend } from "../../src/backends/registry.ts";
import { S3Backend, type S3Config } from "../../src/backends/s3.ts";
import { sha256Hex, signRequest } from "../../src/backends/sigv4.ts";
import { SwiftS3 } from "../servers/swift_s3.ts";
import { TcpGate } from "../servers/tcp_gate.ts";
import { randomFile, runConformance, sha256File } from "./conformance.ts";
import { backupAndRestoreThrough } from "./end_to_end.ts";

/** Name served for virtual-host addressing: `<bucket>.s3.test`. */
const DOMAIN = "s3.test";
/**
 * The tests of this file that use the server; the last one to finish stops it (and if a filter
 * skips some, the server helpers kill it when the test process ends).
 */
let users = 7;
let server: Promise<SwiftS3> | undefined;
function swift(): Promise<SwiftS3> {
  server ??= SwiftS3.start({ storageDomain: DOMAIN });
  return server;
}
async function release(): Promise<void> {
  if (--users === 0 && server) await (await server).dispose();
}

function creds(s: SwiftS3): Record<string, string> {
  return {
    "s3-server-name": s.hostPort,
    "aws-access-key-id": s.accessKey,
    "aws-secret-access-key": s.secretKey,
  };
}

// Swift's proxy needs 3-6 s to start again, longer than the suite's healing window, so the
// suite reaches it through a TCP gate that it can shut (refusing and breaking connections, as a
// stopped server does) and open again at once. Everything else is the real server.
runConformance("s3 (Swift s3api, path-style)", async () => {
  const s = await swift();
  const gate = TcpGate.open(s.port);
  const options = { ...creds(s), "s3-server-name": `127.0.0.1:${gate.port}` };
  return {
    url: "s3://conformance/backups/set 1",
    options,
    wrongCredentials: {
      url: "s3://conformance/backups/set 1",
      options: { ...options, "aws-secret-access-key": "wrong" },
    },
    stopServer: () => gate.shut(),
    startServer: () => gate.reopen(),
    cleanup: async () => {
      await gate.shut();
      await release();
    },
  };
});

Deno.test("s3: credentials from --auth-* or the URL; none gives a clear error", async () => {
  try {
    const s = await swift();
    const base = { "s3-server-name": s.hostPort };
    const viaAuth = openRawBackend("s3://authbucket", {
      ...base,
      "auth-username": s.accessKey,
      "auth-password": s.secretKey,
    });
    await viaAuth.createFolder();
    await viaAuth.close();
    // In s3://key:secret@bucket/prefix the host is the bucket.
    const inUrl = `s3://${encodeURIComponent(s.accessKey)}:${s.secretKey}@authbucket/p`;
    const viaUrl = openRawBackend(inUrl, base);
    assert.deepEqual(await viaUrl.list(), []);
    await viaUrl.close();
    assert.throws(() => openRawBackend("s3://authbucket", base), /--aws-access-key-id/);
    assert.throws(
      () => openRawBackend("s3://authbucket", { ...base, "aws-access-key-id": "x" }),
      /--aws-secret-access-key/,
    );
  } finally {
    await release();
  }
});

Deno.test("s3: a missing bucket is FolderMissingError (not retried); createFolder makes it", async () => {
  try {
    const s = await swift();
    const b = openBackend("s3://fresh-bucket/deep/prefix", {
      ...creds(s),
      "number-of-retries": "3",
    });
    const err = await b.list().then(() => undefined, (e) => e);
    assert.ok(err instanceof FolderMissingError, String(err));
    assert.ok(isPermanent(err));
    await b.createFolder();
    await b.createFolder(); // the bucket exists and is ours: fine
    assert.deepEqual(await b.list(), []);
    await b.close();
    // An invalid bucket name is refused for good.
    const bad = openBackend("s3://b1", { ...creds(s), "number-of-retries": "3" });
    const e2 = await bad.createFolder().then(() => undefined, (e) => e);
    await bad.close();
    assert.ok(isPermanent(e2), String(e2));
  } finally {
    await release();
  }
});

Deno.test("s3: listings are paged; only names under the prefix are listed", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const s = await swift();
    const b = openBackend("s3://paging/a/b", { ...creds(s), "s3-list-page-size": "2" });
    const other = openBackend("s3://paging/a/other", creds(s));
    await b.createFolder();
    const f = await randomFile(tmp, 10);
    const names = ["1.bin", "2.bin", "3.bin", "4.bin", "5.bin"];
    for (const n of names) await b.put(n, f.path);
    await other.put("not-mine.bin", f.path);
    assert.deepEqual((await b.list()).map((e) => e.name).sort(), names);
    await b.close();
    await other.close();
  } finally {
    await Deno.remove(tmp, { recursive: true });
    await release();
  }
});

/** The ETag of an object, by a HEAD request signed here (the server checks the signature). */
async function etagOf(s: SwiftS3, path: string): Promise<string> {
  const signed = signRequest(
    { accessKeyId: s.accessKey, secretAccessKey: s.secretKey, region: s.region },
    {
      method: "HEAD",
      host: s.hostPort,
      path,
      query: [],
      headers: {},
      payloadHash: sha256Hex(""),
    },
  );
  const r = await fetch(`${s.endpoint}${path}`, { method: "HEAD", headers: signed });
  await r.body?.cancel();
  assert.equal(r.status, 200, `HEAD ${path}`);
  return r.headers.get("etag") ?? "";
}

Deno.test("s3: files over --s3-multipart-size go up in parts (real multipart ETag)", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const s = await swift();
    const b = openBackend("s3://multipart/x", { ...creds(s), "s3-multipart-size": "5mb" });
    await b.createFolder();
    const f = await randomFile(tmp, 12 * 1024 * 1024 + 3);
    await b.put("big.bin", f.path);
    const small = await randomFile(tmp, 1000);
    await b.put("small.bin", small.path);
    await b.get("big.bin", join(tmp, "back"));
    assert.equal(await sha256File(join(tmp, "back")), f.sha256);
    await b.close();
    // 12 MB in 5 MB parts: three parts, and S3 marks such objects' ETag with "-3".
    assert.match(await etagOf(s, "/multipart/x/big.bin"), /-3"?$/);
    assert.doesNotMatch(await etagOf(s, "/multipart/x/small.bin"), /-\d+"?$/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
    await release();
  }
});

Deno.test("s3: virtual-host addressing puts the bucket in the host name", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const s = await swift();
    // Nothing resolves <bucket>.s3.test here, so the transport connects every request to the
    // server's address (like curl --connect-to); the Host header and signature carry the name.
    const cfg: S3Config = {
      bucket: "vhost",
      prefix: "p/",
      server: `${DOMAIN}:${s.port}`,
      useSsl: false,
      pathStyle: false,
      region: s.region,
      accessKeyId: s.accessKey,
      secretAccessKey: s.secretKey,
      partSize: 5 * 1024 * 1024,
      pageSize: 1000,
    };
    const seen: string[] = [];
    const transport = new HttpTransport({ connectTo: { hostname: "127.0.0.1", port: s.port } });
    const request = transport.request.bind(transport);
    transport.request = (req) => {
      seen.push(new URL(req.url).host);
      return request(req);
    };
    const b = new S3Backend(cfg, transport);
    await b.createFolder();
    const f = await randomFile(tmp, 777);
    await b.put("v.bin", f.path);
    assert.deepEqual((await b.list()).map((e) => [e.name, e.size]), [["v.bin", 777]]);
    await b.close();
    assert.ok(
      seen.length >= 3 && seen.every((h) => h === `vhost.${DOMAIN}:${s.port}`),
      seen.join(),
    );
    // The object really is in bucket "vhost" (a path-style request finds it).
    await etagOf(s, "/vhost/p/v.bin");
  } finally {
    await Deno.remove(tmp, { recursive: true });
    await release();
  }
});

Deno.test("s3: SigV4 matches the example in Amazon's documentation", () => {
  // "GET Object" example of the S3 API reference (Signature Version 4, header based).
  const h = signRequest(
    {
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      region: "us-east-1",
    },
    {
      method: "GET",
      host: "examplebucket.s3.amazonaws.com",
      path: "/test.txt",
      query: [],
      headers: { range: "bytes=0-9" },
      payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    },
    new Date("2013-05-24T00:00:00Z"),
  );
  assert.equal(
    h.authorization,
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
  );
});

Deno.test("end to end through s3://: two backups, restore without the database", async () => {
  const work = await Deno.makeTempDir({ prefix: "s3-e2e-" });
  try {
    const s = await swift();
    await backupAndRestoreThrough("s3://e2e-bucket/backup/one", creds(s), work);
  } finally {
    await Deno.remove(work, { recursive: true });
    await release();
  }
});
