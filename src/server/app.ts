/**
 * The HTTP application: Host check on every request, bearer-token check on `/api/v1` (except the
 * sign-in routes), the API routes, the live WebSocket, `/health`, and the web UI's static files.
 */
import { Hono } from "hono";
import type { ServerContext } from "./context.ts";
import { errorResponse, HttpError } from "./http_errors.ts";
import { isHostAllowed } from "./hostname.ts";
import { AuthError } from "./auth.ts";
import { authRoutes } from "./routes/auth.ts";
import { backupsRoutes } from "./routes/backups.ts";
import { backupOpsRoutes } from "./routes/backup_ops.ts";
import { serverStateRoutes } from "./routes/serverstate.ts";
import { notificationRoutes, websocketRoute } from "./routes/notifications.ts";
import { logDataRoutes } from "./routes/logdata.ts";
import { settingsRoutes } from "./routes/settings.ts";
import { remoteOperationRoutes } from "./routes/remoteoperation.ts";
import { filesystemRoutes } from "./routes/filesystem.ts";
import { systemInfoRoutes } from "./routes/systeminfo.ts";
import { commandlineRoutes } from "./routes/commandline.ts";
import { updateRoutes } from "./routes/updates.ts";
import { uiAssets } from "./ui_assets.ts";

/** API paths that need no bearer token (they check their own credentials). */
const PUBLIC_API = [
  /^\/auth\/(login|refresh|signin|issuesignintoken|refresh\/logout|status)$/,
  /^\/backup\/[^/]+\/export$/,
  /^\/bugreport\/[^/]+$/,
];

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Duplicati</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em">
<h1>Duplicati server is running</h1>
<p>The web UI is not built into this copy of the program. Build it with <code>deno task build</code>,
or use the REST API under <code>/api/v1</code>.</p></body></html>`;

function serveUi(path: string, ifNoneMatch: string | undefined): Response | undefined {
  const key = path === "/" ? "/index.html" : path;
  let asset = uiAssets[key];
  // Single-page app: unknown paths without a file extension get the app.
  if (!asset && !/\.[a-z0-9]+$/i.test(key)) asset = uiAssets["/index.html"];
  if (!asset) {
    if (Object.keys(uiAssets).length === 0 && /^\/(index|signin|login)?(\.html)?$/.test(path)) {
      return new Response(NOT_BUILT, { headers: { "Content-Type": "text/html; charset=utf-8" } });
    }
    return undefined;
  }
  const headers = {
    "Content-Type": asset.contentType,
    "Cache-Control": asset.contentType.startsWith("text/html")
      ? "no-cache"
      : "public, max-age=3600",
    "X-Content-Type-Options": "nosniff",
    ETag: asset.etag,
  };
  if (ifNoneMatch && ifNoneMatch === asset.etag) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(asset.body, { headers });
}

function onError(ctx: ServerContext) {
  return (err: Error, c: { json: (b: unknown, s: number) => Response }) => {
    const { status, body } = errorResponse(err);
    if (status >= 500) {
      try {
        ctx.db.addServerLog("Error", err?.message ?? String(err), err?.stack ?? "");
      } catch {
        // The log is best effort.
      }
      ctx.liveLog.add({
        level: "Error",
        message: `Request failed: ${err?.message}`,
        at: Date.now(),
      });
    }
    return c.json(body, status);
  };
}

/** Builds the application for a server context. */
export function createApp(ctx: ServerContext): Hono {
  const app = new Hono();
  app.onError(onError(ctx) as never);

  app.use("*", async (c, next) => {
    if (!isHostAllowed(c.req.header("host"), ctx.allowedHostnames())) {
      return c.json({
        Error: "The host header sent by the client is not allowed. Add the name with " +
          "--webservice-allowed-hostnames (or in Settings) to reach the server by it.",
        Code: 403,
        HelpId: "HostNotAllowed",
      }, 403);
    }
    c.header("X-Frame-Options", "DENY");
    c.header("Referrer-Policy", "no-referrer");
    await next();
  });

  app.get("/health", (c) => c.json({ Status: "OK" }));

  const api = new Hono();
  api.onError(onError(ctx) as never);
  api.use("*", async (c, next) => {
    const path = c.req.path.replace(/^\/api\/v1/, "");
    if (!PUBLIC_API.some((r) => r.test(path))) {
      const h = c.req.header("Authorization") ?? "";
      if (h.startsWith("PreAuth ")) ctx.auth.verifyPreAuth(h.slice(8).trim());
      else if (!h.startsWith("Bearer ")) {
        throw new AuthError("Sign in first: send Authorization: Bearer <access token>");
      } else ctx.auth.verifyAccess(h.slice(7).trim());
    }
    c.header("Cache-Control", "no-store");
    await next();
  });
  authRoutes(api, ctx);
  backupsRoutes(api, ctx);
  backupOpsRoutes(api, ctx);
  serverStateRoutes(api, ctx);
  notificationRoutes(api, ctx);
  logDataRoutes(api, ctx);
  settingsRoutes(api, ctx);
  remoteOperationRoutes(api, ctx);
  filesystemRoutes(api, ctx);
  systemInfoRoutes(api, ctx);
  commandlineRoutes(api, ctx);
  updateRoutes(api, ctx);
  api.all("*", () => {
    throw new HttpError(404, "No such API route", "NotFound");
  });
  app.route("/api/v1", api);

  websocketRoute(app, ctx);

  app.get("*", (c) => {
    if (c.req.path.startsWith("/api/")) throw new HttpError(404, "No such API route", "NotFound");
    const r = ctx.apiOnly ? undefined : serveUi(c.req.path, c.req.header("if-none-match"));
    return r ?? c.text("Not found", 404);
  });
  return app;
}
