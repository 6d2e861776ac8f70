/** `vacuum`: rebuilds the local database file of a backup to release unused space. */
import type { OptionValues } from "../core/option_values.ts";
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
