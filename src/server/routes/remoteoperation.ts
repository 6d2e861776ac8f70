/**
 * Destination checks for the wizard: `/remoteoperation/test` (with `?autocreate` to make a missing
 * folder), `/remoteoperation/create`, and `/remoteoperation/dbpath` (which local database a URL
 * would use).
 */
import type { Hono } from "hono";
import type { ServerContext } from "../context.ts";
import { HttpError, queryFlag, readObject } from "../http_errors.ts";
import { openBackend } from "../../backends/registry.ts";
import { FolderMissingError } from "../../backends/backend.ts";
import { OptionValues } from "../../core/option_values.ts";
import { databasePathFor } from "../../engine/session.ts";
import { unmaskUrl } from "../secrets.ts";
import { existsSync } from "node:fs";

function urlOf(ctx: ServerContext, body: Record<string, unknown>): string {
  const url = typeof body.path === "string" ? body.path.trim() : "";
  if (!url) throw new HttpError(400, 'Send the destination URL as "path"', "BadValue");
  // The UI sends masked URLs back when editing a stored backup.
  const id = body.backupId !== undefined ? String(body.backupId) : undefined;
  const stored = id ? ctx.db.backup(id)?.TargetURL : undefined;
  return unmaskUrl(url, stored);
}

/** Adds the remote operation routes. */
export function remoteOperationRoutes(api: Hono, ctx: ServerContext): void {
  api.post("/remoteoperation/test", async (c) => {
    const url = urlOf(ctx, await readObject(c));
    const backend = openBackend(url, new OptionValues({ "number-of-retries": "0" }));
    try {
      try {
        await backend.test();
      } catch (e) {
        if (!(e instanceof FolderMissingError)) throw e;
        if (!queryFlag(c, "autocreate")) {
          throw new HttpError(400, "missing-folder", "missing-folder");
        }
        await backend.createFolder();
        await backend.test();
      }
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(
        400,
        `The destination cannot be used: ${(e as Error).message}`,
        "TestFailed",
      );
    } finally {
      await backend.close().catch(() => {});
    }
    return c.json({ Status: "OK" });
  });

  api.post("/remoteoperation/create", async (c) => {
    const url = urlOf(ctx, await readObject(c));
    const backend = openBackend(url, new OptionValues({ "number-of-retries": "0" }));
    try {
      await backend.createFolder();
    } catch (e) {
      throw new HttpError(
        400,
        `The folder cannot be created: ${(e as Error).message}`,
        "CreateFailed",
      );
    } finally {
      await backend.close().catch(() => {});
    }
    return c.json({ Status: "OK" });
  });

  api.post("/remoteoperation/dbpath", async (c) => {
    const url = urlOf(ctx, await readObject(c));
    const path = databasePathFor(url, new OptionValues({ "server-datafolder": ctx.dataFolder }));
    return c.json({ Status: "OK", Path: path, Exists: existsSync(path) });
  });
}
