/**
 * Notifications (`/notifications`, `/notification/{id}`; deleting one dismisses it) and the live
 * WebSocket at `/notifications?token=<websocket token>` that pushes `{type, apiVersion, data}` for
 * the services a client subscribes to.
 */
import type { Hono } from "hono";
import type { ServerContext } from "../context.ts";
import { HttpError, notFound } from "../http_errors.ts";
import type { ServiceName } from "../events.ts";
import { serverStatus } from "./serverstate.ts";
import { AuthError } from "../auth.ts";

function noteId(raw: string): number {
  if (!/^\d+$/.test(raw)) {
    throw new HttpError(400, `Notification ID must be a number, not "${raw}"`, "BadValue");
  }
  return Number(raw);
}

/** Adds the notification routes to the API app. */
export function notificationRoutes(api: Hono, ctx: ServerContext): void {
  api.get("/notifications", (c) => c.json(ctx.db.notifications()));
  api.get("/notification/:id", (c) => {
    const id = noteId(c.req.param("id"));
    const n = ctx.db.notifications().find((x) => x.ID === id);
    if (!n) throw notFound("Notification");
    return c.json(n);
  });
  api.delete("/notification/:id", (c) => {
    if (!ctx.db.deleteNotification(noteId(c.req.param("id")))) throw notFound("Notification");
    ctx.events.changed("notification");
    ctx.events.publish("notifications", ctx.db.notifications());
    return c.json({ Status: "OK" });
  });
}

const SERVICES: ServiceName[] = [
  "legacystatus",
  "backuplist",
  "serversettings",
  "progress",
  "taskqueue",
  "taskcompleted",
  "notifications",
  "scheduler",
];

/** What a subscriber receives first, and for pushes without data. */
function snapshot(ctx: ServerContext, s: ServiceName): unknown {
  switch (s) {
    case "legacystatus":
      return serverStatus(ctx);
    case "progress":
      return ctx.queue.progressState() ?? null;
    case "taskqueue":
      return ctx.queue.list();
    case "notifications":
      return ctx.db.notifications();
    case "scheduler":
      return ctx.scheduler.proposed();
    default:
      return null;
  }
}

/** Adds the WebSocket route (outside `/api/v1`, authenticated by a websocket token). */
export function websocketRoute(app: Hono, ctx: ServerContext): void {
  app.get("/notifications", (c) => {
    try {
      ctx.auth.verifySingleOperation(c.req.query("token") ?? "", "websocket");
    } catch {
      throw new AuthError(
        "The live connection needs a token from POST /api/v1/auth/issuetoken/websocket",
      );
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(400, "This address only accepts WebSocket connections", "BadValue");
    }
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw);
    const subs = new Set<ServiceName>(["legacystatus"]);
    const send = (type: ServiceName, data: unknown) => {
      if (socket.readyState !== WebSocket.OPEN || !subs.has(type)) return;
      const payload = data ?? snapshot(ctx, type);
      if (payload === null) return; // nothing to show for this service yet
      socket.send(JSON.stringify({ type, apiVersion: 1, data: payload }));
    };
    let unsubscribe = () => {};
    socket.onopen = () => {
      unsubscribe = ctx.events.subscribe(send);
      send("legacystatus", undefined);
    };
    socket.onclose = () => unsubscribe();
    socket.onerror = () => unsubscribe();
    socket.onmessage = (ev) => {
      let msg: { id?: unknown; action?: string; service?: string };
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        socket.send(
          JSON.stringify({ type: "error", apiVersion: 1, data: "Messages must be JSON" }),
        );
        return;
      }
      const service = String(msg.service ?? "").toLowerCase() as ServiceName;
      const reply = (data: unknown) =>
        socket.send(JSON.stringify({ type: "reply", apiVersion: 1, id: msg.id ?? null, data }));
      switch (msg.action) {
        case "sub":
          if (!SERVICES.includes(service)) {
            return reply({ success: false, message: "Unknown service" });
          }
          subs.add(service);
          reply({ success: true });
          return send(service, undefined);
        case "unsub":
          subs.delete(service);
          return reply({ success: true });
        case "ping":
          return reply({ success: true, message: "pong" });
        case "status":
          return reply({ success: true, subscriptions: [...subs] });
        default:
          return reply({
            success: false,
            message: "Unknown action: use sub, unsub, ping or status",
          });
      }
    };
    return response;
  });
}
