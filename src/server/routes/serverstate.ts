/**
 * Server state and the task queue: `/serverstate` (with long poll), pause/resume,
 * `/progressstate`, `/tasks`, `/task/{id}` with stop and abort.
 */
import type { Hono } from "hono";
import type { ServerContext } from "../context.ts";
import { HttpError, notFound, queryFlag } from "../http_errors.ts";
import { parseTimespan } from "../../core/timespan.ts";

/** The server status (Duplicati's ServerStatusDto). */
export function serverStatus(ctx: ServerContext): Record<string, unknown> {
  const cur = ctx.queue.current;
  const notes = ctx.db.notifications();
  const hasError = notes.some((n) => n.Type === "Error");
  const hasWarning = notes.some((n) => n.Type === "Warning");
  const paused = ctx.queue.paused;
  return {
    ActiveTask: cur ? { Item1: cur.ID, Item2: cur.BackupID } : null,
    ProgramState: paused ? "Paused" : "Running",
    SchedulerQueueIds: ctx.queue.waiting.map((t) => ({ Item1: t.ID, Item2: t.BackupID })),
    ProposedSchedule: ctx.scheduler.proposed().map((p) => ({
      Item1: p.backupId,
      Item2: new Date(p.time).toISOString(),
    })),
    HasWarning: hasWarning,
    HasError: hasError,
    SuggestedStatusIcon: cur
      ? "Active"
      : paused
      ? "Paused"
      : hasError
      ? "ReadyError"
      : hasWarning
      ? "ReadyWarning"
      : "Ready",
    EstimatedPauseEnd: ctx.queue.pausedUntil
      ? new Date(ctx.queue.pausedUntil).toISOString()
      : "0001-01-01T00:00:00",
    LastEventID: ctx.events.lastEventId,
    LastDataUpdateID: ctx.events.lastDataUpdateId,
    LastNotificationUpdateID: ctx.events.lastNotificationUpdateId,
    ...ctx.updates.state,
  };
}

function durationMs(text: string, what: string, min: number, max: number): number {
  let ms: number;
  try {
    ms = parseTimespan(text, "s");
  } catch {
    throw new HttpError(
      400,
      `Invalid ${what} "${text}": use a timespan such as 30s, 5m or 1h`,
      "BadValue",
    );
  }
  return Math.max(min, Math.min(max, ms));
}

/** Adds the state and task routes. */
export function serverStateRoutes(api: Hono, ctx: ServerContext): void {
  api.get("/serverstate", async (c) => {
    if (queryFlag(c, "longpoll")) {
      const last = c.req.query("lastEventId") ?? c.req.query("lasteventid");
      if (last === undefined || !/^\d+$/.test(last)) {
        throw new HttpError(
          400,
          "A long poll needs lastEventId=<number> from the previous answer",
          "BadValue",
        );
      }
      const wait = durationMs(c.req.query("duration") ?? "5m", "duration", 10_000, 3_600_000);
      await ctx.events.wait(Number(last), wait);
    }
    return c.json(serverStatus(ctx));
  });

  api.post("/serverstate/pause", (c) => {
    const d = c.req.query("duration");
    const ms = d && d !== "infinite"
      ? durationMs(d, "duration", 1000, 10 * 365 * 86_400_000)
      : undefined;
    ctx.queue.pause(ms);
    return c.json({ Status: "OK" });
  });

  api.post("/serverstate/resume", (c) => {
    ctx.queue.resume();
    return c.json({ Status: "OK" });
  });

  api.get("/progressstate", (c) => {
    const state = ctx.queue.progressState();
    // As Duplicati: no task running is a 404 with a message, not an empty progress record.
    if (!state) throw new HttpError(404, "No active backup", "NoActiveTask");
    return c.json(state);
  });

  api.get(
    "/tasks",
    (c) =>
      c.json(
        ctx.queue.list().map((t) => ({
          TaskID: t.ID,
          BackupID: t.BackupID,
          Operation: t.Operation,
          Status: t.Status,
        })),
      ),
  );

  const taskId = (raw: string) => {
    if (!/^\d+$/.test(raw)) {
      throw new HttpError(400, `Task ID must be a number, not "${raw}"`, "BadValue");
    }
    return Number(raw);
  };

  api.get("/task/:id", (c) => {
    const t = ctx.queue.info(taskId(c.req.param("id")));
    if (!t) throw notFound("Task");
    return c.json(t);
  });

  for (const mode of ["stop", "abort"] as const) {
    api.post(`/task/:id/${mode}`, (c) => {
      if (!ctx.queue.cancel(taskId(c.req.param("id")), mode)) {
        throw notFound("Running or waiting task");
      }
      return c.json({ Status: "OK" });
    });
  }
}
