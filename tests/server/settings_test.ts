// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { join } from "node:path";
import { Client, TEST_PASSWORD, until, withServer } from "../helpers/server.ts";
import { put, tempDir } from "../helpers/tree.ts";

Deno.test("server settings: masked, guarded, default options checked, password change signs out", async () => {
  await withServer(async ({ client, server }) => {
    const s = await client.get("/api/v1/serversettings");
    assert.equal(s.status, 200);
    for (const k of ["pbkdf-config", "jwt-config", "server-passphrase"]) {
      assert.ok(!(k in s.body), k);
    }
    const p = await client.patch("/api/v1/serversettings", {
      "--keep-versions": "7",
      "--passphrase": "default-secret",
      "allowed-hostnames": "nas.local",
      "server-timezone": "Europe/Berlin",
    });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    const s2 = (await client.get("/api/v1/serversettings")).body;
    assert.equal(s2["--keep-versions"], "7");
    assert.equal(s2["--passphrase"], "**********");
    assert.equal(s2["allowed-hostnames"], "nas.local");
    assert.deepEqual(server.ctx.allowedHostnames(), ["nas.local"]);
    assert.equal(server.ctx.timeZone(), "Europe/Berlin");
    assert.equal((await client.get("/api/v1/serversetting/--keep-versions")).body, "7");
    assert.equal((await client.get("/api/v1/serversetting/jwt-config")).status, 404);

    for (
      const [body, re] of [
        [{ "--dblock-size": "huge" }, /dblock-size/],
        [{ "jwt-config": "x" }, /Cannot update/],
        [{ "server-timezone": "Mars/Olympus" }, /time zone/],
        [{ "--keep-versions": { nested: true } }, /must be text/],
      ] as [unknown, RegExp][]
    ) {
      const r = await client.patch("/api/v1/serversettings", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.Error, re);
    }
    assert.equal(
      (await client.request("PATCH", "/api/v1/serversettings", undefined, { raw: "[1," })).status,
      400,
    );
    // The rejected PATCH changed nothing.
    assert.equal((await client.get("/api/v1/serversettings")).body["--keep-versions"], "7");

    const defaults = (await client.get("/api/v1/backupdefaults")).body;
    assert.ok(
      defaults.ApplicationOptions.some((o: any) => o.Name === "--keep-versions" && o.Value === "7"),
    );
    assert.equal(defaults.data.Schedule.Repeat, "1D");

    assert.equal(
      (await client.put("/api/v1/serversetting/server-passphrase", "new-password-1")).status,
      200,
    );
    assert.equal((await client.get("/api/v1/backups")).status, 401);
    const c2 = new Client(client.base);
    assert.equal((await c2.login(TEST_PASSWORD)).status, 401);
    assert.equal((await c2.login("new-password-1")).status, 200);
    assert.equal((await c2.put("/api/v1/serversetting/server-passphrase", "")).status, 400);
  });
});

Deno.test("UI storage, system info (the options registry) and filter groups", async () => {
  await withServer(async ({ client }) => {
    assert.deepEqual(
      (await client.patch("/api/v1/uisettings/ngclient", { theme: "dark", x: "1" })).body,
      {
        theme: "dark",
        x: "1",
      },
    );
    assert.deepEqual((await client.patch("/api/v1/uisettings/ngclient", { x: null })).body, {
      theme: "dark",
    });
    assert.deepEqual((await client.get("/api/v1/uisettings")).body, ["ngclient"]);
    assert.deepEqual((await client.get("/api/v1/uisettings/other")).body, {});
    const info = (await client.get("/api/v1/systeminfo")).body;
    assert.equal(info.PasswordPlaceholder, "**********");
    const pass = info.Options.find((o: any) => o.Name === "passphrase");
    assert.equal(pass.Type, "Password");
    const dblock = info.Options.find((o: any) => o.Name === "dblock-size");
    assert.equal(dblock.Type, "Size");
    assert.ok(dblock.ShortDescription.length > 10);
    assert.ok(info.BackendModules.some((m: any) => m.Key === "file"));
    assert.ok(info.Options.length > 100);
    const groups = (await client.get("/api/v1/systeminfo/filtergroups")).body;
    assert.ok(Object.keys(groups.FilterGroups).length >= 4);
  });
});

Deno.test("file system browsing and validation", async () => {
  const [dir, clean] = await tempDir();
  try {
    put(dir, "sub/inner.txt", "x");
    put(dir, "file.txt", "hello");
    put(dir, ".hidden", "h");
    await withServer(async ({ client }) => {
      const all = await client.post("/api/v1/filesystem", { path: dir });
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.map((e: any) => e.id), [
        join(dir, "sub") + "/",
        join(dir, "file.txt"),
      ]);
      assert.equal(all.body[0].leaf, false);
      assert.equal(all.body[1].fileSize, 5);
      const folders = await client.post("/api/v1/filesystem?onlyFolders=true&showHidden=true", {
        path: dir,
      });
      assert.deepEqual(folders.body.map((e: any) => e.text), ["sub"]);
      const hidden = await client.post("/api/v1/filesystem?showHidden=true", { path: dir + "/" });
      assert.ok(hidden.body.some((e: any) => e.text === ".hidden" && e.hidden));
      const missing = await client.post("/api/v1/filesystem", { path: join(dir, "nope") });
      assert.equal(missing.status, 400);
      assert.match(missing.body.Error, /does not exist/);
      assert.equal((await client.post("/api/v1/filesystem/validate", { path: dir })).status, 200);
      assert.equal(
        (await client.post("/api/v1/filesystem/validate", { path: join(dir, "nope") })).status,
        404,
      );
      assert.equal((await client.post("/api/v1/filesystem/validate", {})).status, 400);
    });
  } finally {
    await clean();
  }
});

Deno.test("destination test: missing folder, creating it, and bad URLs", async () => {
  const [dir, clean] = await tempDir();
  try {
    await withServer(async ({ client }) => {
      const target = join(dir, "dest");
      const r = await client.post("/api/v1/remoteoperation/test", { path: `file://${target}` });
      assert.equal(r.status, 400);
      assert.equal(r.body.Error, "missing-folder");
      const created = await client.post("/api/v1/remoteoperation/test?autocreate=true", {
        path: `file://${target}`,
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.ok(Deno.statSync(target).isDirectory);
      assert.equal(
        (await client.post("/api/v1/remoteoperation/test", { path: `file://${target}` })).status,
        200,
      );
      const bad = await client.post("/api/v1/remoteoperation/test", { path: "gopher://x/y" });
      assert.equal(bad.status, 400);
      assert.match(bad.body.Error, /not supported/);
      assert.equal((await client.post("/api/v1/remoteoperation/test", {})).status, 400);
      const db = await client.post("/api/v1/remoteoperation/dbpath", { path: `file://${target}` });
      assert.equal(db.status, 200);
      assert.match(db.body.Path, /\.sqlite$/);
    });
  } finally {
    await clean();
  }
});

Deno.test("command line runs inside the server and shows its output", async () => {
  await withServer(async ({ client }) => {
    assert.ok((await client.get("/api/v1/commandline")).body.includes("backup"));
    assert.equal((await client.post("/api/v1/commandline", "help")).status, 400);
    const id = (await client.post("/api/v1/commandline", ["help", "backup"])).body.ID;
    const page = await until(
      async () => {
        const p = (await client.get(`/api/v1/commandline/${id}?offset=0&pagesize=1000`)).body;
        return p.Finished ? p : undefined;
      },
      60_000,
      200,
    );
    assert.ok(page, "the command did not finish");
    assert.ok(page.Items.join("\n").includes("backup"), page.Items.join("\n"));
    assert.equal(page.Items.at(-1), "Return code: 0");
    assert.equal((await client.get("/api/v1/commandline/nope")).status, 404);
  });
});

Deno.test("the web UI is served at / (single-page paths too) unless --webservice-api-only", async () => {
  await withServer(async ({ client }) => {
    const anon = new Client(client.base);
    const index = await fetch(`${client.base}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type")!, /text\/html/);
    const html = await index.text();
    assert.match(html, /<html/);
    const etag = index.headers.get("etag")!;
    const again = await fetch(`${client.base}/`, { headers: { "If-None-Match": etag } });
    assert.equal(again.status, 304);
    await again.body?.cancel();
    const spa = await fetch(`${client.base}/backup/1/general`);
    assert.equal(await spa.text(), html);
    const missing = await fetch(`${client.base}/nope.png`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    assert.equal((await anon.get("/health")).body.Status, "OK");
  });
  await withServer(async ({ client }) => {
    const r = await fetch(`${client.base}/`);
    assert.equal(r.status, 404);
    await r.body?.cancel();
    assert.equal((await client.get("/api/v1/backups")).status, 200);
  }, ["--webservice-api-only"]);
});
