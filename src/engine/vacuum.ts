/** `vacuum`: rebuilds the local database file of a backup to release unused space. */
import type { OptionValues } from "../core/option_values.ts";
import type { Logger } from "../core/log.ts";
import { UserError } from "../core/errors.ts";
import { LocalDatabase } from "../db/local_database.ts";
import { vacuumDatabase } from "../db/maintenance.ts";
import { databasePathFor } from "./session.ts";

/** What the vacuum did. */
export interface VacuumResult {
  databasePath: string;
  sizeBefore: number;
  sizeAfter: number;
  warnings: string[];
  errors: string[];
}

function fileSize(path: string): number {
  let n = 0;
  for (const p of [path, `${path}-wal`]) {
    try {
      n += Deno.statSync(p).size;
    } catch { /* absent */ }
  }
  return n;
}

/**
 * Vacuums the database of the backup at `url` (or `--dbpath`). Throws a UserError when there is no
 * local database for it.
 */
export function vacuum(url: string, options: OptionValues): VacuumResult {
  const path = databasePathFor(url, options);
  try {
    Deno.statSync(path);
  } catch {
    throw new UserError(
      `There is no local database for ${url} (looked for ${path}); nothing to vacuum. ` +
        `Give the right one with --dbpath.`,
      { code: "DatabaseMissing" },
    );
  }
  const sizeBefore = fileSize(path);
  const db = LocalDatabase.open(path, { create: false });
  try {
    vacuumDatabase(db);
  } finally {
    db.close();
  }
  return { databasePath: path, sizeBefore, sizeAfter: fileSize(path), warnings: [], errors: [] };
}

/**
 * `--auto-vacuum`: vacuums `db` after an operation unless the last vacuum was less than
 * `--auto-vacuum-interval` ago (kept in the database as `last-vacuum`). Failures are only logged.
 */
export function autoVacuum(db: LocalDatabase, options: OptionValues, logger: Logger): boolean {
  if (!options.bool("auto-vacuum") || options.bool("dry-run")) return false;
  const interval = options.timespan("auto-vacuum-interval", 0);
  const last = Number(db.getConfig("last-vacuum") ?? "0");
  if (interval > 0 && Date.now() - last < interval) return false;
  try {
    db.transaction(() => db.setConfig("last-vacuum", String(Date.now())));
    vacuumDatabase(db);
    logger.verbose(`Vacuumed the local database ${db.path}`);
    return true;
  } catch (err) {
    logger.verbose(`Failed to vacuum the local database: ${(err as Error).message}`);
    return false;
  }
}
