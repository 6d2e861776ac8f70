/**
 * Backup configurations: `/backups` (list, create, import) and `/backup/{id}` (get, update, delete,
 * export as file, command line or arguments, isactive, isdbusedelsewhere).
 */
import type { Hono } from "hono";
import { existsSync } from "node:fs";
import type { ServerContext } from "../context.ts";
import type { BackupRecord } from "../database.ts";
import {
  backupDto,
  type BackupInput,
  parseBackupInput,
  parseScheduleInput,
  scheduleDto,
  unmaskInput,
} from "../backup_dto.ts";
import { HttpError, notFound, queryFlag, readObject } from "../http_errors.ts";
import { engineOptions, newDatabasePath } from "../runner.ts";
import { isSensitiveName, stripUrlSecrets } from "../secrets.ts";
import { isEncryptedConfig, openConfig, sealConfig } from "../../engine/config_file.ts";
import { deleteRemoteFiles } from "../../engine/remote_files.ts";
import { VERSION } from "../../core/version.ts";
import { AuthError } from "../auth.ts";

/** A stored backup or a 404. */
export function getBackupOr404(ctx: ServerContext, id: string): BackupRecord {
  const b = ctx.db.backup(id) ?? ctx.temporaries.get(id);
  if (!b) throw notFound("Backup");
  return b;
}

function withDbPath(ctx: ServerContext, input: BackupInput, old?: BackupRecord) {
  return { ...input, DBPath: input.DBPath || old?.DBPath || newDatabasePath(ctx.dataFolder) };
}

/** Checks the option values of a configuration so bad values are refused before saving. */
function checkOptions(ctx: ServerContext, input: BackupInput): void {
  engineOptions(ctx, {
    ...input,
    ID: "0",
    DBPath: input.DBPath ?? "",
    Metadata: {},
    IsTemporary: false,
  });
}

function listEntry(ctx: ServerContext, b: BackupRecord) {
  return {
    Backup: backupDto(b, existsSync(b.DBPath)),
    Schedule: scheduleDto(ctx.db.scheduleFor(b.ID)),
  };
}

/** The configuration as an export file's JSON (Duplicati's ImportExportStructure). */
function exportStructure(ctx: ServerContext, b: BackupRecord, withPasswords: boolean) {
  const s = ctx.db.scheduleFor(b.ID);
  const settings = withPasswords ? b.Settings : b.Settings.filter((x) => !isSensitiveName(x.Name));
  const url = withPasswords ? b.TargetURL : stripUrlSecrets(b.TargetURL);
  return {
    CreatedByVersion: VERSION,
    Schedule: scheduleDto(s),
    Backup: {
      ID: b.ID,
      Name: b.Name,
      Description: b.Description,
      Tags: b.Tags,
      TargetURL: url,
      DBPath: b.DBPath,
      Sources: b.Sources,
      Settings: settings,
      Filters: b.Filters,
      Metadata: b.Metadata,
    },
    DisplayNames: Object.fromEntries(b.Sources.map((p) => [p, p])),
  };
}

function quote(s: string): string {
  return /^[A-Za-z0-9_\-./:=@%+,]+$/.test(s) ? s : `"${s.replaceAll('"', '\\"')}"`;
}

function cliParts(ctx: ServerContext, b: BackupRecord, withPasswords: boolean): string[] {
  const x = exportStructure(ctx, b, withPasswords).Backup;
  const opts = [...x.Settings.map((s) => `--${s.Name.replace(/^--/, "")}=${s.Value}`)];
  for (const f of [...x.Filters].sort((a, c) => a.Order - c.Order)) {
    opts.push(`--${f.Include ? "include" : "exclude"}=${f.Expression}`);
  }
  opts.push(`--dbpath=${b.DBPath}`, `--backup-name=${b.Name}`);
  return [x.TargetURL, ...x.Sources, ...opts];
}

/** Creates a backup (and its schedule) from a checked body; returns its ID. */
export function createBackup(ctx: ServerContext, body: Record<string, unknown>): string {
  const input = parseBackupInput(body);
  const schedule = parseScheduleInput(body, ctx.clock());
  if (ctx.db.backups().some((b) => b.Name === input.Name)) {
    throw new HttpError(
      400,
      `A backup named "${input.Name}" already exists: choose another name`,
      "DuplicateName",
    );
  }
  checkOptions(ctx, input);
  const id = ctx.db.addBackup(withDbPath(ctx, input));
  ctx.db.setSchedule(id, schedule);
  ctx.events.changed("data");
  ctx.events.publish("backuplist", undefined);
  ctx.scheduler.reschedule();
  return id;
}

/** Adds the backup configuration routes. */
export function backupsRoutes(api: Hono, ctx: ServerContext): void {
  api.get("/backups", (c) => {
    const list = ctx.db.backups().map((b) => listEntry(ctx, b));
    const order = c.req.query("orderBy");
    if (order === "name") {
      list.sort((a, b) => String(a.Backup.Name).localeCompare(String(b.Backup.Name)));
    }
    return c.json(list);
  });

  api.post("/backups", async (c) => {
    const body = await readObject(c);
    if (queryFlag(c, "temporary")) {
      const input = parseBackupInput(body);
      checkOptions(ctx, input);
      return c.json({ ID: ctx.temporaries.add(input), Temporary: true });
    }
    return c.json({ ID: createBackup(ctx, body), Temporary: false });
  });

  api.post("/backups/import", async (c) => {
    const body = await readObject(c);
    if (typeof body.config !== "string" || body.config === "") {
      throw new HttpError(400, 'Send the exported file base64-encoded as "config"', "BadValue");
    }
    let bytes: Uint8Array;
    try {
      bytes = Uint8Array.from(
        atob(body.config.replace(/^data:[^,]*,/, "")),
        (ch) => ch.charCodeAt(0),
      );
    } catch {
      throw new HttpError(400, '"config" is not valid base64', "BadValue");
    }
    const text = openConfig(
      bytes,
      typeof body.passphrase === "string" ? body.passphrase : undefined,
    );
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new HttpError(400, "The configuration file is not valid JSON", "BadJson");
    }
    const backup = parsed.Backup as Record<string, unknown> | undefined;
    if (!backup) throw new HttpError(400, "The configuration file has no Backup", "BadValue");
    if (body.import_metadata !== true) delete backup.Metadata;
    delete backup.DBPath;
    delete backup.ID;
    if (body.direct === true) {
      // Direct restore: the UI only needs the configuration to restore from.
      return c.json({ data: { Backup: parsed.Backup, Schedule: parsed.Schedule ?? null } });
    }
    let name = String(backup.Name ?? "Imported backup");
    const names = new Set(ctx.db.backups().map((b) => b.Name));
    for (let i = 2; names.has(name); i++) name = `${String(backup.Name)} (${i})`;
    backup.Name = name;
    const id = createBackup(ctx, { Backup: backup, Schedule: parsed.Schedule ?? null });
    return c.json({ ID: id, Temporary: false, Encrypted: isEncryptedConfig(bytes) });
  });

  api.get("/backup/:id", (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    const e = listEntry(ctx, b);
    return c.json({ ...e, DisplayNames: Object.fromEntries(b.Sources.map((p) => [p, p])) });
  });

  api.put("/backup/:id", async (c) => {
    const old = getBackupOr404(ctx, c.req.param("id"));
    const body = await readObject(c);
    const input = unmaskInput(parseBackupInput(body), old);
    if (old.IsTemporary) {
      checkOptions(ctx, input);
      ctx.temporaries.update(old.ID, input);
      return c.json({ Status: "OK" });
    }
    const schedule = parseScheduleInput(body, ctx.clock());
    if (ctx.db.backups().some((b) => b.Name === input.Name && b.ID !== old.ID)) {
      throw new HttpError(
        400,
        `A backup named "${input.Name}" already exists: choose another name`,
        "DuplicateName",
      );
    }
    if (ctx.queue.hasBackup(old.ID)?.Status === "Running") {
      throw new HttpError(
        409,
        "The backup is running: wait for it to finish before editing it",
        "BackupActive",
      );
    }
    checkOptions(ctx, input);
    ctx.db.updateBackup(old.ID, withDbPath(ctx, input, old));
    const prev = ctx.db.scheduleFor(old.ID);
    ctx.db.setSchedule(
      old.ID,
      schedule ? { ...schedule, LastRun: schedule.LastRun || prev?.LastRun || 0 } : undefined,
    );
    ctx.events.changed("data");
    ctx.events.publish("backuplist", undefined);
    ctx.scheduler.reschedule();
    return c.json({ Status: "OK" });
  });

  api.delete("/backup/:id", async (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    if (b.IsTemporary) {
      ctx.temporaries.delete(b.ID);
      return c.json({ Status: "OK" });
    }
    const active = ctx.queue.hasBackup(b.ID);
    if (active && !queryFlag(c, "force")) {
      throw new HttpError(
        409,
        "The backup is running or queued: stop it first, or use ?force=true",
        "BackupActive",
      );
    }
    if (active) {
      ctx.queue.cancel(active.ID, "abort");
      await ctx.queue.wait(active.ID);
    }
    if (queryFlag(c, "delete-remote-files")) {
      // First, so a destination that cannot be reached leaves the configuration to retry with.
      await deleteRemoteFiles({ url: b.TargetURL, options: engineOptions(ctx, b) });
    }
    ctx.db.deleteBackup(b.ID);
    if (queryFlag(c, "delete-local-db")) {
      for (const suffix of ["", "-wal", "-shm"]) {
        try {
          Deno.removeSync(b.DBPath + suffix);
        } catch {
          // Not there.
        }
      }
    }
    ctx.events.changed("data");
    ctx.events.publish("backuplist", undefined);
    ctx.scheduler.reschedule();
    return c.json({ Status: "OK" });
  });

  api.get("/backup/:id/export", (c) => {
    try {
      ctx.auth.verifySingleOperation(c.req.query("token") ?? "", "export");
    } catch {
      throw new AuthError("Exporting needs a token from POST /api/v1/auth/issuetoken/export");
    }
    const b = getBackupOr404(ctx, c.req.param("id"));
    const passphrase = c.req.query("passphrase") || undefined;
    const json = JSON.stringify(exportStructure(ctx, b, queryFlag(c, "export-passwords")), null, 2);
    const data = sealConfig(json, passphrase);
    const filename = encodeURIComponent(`${b.Name}-duplicati-config.json`) +
      (passphrase ? ".aes" : "");
    return c.body(data as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename=${filename}`,
    });
  });

  api.get("/backup/:id/export-cmdline", (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    const parts = cliParts(ctx, b, queryFlag(c, "export-passwords"));
    return c.json({ Command: ["duplicati-cli", "backup", ...parts].map(quote).join(" ") });
  });

  api.get("/backup/:id/export-argsonly", (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    const parts = cliParts(ctx, b, queryFlag(c, "export-passwords"));
    return c.json({
      Backend: parts[0],
      Arguments: parts.slice(1).filter((p) => !p.startsWith("--")),
      Options: parts.slice(1).filter((p) => p.startsWith("--")),
    });
  });

  api.get("/backup/:id/isdbusedelsewhere", (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    const others = ctx.db.backups().filter((x) => x.ID !== b.ID && x.DBPath === b.DBPath);
    return c.json({ Status: "OK", InUse: others.length > 0 });
  });

  api.get("/backup/:id/isactive", (c) => {
    const b = getBackupOr404(ctx, c.req.param("id"));
    return c.json({ Status: "OK", Active: ctx.queue.hasBackup(b.ID) !== undefined });
  });
}
