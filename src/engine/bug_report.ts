/**
 * `create-report`: a zip for a bug report holding an anonymised copy of the local database
 * (`log-database.sqlite`: names replaced by salted hashes, path-bearing log lines erased, secrets
 * removed) and `system-info.txt`. The original database is not touched.
 */
import { join } from "node:path";
import type { OptionValues } from "../core/option_values.ts";
import { UserError } from "../core/errors.ts";
import { LocalDatabase } from "../db/local_database.ts";
import { anonymizeDatabase, copyDatabase } from "../db/maintenance.ts";
import { ZipWriter } from "../format/zip.ts";
import { databasePathFor } from "./session.ts";
import { systemInfo } from "./system_info.ts";

/** What was written. */
export interface BugReportResult {
  targetPath: string;
  databasePath: string;
  replacedNames: number;
  warnings: string[];
  errors: string[];
}

/**
 * Writes the report for the backup at `url` (or `--dbpath`) to `target` (`.zip` is added when the
 * name has another extension). Throws a UserError when the target exists or there is no database.
 */
export async function createBugReport(
  url: string,
  target: string,
  options: OptionValues,
): Promise<BugReportResult> {
  const targetPath = target.toLowerCase().endsWith(".zip") ? target : `${target}.zip`;
  try {
    Deno.statSync(targetPath);
    throw new UserError(`Output file already exists, not overwriting: ${targetPath}`, {
      code: "ReportExists",
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
  }
  const dbPath = options.str("dbpath") || databasePathFor(url, options);
  try {
    Deno.statSync(dbPath);
  } catch {
    throw new UserError(
      `No local database found for ${url} (looked for ${dbPath}); add --dbpath=<file>`,
      { code: "DatabaseMissing" },
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "dup-report-" });
  try {
    const copy = join(dir, "log-database.sqlite");
    // A consistent copy even while the WAL holds recent changes.
    const src = LocalDatabase.open(dbPath, { create: false, readOnly: true });
    try {
      copyDatabase(src, copy);
    } finally {
      src.close();
    }
    const db = LocalDatabase.open(copy, { create: false });
    let replaced: number;
    try {
      const salt = crypto.randomUUID();
      replaced = anonymizeDatabase(db, salt);
    } finally {
      db.close();
    }
    const zip = ZipWriter.create(targetPath);
    try {
      zip.add("log-database.sqlite", await Deno.readFile(copy), { compress: true });
      zip.add(
        "system-info.txt",
        new TextEncoder().encode(systemInfo().join("\n") + "\n"),
        { compress: true },
      );
    } finally {
      zip.close();
    }
    return { targetPath, databasePath: dbPath, replacedNames: replaced, warnings: [], errors: [] };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
