import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Client, startTestServer, withServer } from "../helpers/server.ts";

const SECRET = "s3cret-Passphrase!";
const URL_PW = "hunter2-url-pw";

function body(name = "Documents", extra: Record<string, unknown> = {}) {
  return {
    Backup: {
      Name: name,
      Description: "my files",
      Tags: ["home"],
      TargetURL:
        `ssh://alice:${URL_PW}@nas.local/backups?auth-password=${URL_PW}&ssh-fingerprint=abc`,
      Sources: ["/home/alice/Documents/"],
      Settings: [
        { Name: "encryption-module", Value: "aes" },
        { Name: "passphrase", Value: SECRET },
        { Name: "dblock-size", Value: "50mb" },
        { Name: "--keep-versions", Value: "5" },
      ],
      Filters: [{ Order: 0, Include: false, Expression: "*.tmp" }],
      ...extra,
    },
    Schedule: { Repeat: "1D", Time: "2026-01-01T13:00:00Z", AllowedDays: ["mon", "wed", "fri"] },
  };
}

function noSecrets(text: string) {
  assert.ok(!text.includes(SECRET), "passphrase leaked");
  assert.ok(!text.includes(URL_PW), "URL password leaked");
}

Deno.test("create, list, get, update and delete a backup; secrets are masked in every answer", async () => {
  await withServer(async ({ client, server }) => {
    const created = await client.post("/api/v1/backups", body());
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.ID;
    assert.equal(created.body.Temporary, false);

    const list = await client.get("/api/v1/backups");
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 1);
    noSecrets(JSON.stringify(list.body));
    const entry = list.body[0];
    assert.equal(entry.Backup.Name, "Documents");
    assert.match(
      entry.Backup.TargetURL,
      /^ssh:\/\/alice:\*{10}@nas\.local\/backups\?auth-password=\*{10}&ssh-fingerprint=abc$/,
    );
    assert.equal(
      entry.Backup.Settings.find((s: { Name: string }) => s.Name === "passphrase").Value,
      "**********",
    );
    assert.equal(entry.Backup.IsUnencryptedOrPassphraseStored, true);
    assert.deepEqual(entry.Schedule.AllowedDays, ["mon", "wed", "fri"]);
    assert.equal(entry.Schedule.Repeat, "1D");
    assert.deepEqual(entry.Schedule.Tags, [`ID=${id}`]);

    const one = await client.get(`/api/v1/backup/${id}`);
    assert.equal(one.status, 200);
    noSecrets(JSON.stringify(one.body));
    assert.ok(one.body.DisplayNames);
    assert.equal(one.body.Backup.DBPathExists, false);
    assert.ok(one.body.Backup.DBPath.startsWith(server.ctx.dataFolder));

    // Sending the masked values back keeps the stored secrets; other fields change.
    const edited = structuredClone(one.body);
    edited.Backup.Description = "changed";
    const put = await client.put(`/api/v1/backup/${id}`, {
      Backup: edited.Backup,
      Schedule: edited.Schedule,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const stored = server.ctx.db.backup(id)!;
    assert.equal(stored.Description, "changed");
    assert.equal(stored.Settings.find((s) => s.Name === "passphrase")!.Value, SECRET);
    assert.ok(stored.TargetURL.includes(`alice:${URL_PW}@`));
    assert.ok(stored.TargetURL.includes(`auth-password=${URL_PW}`));
    assert.equal(server.ctx.db.scheduleFor(id)!.Repeat, "1D");

    // Removing the schedule.
    assert.equal(
      (await client.put(`/api/v1/backup/${id}`, { Backup: edited.Backup, Schedule: null })).status,
      200,
    );
    assert.equal((await client.get(`/api/v1/backup/${id}`)).body.Schedule, null);

    assert.equal((await client.delete(`/api/v1/backup/${id}`)).status, 200);
    assert.equal((await client.get(`/api/v1/backup/${id}`)).status, 404);
    assert.equal((await client.get("/api/v1/backups")).body.length, 0);
  });
});

Deno.test("bad bodies and values get 400 with a message that says what is wrong", async () => {
  await withServer(async ({ client }) => {
    const cases: [unknown, RegExp][] = [
      [{}, /Backup/],
      [{ Backup: { TargetURL: "file:///tmp/x" } }, /Name is required/],
      [{ Backup: { Name: "x" } }, /TargetURL is required/],
      [
        { Backup: { Name: "x", TargetURL: "file:///x", Sources: "not a list" } },
        /Sources must be a list/,
      ],
      [body("a", { Settings: [{ Name: "dblock-size", Value: "huge" }] }), /dblock-size/],
      [body("b", { Settings: [{ Name: "no-encryption", Value: "maybe" }] }), /no-encryption/],
      [
        body("c", { Filters: [{ Order: 0, Include: true, Expression: "[unclosed(]" }] }),
        /Filters\[0\]/,
      ],
      [{ ...body("d"), Schedule: { Repeat: "often" } }, /repeat/i],
      [{ ...body("e"), Schedule: { Repeat: "1D", AllowedDays: ["someday"] } }, /weekday/],
      [{ ...body("f"), Schedule: { Repeat: "1D", Time: "not a time" } }, /Schedule.Time/],
    ];
    for (const [b, re] of cases) {
      const r = await client.post("/api/v1/backups", b);
      assert.equal(r.status, 400, JSON.stringify(b));
      assert.equal(r.body.Code, 400);
      assert.match(r.body.Error, re);
    }
    const bad = await client.request("POST", "/api/v1/backups", undefined, { raw: '{"Backup": ' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.Error, /not valid JSON/);
    assert.equal((await client.post("/api/v1/backups", body("same"))).status, 200);
    const dup = await client.post("/api/v1/backups", body("same"));
    assert.equal(dup.status, 400);
    assert.match(dup.body.Error, /already exists/);
    assert.equal((await client.get("/api/v1/backup/999")).status, 404);
    assert.equal((await client.get("/api/v1/backup/abc")).status, 404);
    assert.equal((await client.put("/api/v1/backup/999", body("zz"))).status, 404);
    assert.equal((await client.get("/api/v1/nosuchroute")).status, 404);
  });
});

Deno.test("export (plain and encrypted) and import round-trip; passwords only on request", async () => {
  await withServer(async ({ client }) => {
    const id = (await client.post("/api/v1/backups", body())).body.ID;
    const noToken = await client.get(`/api/v1/backup/${id}/export`);
    assert.equal(noToken.status, 401);
    const tok = async () => (await client.post("/api/v1/auth/issuetoken/export")).body.Token;
    const plain = await fetch(`${client.base}/api/v1/backup/${id}/export?token=${await tok()}`);
    assert.equal(plain.status, 200);
    assert.match(plain.headers.get("content-disposition")!, /Documents-duplicati-config\.json$/);
    const text = await plain.text();
    noSecrets(text);
    const cfg = JSON.parse(text);
    assert.equal(cfg.Backup.Name, "Documents");
    assert.equal(cfg.Schedule.Repeat, "1D");

    const enc = await fetch(
      `${client.base}/api/v1/backup/${id}/export?export-passwords=true&passphrase=pw123&token=${await tok()}`,
    );
    const bytes = new Uint8Array(await enc.arrayBuffer());
    assert.equal(new TextDecoder().decode(bytes.slice(0, 3)), "AES");
    assert.match(enc.headers.get("content-disposition")!, /\.json\.aes$/);
    const b64 = btoa(String.fromCharCode(...bytes));
    const wrong = await client.post("/api/v1/backups/import", { config: b64, passphrase: "nope" });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.Error, /passphrase/);
    const imp = await client.post("/api/v1/backups/import", { config: b64, passphrase: "pw123" });
    assert.equal(imp.status, 200, JSON.stringify(imp.body));
    const again = await client.get(`/api/v1/backup/${imp.body.ID}`);
    assert.equal(again.body.Backup.Name, "Documents (2)");
    assert.equal(again.body.Schedule.Repeat, "1D");
    // The passwords came along (masked in the answer, stored in the database).
    assert.equal(
      again.body.Backup.Settings.find((s: { Name: string }) => s.Name === "passphrase").Value,
      "**********",
    );
    const cmd = await client.get(`/api/v1/backup/${id}/export-cmdline`);
    assert.match(cmd.body.Command, /^duplicati-cli backup /);
    noSecrets(cmd.body.Command);
    const args = await client.get(`/api/v1/backup/${id}/export-argsonly?export-passwords=true`);
    assert.ok(args.body.Options.includes(`--passphrase=${SECRET}`));
    assert.equal((await client.get(`/api/v1/backup/${id}/isactive`)).body.Active, false);
    assert.equal((await client.get(`/api/v1/backup/${id}/isdbusedelsewhere`)).body.InUse, false);
    assert.equal((await client.post("/api/v1/backups/import", { config: "!!" })).status, 400);
  });
});

Deno.test("with a settings key, secrets are encrypted at rest; the key is required afterwards", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const args = ["--settings-encryption-key=a-long-settings-key"];
    const t = await startTestServer(args, { dataFolder: dir });
    try {
      await t.client.login();
      assert.equal((await t.client.post("/api/v1/backups", body())).status, 200);
    } finally {
      await t.close();
    }
    const raw = new DatabaseSync(join(dir, "Duplicati-server.sqlite"));
    const dump = JSON.stringify([
      raw.prepare("SELECT * FROM Option").all(),
      raw.prepare("SELECT * FROM Backup").all(),
    ]);
    raw.close();
    noSecrets(dump);
    assert.match(dump, /enc-v1:/);
    await assert.rejects(
      () => startTestServer([], { dataFolder: dir }),
      /encrypted settings but no key/,
    );
    await assert.rejects(
      () => startTestServer(["--settings-encryption-key=another-key"], { dataFolder: dir }),
      /does not match/,
    );
    const t2 = await startTestServer([], {
      dataFolder: dir,
      env: { SETTINGS_ENCRYPTION_KEY: "a-long-settings-key" },
    });
    try {
      const c = t2.client;
      await c.login();
      const b = (await c.get("/api/v1/backups")).body[0];
      assert.equal(b.Backup.Name, "Documents");
      assert.equal(
        t2.server.ctx.db.backup(b.Backup.ID)!.Settings.find((s) => s.Name === "passphrase")!.Value,
        SECRET,
      );
    } finally {
      await t2.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a second server on the same data folder is refused with a clear message", async () => {
  const t = await startTestServer();
  try {
    await assert.rejects(
      () => startTestServer([], { dataFolder: t.dataFolder }),
      /Another Duplicati server is already running with the data folder/,
    );
    assert.equal((await new Client(t.client.base).get("/health")).status, 200);
  } finally {
    await t.close();
  }
});
