/**
 * The server's update check: `/updates/check` and the daily timer fill `UpdatedVersion` in
 * `/serverstate`, `/updates/download` unpacks the new version beside the portable folder, the
 * result survives a restart, and --disable-update-check turns the timer off.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Client, startTestServer, until, withServer } from "../helpers/server.ts";
import {
  currentFolder,
  manifestFor,
  portableZip,
  signManifest,
  startUpdateSite,
  TARGET,
  testKeyPair,
} from "../helpers/update_server.ts";
import { ServerDatabase } from "../../src/server/database.ts";
import { ServerEvents } from "../../src/server/events.ts";
import { UpdateChecker } from "../../src/server/update_checker.ts";

const KEYS = testKeyPair();

async function site(version = "0.2.0") {
  const build = await Deno.makeTempDir({ prefix: "dup-update-build-" });
  const zip = await portableZip(build, version);
  await Deno.remove(build, { recursive: true });
  return startUpdateSite(signManifest(manifestFor(version, zip), KEYS.privateKey), zip);
}

Deno.test("server: update check fills serverstate; download unpacks beside; state survives a restart", async () => {
  const s = await site();
  const parent = await Deno.makeTempDir({ prefix: "dup-server-update-" });
  const current = await currentFolder(parent);
  const dataFolder = await Deno.makeTempDir({ prefix: "dup-server-data-" });
  const opts = { updateKeys: [KEYS.publicKey], updateProgramFolder: current, dataFolder };
  try {
    await withServer(
      async ({ client }) => {
        let st = (await client.get("/api/v1/serverstate")).body;
        assert.equal(st.UpdatedVersion, null);
        assert.equal(st.UpdaterState, "Waiting");
        assert.equal(st.UpdateCheckEnabled, true);

        const r = await client.post("/api/v1/updates/check");
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.UpdatedVersion, "0.2.0");
        st = (await client.get("/api/v1/serverstate")).body;
        assert.equal(st.UpdatedVersion, "0.2.0");
        assert.equal(st.ReleaseNotes, "https://example.org/releases/0.2.0");
        assert.equal(st.UpdateReady, false);
        assert.ok(st.LastUpdateCheck);

        const d = await client.post("/api/v1/updates/download");
        assert.equal(d.status, 200, JSON.stringify(d.body));
        st = await until(async () => {
          const b = (await client.get("/api/v1/serverstate")).body;
          return b.UpdateReady || b.UpdateError ? b : undefined;
        });
        assert.equal(st.UpdateError, null);
        assert.equal(st.UpdateReady, true);
        const folder = join(parent, `duplicati-0.2.0-${TARGET}`);
        assert.equal(st.UpdateFolder, folder);
        assert.equal(await Deno.readTextFile(join(folder, "README.txt")), "Duplicati 0.2.0\n");
        assert.equal(
          await Deno.readTextFile(join(folder, "data", "sub", "notes.txt")),
          "keep me\n",
        );
        assert.equal((await client.get("/api/v1/updates")).body.UpdateReady, true);
      },
      [`--update-url=${s.url}`],
      opts,
    );

    // A restart remembers the newer version without asking again.
    const hits = s.hits.length;
    await withServer(
      async ({ client }) => {
        const st = (await client.get("/api/v1/serverstate")).body;
        assert.equal(st.UpdatedVersion, "0.2.0");
        assert.equal(s.hits.length, hits);
      },
      [`--update-url=${s.url}`, "--disable-update-check"],
      opts,
    );
  } finally {
    await s.close();
    await Deno.remove(parent, { recursive: true });
    await Deno.remove(dataFolder, { recursive: true });
  }
});

Deno.test("server: stopping the server during a download removes the partial download", async () => {
  const s = await site();
  s.stallAfter = 1000;
  const parent = await Deno.makeTempDir({ prefix: "dup-server-update-" });
  const current = await currentFolder(parent);
  try {
    const t = await startTestServer([`--update-url=${s.url}`], {
      updateKeys: [KEYS.publicKey],
      updateProgramFolder: current,
    });
    try {
      assert.equal((await t.client.login()).status, 200);
      assert.equal((await t.client.post("/api/v1/updates/check")).status, 200);
      assert.equal((await t.client.post("/api/v1/updates/download")).status, 200);
      const st = await until(() => {
        const u = t.server.ctx.updates.state;
        return u.UpdaterState === "Downloading" && u.UpdateDownloadProgress > 0 &&
            u.UpdateDownloadProgress < 1
          ? u
          : undefined;
      });
      assert.ok(st, `the download started: ${JSON.stringify(t.server.ctx.updates.state)}`);
      const busy = await t.client.post("/api/v1/updates/check");
      assert.equal(busy.status, 409);
      // Let the first bytes land in the staging folder.
      assert.ok(
        await until(async () => {
          for await (const e of Deno.readDir(parent)) if (e.name.includes(".partial-")) return true;
          return false;
        }),
      );
    } finally {
      await t.close();
    }
    assert.equal(
      t.server.ctx.updates.state.UpdateError,
      "The download of the new version was stopped",
    );
    const left: string[] = [];
    for await (const e of Deno.readDir(parent)) left.push(e.name);
    assert.deepEqual(left, [`duplicati-0.1.0-${TARGET}`]);
  } finally {
    await s.close();
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("server: failures show in the state; no address means disabled", async () => {
  const s = await site();
  try {
    const other = testKeyPair();
    await withServer(
      async ({ client }) => {
        const r = await client.post("/api/v1/updates/check");
        assert.equal(r.status, 400);
        assert.match(r.body.Error, /not signed with this program's update key/);
        const st = (await client.get("/api/v1/serverstate")).body;
        assert.equal(st.UpdatedVersion, null);
        assert.match(st.UpdateError, /not signed/);
        const d = await client.post("/api/v1/updates/download");
        assert.equal(d.status, 400);
        assert.match(d.body.Error, /check for updates first/);
      },
      [`--update-url=${s.url}`],
      { updateKeys: [other.publicKey] },
    );

    await withServer(async ({ client }) => {
      const anonymous = new Client(client.base);
      assert.equal((await anonymous.post("/api/v1/updates/check")).status, 401);
      assert.equal((await anonymous.post("/api/v1/updates/download")).status, 401);
      const st = (await client.get("/api/v1/serverstate")).body;
      assert.equal(st.UpdaterState, "Disabled");
      assert.equal(st.UpdateCheckEnabled, false);
      const r = await client.post("/api/v1/updates/check");
      assert.equal(r.status, 400);
      assert.match(r.body.Error, /No update address is set: give --update-url/);
    });
  } finally {
    await s.close();
  }
});

Deno.test("server: the daily check runs on its own and wakes the long poll", async () => {
  const s = await site("0.3.0");
  const folder = await Deno.makeTempDir({ prefix: "dup-update-checker-" });
  const db = ServerDatabase.open(join(folder, "Duplicati-server.sqlite"));
  const events = new ServerEvents();
  const make = (disabled: boolean) =>
    new UpdateChecker({
      db,
      events,
      url: s.url,
      disabled,
      keys: [KEYS.publicKey],
      clock: Date.now,
      firstCheckDelayMs: 10,
    });
  try {
    const off = make(true);
    off.start();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.hits.length, 0, "--disable-update-check: no check");
    await off.stop();

    const seen = events.lastEventId;
    const on = make(false);
    on.start();
    assert.ok(await events.wait(seen, 20_000));
    const st = await until(() => on.state.UpdatedVersion ? on.state : undefined);
    assert.equal(st?.UpdatedVersion, "0.3.0");
    assert.deepEqual(s.hits, ["/manifest.json"]);
    assert.ok(db.setting("update-check-latest"));
    await on.stop();

    // The last check was just now: a new start waits a day before asking again.
    const again = make(false);
    again.start();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.hits.length, 1);
    await again.stop();
  } finally {
    db.close();
    await s.close();
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("server: --update-url and --disable-update-check are server options with help", async () => {
  const t = await startTestServer(["--disable-update-check", "--update-url=http://127.0.0.1:9/m"]);
  try {
    const st = t.server.ctx.updates.state;
    assert.equal(st.UpdateCheckEnabled, false);
    assert.equal(st.UpdaterState, "Waiting");
  } finally {
    await t.close();
  }
  const { serverHelp } = await import("../../src/server/server_options.ts");
  assert.match(
    serverHelp(),
    /--disable-update-check \(default false\)\n\s+Do not look for a new version/,
  );
  assert.match(serverHelp(), /--update-url\n/);
});
