/**
 * The frame of operations on an existing backup (delete, compact, test): open its local
 * database and a session, check the format settings, optionally compare the remote with the
 * database, run, and close everything whatever happens.
 */
import type { OptionValues } from "../core/option_values.ts";
import { ExitCode, UserError } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import { LocalDatabase } from "../db/local_database.ts";
import { databasePathFor, type FormatSettings, formatSettings, Session } from "./session.ts";
import { checkRemoteAgainstDatabase, verifyFormatSettings } from "./preflight.ts";

/** What the operation body gets. */
export interface BackupContext {
  session: Session;
  db: LocalDatabase;
  settings: FormatSettings;
}

/** Opens the existing local database of a backup, or explains how to get one. */
export function openBackupDatabase(url: string, opts: OptionValues): LocalDatabase {
  const path = databasePathFor(url, opts);
  try {
    Deno.statSync(path);
  } catch {
    throw new UserError(
      `The local database ${path} does not exist. Run "repair" to recreate it from the remote ` +
        `files, or give the right one with --dbpath.`,
      { code: "DatabaseFileMissing", exitCode: ExitCode.Fatal },
    );
  }
  return LocalDatabase.open(path, { create: false });
}

/**
 * Runs `body` on an existing backup. With `checkRemote`, the remote listing must agree with the
 * database first (see checkRemoteAgainstDatabase).
 */
export async function withBackup<T>(
  url: string,
  options: OptionValues,
  logger: Logger | undefined,
  o: { checkRemote: boolean; operation?: string },
  body: (ctx: BackupContext) => Promise<T>,
): Promise<T> {
  const settings = formatSettings(options);
  const db = openBackupDatabase(url, options);
  let session: Session | undefined;
  try {
    session = await Session.open(url, options, logger ?? new Logger(), o.operation);
    verifyFormatSettings(db, settings, options);
    if (o.checkRemote) {
      await checkRemoteAgainstDatabase(session, db, settings, { autoCreateFolder: false });
    }
    return await body({ session, db, settings });
  } finally {
    db.close();
    await session?.close();
  }
}
