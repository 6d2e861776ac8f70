/** `/commandline`: run a command line tool command from the UI and read its output. */
import type { Hono } from "hono";
import type { ServerContext } from "../context.ts";
import { HttpError, notFound, queryInt, readJson } from "../http_errors.ts";
import { COMMANDLINE_COMMANDS } from "../commandline_runs.ts";

/** Adds the command line routes. */
export function commandlineRoutes(api: Hono, ctx: ServerContext): void {
  api.get("/commandline", (c) => c.json(COMMANDLINE_COMMANDS));

  api.post("/commandline", async (c) => {
    const body = await readJson(c);
    if (!Array.isArray(body) || body.length === 0 || body.some((x) => typeof x !== "string")) {
      throw new HttpError(
        400,
        "Send the command and its arguments as a JSON list of strings",
        "BadValue",
      );
    }
    return c.json({ ID: ctx.commandline.start(body as string[]) });
  });

  api.get("/commandline/:id", (c) => {
    const page = ctx.commandline.page(
      c.req.param("id"),
      Math.max(0, queryInt(c, "offset") ?? 0),
      Math.max(1, Math.min(10_000, queryInt(c, "pagesize") ?? 100)),
    );
    if (!page) throw notFound("Command line run");
    return c.json(page);
  });

  api.post("/commandline/:id/abort", (c) => {
    if (!ctx.commandline.abort(c.req.param("id"))) throw notFound("Command line run");
    return c.json({ Status: "OK" });
  });
}
