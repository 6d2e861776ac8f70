import assert from "node:assert/strict";
import { BACKENDS, buildUrl, maskUrl, parseUrl } from "../../ui/lib/backend_url.ts";

Deno.test("every backend form builds a URL that parses back to the same form", () => {
  const samples: Record<string, Record<string, string>> = {
    file: { path: "/mnt/backup/my docs" },
    ssh: {
      server: "nas.local",
      port: "2222",
      path: "backups/laptop",
      username: "me",
      password: "p&w=1",
      fingerprint: "ssh-ed25519 256 ab:cd",
    },
    webdav: {
      server: "dav.example.com",
      path: "remote.php/webdav",
      username: "u",
      password: "p",
      ssl: "true",
    },
    ftp: { server: "127.0.0.1", port: "2121", path: "b", username: "u", password: "p" },
    s3: {
      bucket: "my-bucket",
      path: "laptop",
      s3server: "127.0.0.1:8080",
      region: "us-east-1",
      username: "AK",
      password: "SK",
    },
    rclone: { remote: "gdrive", path: "dup", local: "local", executable: "/usr/bin/rclone" },
  };
  for (const def of BACKENDS.filter((b) => b.kind !== "custom")) {
    const values = samples[def.kind];
    assert.ok(values, def.kind);
    const url = buildUrl(def.kind, values);
    const back = parseUrl(url);
    assert.equal(back.kind, def.kind, url);
    assert.deepEqual(back.values, values, url);
  }
});

Deno.test("URLs look like Duplicati's", () => {
  assert.equal(buildUrl("file", { path: "/mnt/b" }), "file:///mnt/b");
  assert.equal(buildUrl("file", { path: "C:\\Backup" }), "file://C:\\Backup");
  assert.equal(
    buildUrl("ssh", { server: "h", port: "22", path: "/x/y", username: "me", password: "" }),
    "ssh://h:22/x/y?auth-username=me",
  );
  assert.equal(
    buildUrl("s3", { bucket: "b", path: "", username: "a", password: "s", ssl: "" }),
    "s3://b/?auth-username=a&auth-password=s",
  );
  assert.equal(buildUrl("webdav", { server: "h", path: "d", extra: "?x=1" }), "webdav://h/d?x=1");
  assert.equal(buildUrl("custom", { url: " ftp://x/y " }), "ftp://x/y");
});

Deno.test("a missing required field names the field", () => {
  assert.throws(() => buildUrl("file", { path: " " }), /Folder path/);
  assert.throws(() => buildUrl("ssh", { path: "x" }), /Server/);
  assert.throws(() => buildUrl("s3", { bucket: "b", username: "a" }), /Secret access key/);
  assert.throws(() => buildUrl("custom", {}), /Storage URL/);
});

Deno.test("unknown or hand-made URLs fall back to the custom form", () => {
  assert.deepEqual(parseUrl("b2://bucket/x"), { kind: "custom", values: { url: "b2://bucket/x" } });
  assert.equal(parseUrl("ssh://me:pw@host/x").kind, "custom");
  assert.deepEqual(parseUrl("/plain/path"), { kind: "file", values: { path: "/plain/path" } });
  assert.deepEqual(parseUrl(""), { kind: "file", values: { path: "" } });
  assert.deepEqual(parseUrl("ssh://h/x?ssh-keyfile=/k&timeout=5"), {
    kind: "ssh",
    values: { keyfile: "/k", path: "x", server: "h", extra: "timeout=5" },
  });
});

Deno.test("maskUrl hides passwords and secrets but keeps the rest", () => {
  assert.equal(
    maskUrl("ssh://h/x?auth-username=me&auth-password=secret&ssh-keyfile=/k"),
    "ssh://h/x?auth-username=me&auth-password=***&ssh-keyfile=/k",
  );
  assert.equal(maskUrl("ftp://me:pw@host/x"), "ftp://me:***@host/x");
  assert.equal(maskUrl("s3://b/?s3-secret-key=abc&x=1"), "s3://b/?s3-secret-key=***&x=1");
});
