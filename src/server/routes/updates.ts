/**
 * `/updates`: the update state, `POST /updates/check` (reads the signed manifest now) and
 * `POST /updates/download` (starts downloading the newer version beside the portable folder;
 * progress and the result show in `/serverstate` and `/updates`).
 */
import type { Hono } from "hono";
import type { ServerContext } from "../context.ts";
import { HttpError } from "../http_errors.ts";

/** Adds the update routes. */
export function updateRoutes(api: Hono, ctx: ServerContext): void {
  const notBusy = () => {
    if (ctx.updates.busy) {
      throw new HttpError(409, "An update check or download is already running", "UpdateBusy");
    }
  };

  api.get("/updates", (c) => c.json(ctx.updates.state));

  api.post("/updates/check", async (c) => {
    notBusy();
    return c.json(await ctx.updates.check());
  });

  api.post("/updates/download", (c) => {
    notBusy();
    if (!ctx.updates.state.UpdatedVersion) {
      throw new HttpError(
        400,
        "No newer version is known: check for updates first",
        "NoUpdate",
      );
    }
    ctx.updates.download().catch(() => {}); // the outcome is in the state (UpdateError)
    return c.json({ Status: "OK" });
  });
}
