/** The server log: `/logdata/poll` (live ring buffer) and `/logdata/log` (stored). */
import type { Hono } from "hono";
import type { ServerContext } from "../context.ts";
import { HttpError, queryInt } from "../http_errors.ts";
import { parseLogLevel } from "../../core/log.ts";

/** Adds the server log routes. */
export function logDataRoutes(api: Hono, ctx: ServerContext): void {
  api.get("/logdata/poll", (c) => {
    const levelText = c.req.query("level") ?? "Information";
    const level = parseLogLevel(levelText);
    if (!level) {
      throw new HttpError(
        400,
        `Unknown log level "${levelText}": use Verbose, Information, Warning or Error`,
        "BadValue",
      );
    }
    return c.json(
      ctx.liveLog.poll(
        level,
        queryInt(c, "id") ?? 0,
        Math.min(1000, queryInt(c, "pagesize") ?? 100),
      ),
    );
  });
  api.get("/logdata/log", (c) => {
    const rows = ctx.db.serverLogs(queryInt(c, "offset"), queryInt(c, "pagesize") ?? 100);
    return c.json(rows.map((r) => ({ ...r, Timestamp: Math.floor(Number(r.Timestamp) / 1000) })));
  });
  api.get("/logdata/crashlog", (c) => c.json({ logdata: null }));
}
