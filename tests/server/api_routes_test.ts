/**
 * Every API route, taken from the application itself so a new route cannot be forgotten: 401
 * without or with a forged token, 403 for a Host that is not allowed, 400 with a message for a
 * body that is not JSON, and 400 with a message for bad values. Each route that accepts a body
 * must be listed in BODY_ROUTES (with a bad value) or in NO_BODY.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/server/app.ts";
import { Client, type TestServer, withServer } from "../helpers/server.ts";
import { put, tempDir } from "../helpers/tree.ts";

interface Route {
  method: string;
  path: string;
}

/** The API routes of a running server, as `METHOD /api/v1/...` with `:params`. */
function apiRoutes(t: TestServer): Route[] {
  const seen = new Map<string, Route>();
  for (const r of createApp(t.server.ctx).routes) {
    if (r.method === "ALL" || !r.path.startsWith("/api/v1/") || r.path.includes("*")) continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

const key = (r: Route) => `${r.method} ${r.path}`;

/** Fills the route's parameters: `id` for backups, harmless values elsewhere. */
function fill(path: string, backupId: string): string {
  return path
    .replace(/\/backup\/:id/, `/backup/${backupId}`)
    .replace(":key", "max-upload-speed")
    .replace(":scheme", "routes-test")
    .replace(":operation", "export")
    .replace(/:id/g, "999");
}

/** Routes that check their own credentials (sign-in, tokens in the query) and what they answer. */
const PUBLIC: Record<string, number> = {
  "POST /api/v1/auth/login": 400,
  "POST /api/v1/auth/signin": 400,
  "POST /api/v1/auth/refresh": 401,
  "POST /api/v1/auth/refresh/logout": 200,
  "POST /api/v1/auth/issuesignintoken": 400,
  "POST /api/v1/auth/status": 200,
  "GET /api/v1/backup/:id/export": 401,
  "GET /api/v1/bugreport/:id": 401,
};

/** Routes that read a JSON body, each with a bad value and what the answer must say. */
const BODY_ROUTES: Record<string, { body: unknown; error: RegExp }> = {
  "POST /api/v1/auth/login": { body: { Password: 5 }, error: /Password/ },
  "POST /api/v1/auth/signin": { body: { SigninToken: [] }, error: /SigninToken/ },
  "POST /api/v1/auth/refresh": { body: [1], error: /JSON object/ },
  "POST /api/v1/auth/issuesignintoken": { body: "text", error: /JSON object/ },
  "POST /api/v1/backups": { body: { Backup: { Name: "" } }, error: /name/i },
  "POST /api/v1/backups/import": { body: { config: "%%%" }, error: /base64/ },
  "PUT /api/v1/backup/:id": { body: { Backup: { Name: "x" } }, error: /TargetURL/ },
  "POST /api/v1/backup/:id/restore": { body: { paths: "a" }, error: /paths/ },
  "POST /api/v1/backup/:id/repair": { body: [], error: /JSON object/ },
  "POST /api/v1/backup/:id/repairupdate": { body: 3, error: /JSON object/ },
  "POST /api/v1/backup/:id/movedb": { body: { path: "relative.sqlite" }, error: /relative/ },
  "POST /api/v1/backup/:id/updatedb": { body: { path: "" }, error: /path/ },
  "POST /api/v1/commandline": { body: { not: "a list" }, error: /list of strings/ },
  "POST /api/v1/filesystem": { body: { path: 5 }, error: /path/ },
  "POST /api/v1/filesystem/validate": { body: {}, error: /path/ },
  "POST /api/v1/remoteoperation/test": { body: { path: "" }, error: /URL as "path"/ },
  "POST /api/v1/remoteoperation/create": {
    body: { path: "nosuch://x" },
    error: /not supported. Supported:/,
  },
  "POST /api/v1/remoteoperation/dbpath": { body: {}, error: /URL as "path"/ },
  "PATCH /api/v1/serversettings": { body: { "--dblock-size": "huge" }, error: /dblock-size/ },
  "PUT /api/v1/serversetting/:key": { body: { a: 1 }, error: /JSON string/ },
  "PATCH /api/v1/uisettings/:scheme": { body: ["x"], error: /JSON object/ },
};

/** Routes with a body-less POST (their input is the path and query). */
const NO_BODY = new Set([
  "POST /api/v1/auth/refresh/logout",
  "POST /api/v1/auth/issuetoken/:operation",
  "POST /api/v1/auth/issue-forever-token",
  "POST /api/v1/auth/status",
  "POST /api/v1/backup/:id/run",
  "POST /api/v1/backup/:id/start",
  "POST /api/v1/backup/:id/verify",
  "POST /api/v1/backup/:id/compact",
  "POST /api/v1/backup/:id/vacuum",
  "POST /api/v1/backup/:id/createreport",
  "POST /api/v1/backup/:id/report-remote-size",
  "POST /api/v1/backup/:id/deletedb",
  "POST /api/v1/serverstate/pause",
  "POST /api/v1/serverstate/resume",
  "POST /api/v1/task/:id/stop",
  "POST /api/v1/task/:id/abort",
  "POST /api/v1/commandline/:id/abort",
  "POST /api/v1/updates/check",
  "POST /api/v1/updates/download",
]);

/** Body-less routes not called with a body below: they reach the internet. */
const NOT_CALLED = new Set(["POST /api/v1/updates/check"]);

/** Bad values in the path or the query of body-less routes. */
const QUERY_CASES: [string, string, RegExp][] = [
  ["GET", "/api/v1/backup/:id/log?pagesize=many", /pagesize/],
  ["GET", "/api/v1/backup/:id/remotelog?offset=x", /offset/],
  ["GET", "/api/v1/backup/:id/files", /filter|time|version/i],
  ["GET", "/api/v1/logdata/log?pagesize=-x", /pagesize/],
  ["GET", "/api/v1/logdata/poll?level=Loud", /level/i],
  ["GET", "/api/v1/serverstate?longpoll=true&lastEventId=abc", /lastEventId/],
  ["POST", "/api/v1/serverstate/pause?duration=forever", /duration/],
  ["GET", "/api/v1/task/abc", /must be a number/],
  ["POST", "/api/v1/task/abc/stop", /must be a number/],
  ["GET", "/api/v1/notification/abc", /must be a number/],
  ["DELETE", "/api/v1/notification/abc", /must be a number/],
  ["POST", "/api/v1/auth/issuetoken/everything", /export/],
  ["GET", "/api/v1/commandline/abc?offset=x", /offset/],
];

async function withBackup(fn: (t: TestServer, id: string) => Promise<void>): Promise<void> {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  try {
    put(src, "f.txt", "routes");
    await withServer(async (t) => {
      const r = await t.client.post("/api/v1/backups", {
        Backup: {
          Name: "Routes",
          TargetURL: `file://${dst}`,
          Sources: [src + "/"],
          Settings: [{ Name: "encryption-module", Value: "" }],
          Filters: [],
        },
        Schedule: null,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await fn(t, String(r.body.ID));
    });
  } finally {
    await cleanSrc();
    await cleanDst();
  }
}

Deno.test("every API route: 401 without or with a forged token, 403 for a Host not allowed", async () => {
  await withBackup(async (t, id) => {
    const routes = apiRoutes(t);
    assert.ok(routes.length > 60, `only ${routes.length} routes found`);
    const anon = new Client(t.client.base);
    const forged = new Client(t.client.base);
    forged.token = t.client.token!.slice(0, -6) + "AAAAAA";
    const evil = new Client(t.client.base, "evil.example.com");
    evil.token = t.client.token;
    for (const r of routes) {
      const path = fill(r.path, id);
      const pub = PUBLIC[key(r)];
      const a = await anon.request(r.method, path);
      if (pub !== undefined) assert.equal(a.status, pub, `${key(r)} without a token`);
      else {
        assert.equal(a.status, 401, `${key(r)} without a token: ${JSON.stringify(a.body)}`);
        assert.equal(a.body.Code, 401);
        assert.match(a.body.Error, /Bearer/);
        const f = await forged.request(r.method, path);
        assert.equal(f.status, 401, `${key(r)} with a forged token`);
      }
      const h = await evil.request(r.method, path);
      assert.equal(h.status, 403, `${key(r)} with a wrong Host`);
      assert.match(h.body.Error, /allowed-hostnames/);
    }
    // The backup is untouched by all of that.
    assert.equal((await t.client.get(`/api/v1/backup/${id}`)).status, 200);
  });
});

Deno.test("every route that reads a body: not JSON and bad values are 400 with a message", async () => {
  await withBackup(async (t, id) => {
    const client = t.client;
    const routes = apiRoutes(t);
    // Every route taking input by POST/PUT/PATCH is classified here.
    for (const r of routes.filter((r) => ["POST", "PUT", "PATCH"].includes(r.method))) {
      assert.ok(
        (key(r) in BODY_ROUTES) !== NO_BODY.has(key(r)),
        `${key(r)} must be in exactly one of BODY_ROUTES and NO_BODY`,
      );
    }
    for (const k of [...Object.keys(BODY_ROUTES), ...NO_BODY]) {
      assert.ok(routes.some((r) => key(r) === k), `${k} is not a route any more`);
    }
    // Every route is tried before failing, so one run names every route that misbehaves.
    const problems: string[] = [];
    const check = async (fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        problems.push((err as Error).message.slice(0, 400));
      }
    };
    for (const [k, bad] of Object.entries(BODY_ROUTES)) {
      const [method, route] = k.split(" ");
      const path = fill(route, id);
      await check(async () => {
        const notJson = await client.request(method, path, undefined, { raw: "{not json" });
        assert.equal(notJson.status, 400, `${k} with broken JSON: ${JSON.stringify(notJson.body)}`);
        assert.match(notJson.body.Error, /JSON/, k);
        assert.equal(notJson.body.HelpId, "BadJson", k);
      });
      await check(async () => {
        const r = await client.request(method, path, bad.body);
        const what = `${k} with ${JSON.stringify(bad.body)}: ${JSON.stringify(r.body)}`;
        assert.equal(r.status, 400, what);
        assert.equal(typeof r.body.Error, "string", what);
        assert.ok(r.body.Error.length > 10, `${k}: "${r.body.Error}" says too little`);
        assert.match(r.body.Error, bad.error, what);
      });
    }
    // Body-less routes ignore a body, whatever it is, and never fail with 500.
    // Without the refresh cookie, so refresh/logout does not end this sign-in.
    const noCookie = new Client(client.base);
    noCookie.token = client.token;
    for (const k of NO_BODY) {
      if (NOT_CALLED.has(k)) continue;
      const [method, route] = k.split(" ");
      const path = fill(route, "999");
      await check(async () => {
        const r = await noCookie.request(method, path, undefined, { raw: "{not json" });
        assert.ok(r.status < 500, `${k}: ${r.status} ${JSON.stringify(r.body)}`);
      });
    }
    await client.post("/api/v1/serverstate/resume");
    for (const [method, route, error] of QUERY_CASES) {
      await check(async () => {
        const r = await client.request(method, fill(route, id));
        assert.equal(r.status, 400, `${method} ${route}: ${JSON.stringify(r.body)}`);
        assert.match(r.body.Error, error, `${method} ${route}: ${JSON.stringify(r.body)}`);
      });
    }
    // Unknown backups are 404 with a message on every backup route.
    for (const r of routes.filter((r) => r.path.startsWith("/api/v1/backup/:id"))) {
      if (key(r) === "GET /api/v1/backup/:id/export") continue;
      const body = BODY_ROUTES[key(r)] ? {} : undefined;
      await check(async () => {
        const a = await client.request(r.method, fill(r.path, "424242"), body);
        assert.equal(a.status, 404, `${key(r)} for an unknown backup: ${JSON.stringify(a.body)}`);
        assert.match(a.body.Error, /not|no such/i, key(r));
      });
    }
    assert.deepEqual(problems, []);
  });
});
