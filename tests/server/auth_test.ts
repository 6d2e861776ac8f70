import assert from "node:assert/strict";
import { Client, startTestServer, TEST_PASSWORD, withServer } from "../helpers/server.ts";
import { parseServerArgs } from "../../src/server/server_options.ts";
import { startServer } from "../../src/server/server.ts";

Deno.test("API routes answer 401 without a token and with a forged one", async () => {
  await withServer(async ({ client }) => {
    const anon = new Client(client.base);
    for (const path of ["/api/v1/backups", "/api/v1/serverstate", "/api/v1/systeminfo"]) {
      const r = await anon.get(path);
      assert.equal(r.status, 401, path);
      assert.equal(r.body.Code, 401);
      assert.match(r.body.Error, /Bearer/);
    }
    anon.token = client.token!.slice(0, -4) + "AAAA";
    assert.equal((await anon.get("/api/v1/backups")).status, 401);
    assert.equal((await client.get("/api/v1/backups")).status, 200);
  });
});

Deno.test("a wrong Host header gets 403; allowed names and IPs pass", async () => {
  await withServer(async ({ client }) => {
    const evil = new Client(client.base, "evil.example:8200");
    evil.token = client.token;
    const r = await evil.get("/api/v1/backups");
    assert.equal(r.status, 403);
    assert.match(r.body.Error, /host header/i);
    assert.equal((await evil.post("/api/v1/auth/login", { Password: TEST_PASSWORD })).status, 403);
    const lan = new Client(client.base, "backup.lan");
    lan.token = client.token;
    assert.equal((await lan.get("/api/v1/backups")).status, 200);
    const ip = new Client(client.base, "192.168.1.20:8200");
    ip.token = client.token;
    assert.equal((await ip.get("/api/v1/backups")).status, 200);
  }, ["--webservice-allowed-hostnames=backup.lan;nas.local"]);
});

Deno.test("password login sets an HttpOnly SameSite=Strict refresh cookie; wrong password is 401", async () => {
  const t = await startTestServer();
  try {
    const c = new Client(t.client.base);
    const bad = await c.post("/api/v1/auth/login", { Password: "nope" });
    assert.equal(bad.status, 401);
    const r = await c.request("POST", "/api/v1/auth/login", { Password: TEST_PASSWORD });
    assert.equal(r.status, 200);
    assert.ok(r.body.AccessToken.split(".").length === 3);
    const cookie = r.headers.get("set-cookie")!;
    assert.match(cookie, new RegExp(`^RefreshToken_${t.server.port}=`));
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.match(cookie, /Path=\/api\/v1\/auth\/refresh/);
    const malformed = await c.request("POST", "/api/v1/auth/login", undefined, { raw: "{nope" });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.Error, /not valid JSON/);
  } finally {
    await t.close();
  }
});

Deno.test("refresh rotates the token; reusing an old refresh token ends the whole family", async () => {
  await withServer(async ({ client }) => {
    const nonce1 = (await client.login()).body.RefreshNonce;
    const firstCookie = client.cookie!;
    const r1 = await client.post("/api/v1/auth/refresh", { Nonce: nonce1 });
    assert.equal(r1.status, 200);
    assert.notEqual(client.cookie, firstCookie);
    const r2 = await client.post("/api/v1/auth/refresh", { Nonce: r1.body.RefreshNonce });
    assert.equal(r2.status, 200);
    const latestCookie = client.cookie!;
    client.token = r2.body.AccessToken;
    assert.equal((await client.get("/api/v1/backups")).status, 200);

    // A thief replays the first cookie (two rotations old): refused, and the family ends.
    const thief = new Client(client.base);
    thief.cookie = firstCookie;
    const stolen = await thief.post("/api/v1/auth/refresh", { Nonce: nonce1 });
    assert.equal(stolen.status, 401);
    assert.match(stolen.body.Error, /used twice/);
    // The legitimate session is signed out too: its refresh and its access token stop working.
    client.cookie = latestCookie;
    const after = await client.post("/api/v1/auth/refresh", { Nonce: r2.body.RefreshNonce });
    assert.equal(after.status, 401);
    assert.equal((await client.get("/api/v1/backups")).status, 401);
  });
});

Deno.test("the previous refresh token works only briefly after a rotation (parallel tabs)", async () => {
  let now = Date.now();
  await withServer(
    async ({ client }) => {
      const nonce1 = (await client.login()).body.RefreshNonce;
      const cookie1 = client.cookie!;
      assert.equal((await client.post("/api/v1/auth/refresh", { Nonce: nonce1 })).status, 200);
      // A second tab sent the same cookie at the same moment: it is served, nothing ends.
      const tab = new Client(client.base);
      tab.cookie = cookie1;
      const raced = await tab.post("/api/v1/auth/refresh", { Nonce: nonce1 });
      assert.equal(raced.status, 200);
      client.token = raced.body.AccessToken;
      assert.equal((await client.get("/api/v1/backups")).status, 200);
      // Later, the same old cookie is a replay.
      now += 60_000;
      const replay = new Client(client.base);
      replay.cookie = cookie1;
      assert.equal((await replay.post("/api/v1/auth/refresh", { Nonce: nonce1 })).status, 401);
      assert.equal((await client.get("/api/v1/backups")).status, 401);
    },
    [],
    { clock: () => now },
  );
});

Deno.test("refresh needs the nonce and the cookie; logout ends the session", async () => {
  await withServer(async ({ client }) => {
    const login = await client.login();
    const noCookie = new Client(client.base);
    assert.equal(
      (await noCookie.post("/api/v1/auth/refresh", { Nonce: login.body.RefreshNonce })).status,
      401,
    );
    const saved = client.cookie;
    assert.equal((await client.post("/api/v1/auth/refresh", { Nonce: "wrong" })).status, 401);
    client.cookie = saved;
    const ok = await client.post("/api/v1/auth/refresh", { Nonce: login.body.RefreshNonce });
    assert.equal(ok.status, 200);
    client.token = ok.body.AccessToken;
    const cookie = client.cookie;
    assert.equal((await client.post("/api/v1/auth/refresh/logout", {})).status, 200);
    assert.equal((await client.get("/api/v1/backups")).status, 401);
    client.cookie = cookie;
    assert.equal(
      (await client.post("/api/v1/auth/refresh", { Nonce: ok.body.RefreshNonce })).status,
      401,
    );
  });
});

Deno.test("sign-in tokens work once; issuing one needs the password", async () => {
  await withServer(async ({ client, server }) => {
    const printed = new URL(server.signinUrl!).searchParams.get("token")!;
    const a = new Client(client.base);
    assert.equal((await a.post("/api/v1/auth/signin", { SigninToken: printed })).status, 200);
    const b = new Client(client.base);
    assert.equal((await b.post("/api/v1/auth/signin", { SigninToken: printed })).status, 401);
    assert.equal(
      (await b.post("/api/v1/auth/issuesignintoken", { Password: "wrong" })).status,
      401,
    );
    const issued = await b.post("/api/v1/auth/issuesignintoken", { Password: TEST_PASSWORD });
    assert.equal(issued.status, 200);
    const s = await b.post("/api/v1/auth/signin", { SigninToken: issued.body.Token });
    assert.equal(s.status, 200);
    b.token = s.body.AccessToken;
    assert.equal((await b.get("/api/v1/serverstate")).status, 200);
    // An access token is not a sign-in token.
    assert.equal((await b.post("/api/v1/auth/signin", { SigninToken: b.token })).status, 401);
  });
});

Deno.test("failed logins are rate limited, even for the right password afterwards", async () => {
  await withServer(async ({ client }) => {
    const c = new Client(client.base);
    for (let i = 0; i < 10; i++) {
      assert.equal((await c.post("/api/v1/auth/login", { Password: `guess${i}` })).status, 401);
    }
    const r = await c.post("/api/v1/auth/login", { Password: TEST_PASSWORD });
    assert.equal(r.status, 429);
    assert.match(r.body.Error, /Too many failed sign-in attempts/);
  });
});

Deno.test("auth/status and single-operation tokens", async () => {
  await withServer(async ({ client }) => {
    const anon = new Client(client.base);
    const s0 = await anon.post("/api/v1/auth/status");
    assert.equal(s0.status, 200);
    assert.equal(s0.body.authorized, false);
    const s1 = await client.post("/api/v1/auth/status");
    assert.equal(s1.body.authorized, true);
    assert.ok(typeof s1.body.socketToken === "string");
    assert.equal((await client.post("/api/v1/auth/issuetoken/export")).status, 200);
    assert.equal((await client.post("/api/v1/auth/issuetoken/steal")).status, 400);
    assert.equal((await anon.post("/api/v1/auth/issuetoken/export")).status, 401);
    assert.equal((await client.post("/api/v1/auth/issue-forever-token")).status, 401);
  });
});

Deno.test("fixed PreAuth tokens from --webservice-pre-auth-tokens open the API; others do not", async () => {
  await withServer(async ({ client }) => {
    const script = new Client(client.base);
    const send = (token: string) =>
      script.request("GET", "/api/v1/backups", undefined, {
        headers: { Authorization: `PreAuth ${token}` },
      });
    assert.equal((await send("script-token-1")).status, 200);
    assert.equal((await send("second_token_22")).status, 200);
    const wrong = await send("script-token-2");
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.Error, /PreAuth/);
    assert.equal((await send("")).status, 401);
    // Bearer sign-in works as before.
    assert.equal((await client.get("/api/v1/backups")).status, 200);
  }, ["--webservice-pre-auth-tokens=script-token-1; second_token_22"]);
  // Without the option, no PreAuth token is accepted.
  await withServer(async ({ client }) => {
    const r = await new Client(client.base).request("GET", "/api/v1/backups", undefined, {
      headers: { Authorization: "PreAuth script-token-1" },
    });
    assert.equal(r.status, 401);
  });
});

Deno.test("--webservice-reset-jwt-config ends every earlier token and sign-in", async () => {
  const dataFolder = await Deno.makeTempDir({ prefix: "dup-jwt-reset-" });
  const start = async (args: string[]) => {
    const cfg = parseServerArgs([
      `--server-datafolder=${dataFolder}`,
      "--webservice-port=0",
      ...args,
    ], {});
    const server = await startServer(cfg, { print: () => {}, startScheduler: false });
    return { server, client: new Client(`http://127.0.0.1:${server.port}`) };
  };
  try {
    const first = await start([`--webservice-password=${TEST_PASSWORD}`]);
    assert.equal((await first.client.login()).status, 200);
    const token = first.client.token!;
    const cookie = first.client.cookie;
    await first.server.close();

    // A restart keeps the key: the old token still works.
    const second = await start([]);
    second.client.token = token;
    assert.equal((await second.client.get("/api/v1/backups")).status, 200);
    await second.server.close();

    const third = await start(["--webservice-reset-jwt-config"]);
    try {
      third.client.token = token;
      third.client.cookie = cookie;
      assert.equal((await third.client.get("/api/v1/backups")).status, 401);
      assert.equal((await third.client.post("/api/v1/auth/refresh", {})).status, 401);
      const fresh = new Client(third.client.base);
      assert.equal((await fresh.login()).status, 200);
      assert.equal((await fresh.get("/api/v1/backups")).status, 200);
    } finally {
      await third.server.close();
    }
  } finally {
    await Deno.remove(dataFolder, { recursive: true });
  }
});

Deno.test("a generated password is printed as a sign-in link at first start only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { parseServerArgs } = await import("../../src/server/server_options.ts");
    const { startServer } = await import("../../src/server/server.ts");
    const cfg = parseServerArgs([`--server-datafolder=${dir}`, "--webservice-port=0"], {});
    const lines: string[] = [];
    const s1 = await startServer(cfg, { print: (l) => lines.push(l), startScheduler: false });
    assert.ok(s1.generatedPassword && s1.generatedPassword.length >= 20);
    assert.ok(lines.some((l) => l.includes(`http://localhost:${s1.port}/signin.html?token=`)));
    const c = new Client(`http://127.0.0.1:${s1.port}`);
    assert.equal((await c.login(s1.generatedPassword)).status, 200);
    await s1.close();
    const s2 = await startServer(cfg, { print: () => {}, startScheduler: false });
    assert.equal(s2.generatedPassword, undefined);
    const c2 = new Client(`http://127.0.0.1:${s2.port}`);
    assert.equal((await c2.login(s1.generatedPassword)).status, 200);
    await s2.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
