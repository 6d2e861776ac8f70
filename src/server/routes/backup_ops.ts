/**
 * Operations on one backup: run, restore, verify, compact, repair, database delete/recreate, and
 * browsing its versions (`filesets`, `files`) and logs (`log`, `remotelog`). Long operations go
 * through the task queue; browsing runs at once.
 */
import type { Context, Hono } from "hono";
import { existsSync } from "node:fs";
import type { ServerContext } from "../context.ts";
import type { BackupRecord } from "../database.ts";
import { HttpError, notFound, queryFlag, queryInt, readObject } from "../http_errors.ts";
import { AuthError } from "../auth.ts";
import type { TaskSpec } from "../task_queue.ts";
import {
  backupTask,
  compactTask,
  createReportTask,
  engineOptions,
  repairTask,
  reportPath,
  reportRemoteSizeTask,
  type RestoreInput,
  restoreTask,
  vacuumTask,
  verifyTask,
} from "../runner.ts";
import { getBackupOr404 } from "./backups.ts";
import { BackupView, folderContents, type ListedEntry } from "../../engine/list.ts";
import { patternFilter } from "../../engine/path_filter.ts";
import { FilterList } from "../../core/filters.ts";
import { LocalDatabase } from "../../db/local_database.ts";
import { remoteOperations } from "../../db/operation_log.ts";
import { maskUrl } from "../secrets.ts";

/** Opens a read-only view of a backup's versions and closes it after `fn`. */
async function withView<T>(
  ctx: ServerContext,
  b: BackupRecord,
  extra: Record<string, string>,
  fn: (v: BackupView) => T,
): Promise<T> {
  const opts = engineOptions(ctx, b, { "number-of-retries": "0", ...extra });
  const view = await BackupView.open(b.TargetURL, opts);
  try {
    return fn(view);
  } finally {
    await view.close();
  }
}

function filesetsDto(view: BackupView) {
  return view.versions().map((v) => ({
    Version: v.version,
    IsFullBackup: v.isFullBackup,
    Time: v.time.toISOString(),
    FileCount: v.fileCount,
    FileSizes: v.size,
  }));
}

function isFolderPath(p: string): boolean {
  return p.endsWith("/") || p.endsWith("\\");
}

function taskStarted(c: Context, id: number) {
  return c.json({ Status: "OK", ID: id });
}

/** Adds the per-backup operation routes. */
export function backupOpsRoutes(api: Hono, ctx: ServerContext): void {
  const run = (c: Context) => {
    const b = getBackupOr404(ctx, c.req.param("id")!);
    if (b.IsTemporary) {
      throw new HttpError(
        400,
        "A temporary configuration can only restore; save it as a backup to run it",
        "Temporary",
      );
    }
    const existing = ctx.queue.hasBackup(b.ID);
    if (existing && existing.Operation === "Backup") return taskStarted(c, existing.ID);
    return taskStarted(c, ctx.queue.add(backupTask(ctx, b), queryFlag(c, "skipQueue")));
  };
  api.post("/backup/:id/run", run);
  api.post("/backup/:id/start", run);

  api.post("/backup/:id/restore", async (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    const body = await readObject(c);
    if (body.paths !== undefined && body.paths !== null && !Array.isArray(body.paths)) {
      throw new HttpError(400, "paths must be a list of paths to restore", "BadValue");
    }
    const input: RestoreInput = {
      paths: ((body.paths as unknown[] | undefined) ?? []).map(String),
      passphrase: typeof body.passphrase === "string" ? body.passphrase : undefined,
      time: typeof body.time === "string" ? body.time : undefined,
      restore_path: typeof body.restore_path === "string" ? body.restore_path : undefined,
      overwrite: body.overwrite === true,
      permissions: body.permissions === true,
      skip_metadata: body.skip_metadata === true,
    };
    return taskStarted(c, ctx.queue.add(restoreTask(ctx, b, input)));
  });

  const simpleTasks: Record<string, (host: ServerContext, b: BackupRecord) => TaskSpec> = {
    verify: verifyTask,
    compact: compactTask,
    vacuum: vacuumTask,
    createreport: createReportTask,
    "report-remote-size": reportRemoteSizeTask,
  };
  for (const [route, make] of Object.entries(simpleTasks)) {
    api.post(`/backup/:id/${route}`, (c) => {
      const b = getBackupOr404(ctx, c.req.param("id"));
      return taskStarted(c, ctx.queue.add(make(ctx, b)));
    });
  }
  api.get("/bugreport/:id", async (c) => {
    try {
      ctx.auth.verifySingleOperation(c.req.query("token") ?? "", "bugreport");
    } catch {
      throw new AuthError(
        "Downloading a report needs a token from POST /api/v1/auth/issuetoken/bugreport",
      );
    }
    const id = c.req.param("id");
    if (!/^\d+$/.test(id)) throw new HttpError(400, "Report ID must be a number", "BadValue");
    let data: Uint8Array;
    try {
      data = await Deno.readFile(reportPath(ctx, Number(id)));
    } catch {
      throw notFound("Bug report");
    }
    return c.body(data as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/zip",
      "Content-Disposition": `attachment; filename=bugreport-${id}.zip`,
    });
  });

  const repairRoute = async (c: Context) => {
    const b = getBackupOr404(ctx, c.req.param("id")!);
    const body = await readObject(c, { optional: true });
    const extra: Record<string, string> = {};
    if (typeof body.only_paths === "boolean") extra["repair-only-paths"] = String(body.only_paths);
    for (const k of ["time", "version"] as const) {
      if (typeof body[k] === "string" && body[k] !== "") extra[k] = body[k] as string;
    }
    return taskStarted(c, ctx.queue.add(repairTask(ctx, b, extra)));
  };
  api.post("/backup/:id/repair", repairRoute);
  api.post("/backup/:id/repairupdate", repairRoute);

  api.post("/backup/:id/deletedb", (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    if (ctx.queue.hasBackup(b.ID)) {
      throw new HttpError(409, "The backup is running or queued: stop it first", "BackupActive");
    }
    for (const suffix of ["", "-wal", "-shm"]) {
      try {
        Deno.removeSync(b.DBPath + suffix);
      } catch {
        // Not there.
      }
    }
    ctx.events.changed("data");
    return c.json({ Status: "OK" });
  });

  const moveDb = (move: boolean) => async (c: Context) => {
    const b = getBackupOr404(ctx, c.req.param("id")!);
    const body = await readObject(c);
    const target = typeof body.path === "string" ? body.path : "";
    if (!target) throw new HttpError(400, "No target path supplied", "BadValue");
    if (!/^(\/|[A-Za-z]:[\\/])/.test(target)) {
      throw new HttpError(
        400,
        "Target path is relative, please supply a fully qualified path",
        "BadValue",
      );
    }
    if (move) {
      if (existsSync(target)) {
        throw new HttpError(409, "A file already exists at the new location", "Exists");
      }
      if (existsSync(b.DBPath)) Deno.renameSync(b.DBPath, target);
    }
    ctx.db.updateBackup(b.ID, { ...b, DBPath: target });
    ctx.events.changed("data");
    return c.json({ Status: "OK" });
  };
  api.post("/backup/:id/movedb", moveDb(true));
  api.post("/backup/:id/updatedb", moveDb(false));

  api.get("/backup/:id/filesets", async (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    const extra: Record<string, string> = {};
    if (queryFlag(c, "from-remote-only")) extra["no-local-db"] = "true";
    return c.json(await withView(ctx, b, extra, filesetsDto));
  });

  api.get("/backup/:id/files", async (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    const allVersions = queryFlag(c, "all-versions");
    const time = c.req.query("time");
    if (!allVersions && !time) {
      throw new HttpError(
        400,
        "Invalid or missing time: give ?time=<version time> or ?all-versions=true",
        "BadValue",
      );
    }
    const filter = c.req.query("filter") ?? "";
    const prefixOnly = queryFlag(c, "prefix-only");
    const folder = queryFlag(c, "folder-contents");
    const extra: Record<string, string> = {};
    if (time) extra.time = time;
    return c.json(
      await withView(ctx, b, extra, (view) => {
        const opts = engineOptions(ctx, b, { ...extra, "all-versions": String(allVersions) });
        const versions = view.selectVersions(opts, allVersions);
        const sizes = new Map<string, number[]>();
        const add = (e: ListedEntry, i: number) => {
          let s = sizes.get(e.path);
          if (!s) sizes.set(e.path, s = versions.map(() => -1));
          s[i] = e.type === "Folder" ? -1 : e.size;
        };
        versions.forEach((v, i) => {
          let entries: ListedEntry[];
          if (prefixOnly) entries = folderContents(view, v, "");
          else if (folder) entries = folderContents(view, v, filter);
          else {
            const f = patternFilter(filter ? filter.split(/[;\n]/) : [], new FilterList([]));
            entries = [...view.entries(v, f)];
          }
          for (const e of entries) add(e, i);
        });
        const files = [...sizes.entries()].map(([Path, Sizes]) => ({ Path, Sizes }));
        files.sort((x, y) =>
          Number(isFolderPath(y.Path)) - Number(isFolderPath(x.Path)) ||
          (x.Path < y.Path ? -1 : x.Path > y.Path ? 1 : 0)
        );
        const all = filesetsDto(view);
        return { Filesets: versions.map((v) => all[v]), Files: files };
      }),
    );
  });

  api.get("/backup/:id/log", (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    const rows = ctx.db.logs(Number(b.ID), queryInt(c, "offset"), queryInt(c, "pagesize") ?? 100);
    return c.json(rows.map((r) => ({ ...r, Timestamp: Math.floor(Number(r.Timestamp) / 1000) })));
  });

  api.get("/backup/:id/remotelog", (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    const offset = queryInt(c, "offset");
    const size = queryInt(c, "pagesize") ?? 100;
    if (!existsSync(b.DBPath)) return c.json([]);
    const db = LocalDatabase.open(b.DBPath, { create: false });
    try {
      // Duplicati's shape: ID, OperationID, Timestamp (unix seconds), Operation, Path, Data.
      const rows = remoteOperations(db, offset, size);
      return c.json(rows.map((r) => ({
        ID: r.ID,
        OperationID: r.OperationID,
        Timestamp: Math.floor(Number(r.Timestamp) / 1000),
        Operation: r.Operation,
        Path: maskUrl(String(r.Path)),
        Data: r.Data,
      })));
    } finally {
      db.close();
    }
  });
}
