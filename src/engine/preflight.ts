/**
 * Checks made before an operation touches anything: the format settings match those the backup
 * was made with, the passphrase is the same, and the remote listing agrees with the database.
 */
import { pbkdf2Sync } from "node:crypto";
import type { OptionValues } from "../core/option_values.ts";
import { ExitCode, UserError } from "../core/errors.ts";
import { fromBase64, toBase64 } from "../core/bytes.ts";
import { parseVolumeName } from "../format/volume_names.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { VolumeState } from "../db/schema.ts";
import { allVolumeNames, volumesInStates } from "../db/volumes.ts";
import { FolderMissingError, type RemoteEntry } from "../backends/backend.ts";
import { type FormatSettings, openDatabase, type Session } from "./session.ts";
import { isRecreating } from "../db/recreate_state.ts";
import { recoverInterrupted } from "./recovery.ts";
import { finishPendingDeletes } from "./volume_deleter.ts";

function passCheck(pass: string, salt: Uint8Array): string {
  return toBase64(pbkdf2Sync(pass, salt, 10_000, 32, "sha256"));
}

/**
 * Records the format settings on first use and refuses later runs with different ones
 * (block size, hashes, encryption on/off, passphrase).
 */
export function verifyFormatSettings(
  db: LocalDatabase,
  s: FormatSettings,
  _opts: OptionValues,
): void {
  const stored = db.getConfig("blocksize");
  if (stored === undefined || db.getConfig("encrypted") === undefined) {
    db.transaction(() => {
      db.setConfig("blocksize", String(s.blocksize));
      db.setConfig("blockhash", s.blockHash);
      db.setConfig("filehash", s.fileHash);
      db.setConfig("encrypted", s.passphrase !== undefined ? "true" : "false");
      if (s.passphrase !== undefined) {
        const salt = crypto.getRandomValues(new Uint8Array(16));
        db.setConfig("passphrase-salt", toBase64(salt));
        db.setConfig("passphrase-check", passCheck(s.passphrase, salt));
      }
    });
    return;
  }
  if (Number(stored) !== s.blocksize) {
    throw new UserError(
      `This backup uses --blocksize=${stored} bytes; it cannot be changed after the first ` +
        `backup. Remove --blocksize or set it to ${stored}b.`,
      { code: "BlocksizeChanged", exitCode: ExitCode.BadArguments },
    );
  }
  const wasEncrypted = db.getConfig("encrypted") === "true";
  if (wasEncrypted && s.passphrase === undefined) {
    throw new UserError(
      "This backup is encrypted: give its passphrase with --passphrase or PASSPHRASE.",
      { code: "PassphraseMissing", exitCode: ExitCode.BadArguments },
    );
  }
  if (!wasEncrypted && s.passphrase !== undefined) {
    throw new UserError(
      "This backup is not encrypted; encryption cannot be turned on later. " +
        "Use --no-encryption, or start a new backup in another folder.",
      { code: "EncryptionChanged", exitCode: ExitCode.BadArguments },
    );
  }
  if (wasEncrypted) {
    const salt = db.getConfig("passphrase-salt");
    const check = db.getConfig("passphrase-check");
    if (salt && check && passCheck(s.passphrase!, fromBase64(salt)) !== check) {
      throw new UserError(
        "The passphrase is not the one this backup was made with. Check --passphrase and try again.",
        { code: "WrongPassphrase", exitCode: ExitCode.Fatal },
      );
    }
  }
}

/**
 * Opens the existing local database for an operation that needs one: refuses a missing or
 * half-recreated database and checks the format settings (passphrase included).
 */
export function openCheckedDatabase(
  url: string,
  opts: OptionValues,
  settings: FormatSettings,
): LocalDatabase {
  const db = openDatabase(url, opts, false);
  try {
    assertNotRecreating(db);
    verifyFormatSettings(db, settings, opts);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Refuses a database whose recreate was interrupted: it is incomplete until `repair` finishes it.
 */
export function assertNotRecreating(db: LocalDatabase): void {
  if (isRecreating(db)) {
    throw new UserError(
      `The local database ${db.path} is being recreated and is not complete yet (the recreate ` +
        `was interrupted). Run "repair" to finish it.`,
      { code: "RecreateUnfinished", exitCode: ExitCode.Fatal },
    );
  }
}

/** The remote listing compared with the database. */
export interface RemoteAnalysis {
  /** The listing after clean-up. */
  remote: RemoteEntry[];
  /** Volumes the database trusts that are not on the remote. */
  missing: string[];
  /** Volumes whose remote size differs from the recorded one. */
  wrongSize: { name: string; actual: number; expected: number }[];
  /** Remote files of this backup (by prefix) that the database does not know. */
  extra: RemoteEntry[];
  /** True when the database knows no volume at all. */
  emptyDatabase: boolean;
}

/**
 * Lists the remote, cleans up after an interrupted run (unfinished uploads, unfinished
 * deletions) and compares the listing with the database. Throws only when listing fails.
 */
export async function analyzeRemote(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  o: { autoCreateFolder: boolean },
): Promise<RemoteAnalysis> {
  let remote: RemoteEntry[];
  try {
    remote = await session.backend.list();
  } catch (err) {
    if (err instanceof FolderMissingError && o.autoCreateFolder) {
      await session.backend.createFolder();
      remote = [];
    } else throw err;
  }
  const report = await recoverInterrupted(session, db, remote, settings);
  const leftovers = await session.backend.removeLeftovers?.() ?? 0;
  if (leftovers) session.logger.info(`Removed ${leftovers} unfinished upload(s)`);
  for (const n of report.sealedVersions) {
    session.logger.info(`The interrupted run had finished uploading ${n}; it is kept`);
  }
  for (const n of report.rebuiltIndexes) {
    session.logger.info(`Uploaded the missing index file ${n}`);
  }
  const finished = await finishPendingDeletes(session, db, remote);
  const removed = new Set([...report.removedRemote, ...finished]);
  if (removed.size) {
    session.logger.info(`Removed ${removed.size} file(s) left by an interrupted run`);
  }
  remote = remote.filter((r) => !removed.has(r.name));
  // Partial versions, rebuilt indexes and rewritten dlists were uploaded: list again.
  if (
    report.partialVersions.length || report.rebuiltIndexes.length ||
    report.rewrittenDlists.length
  ) {
    remote = (await session.backend.list()).filter((r) => !removed.has(r.name));
  }
  const byName = new Map(remote.map((r) => [r.name, r]));
  const missing: string[] = [];
  const wrongSize: RemoteAnalysis["wrongSize"] = [];
  for (const v of volumesInStates(db, VolumeState.Uploaded, VolumeState.Verified)) {
    const r = byName.get(v.Name);
    if (!r) missing.push(v.Name);
    else if (v.Size >= 0 && r.size >= 0 && r.size !== v.Size) {
      wrongSize.push({ name: v.Name, actual: r.size, expected: v.Size });
    }
  }
  const knownNames = allVolumeNames(db);
  const extra = remote.filter((r) =>
    !r.isFolder && parseVolumeName(r.name, settings.prefix) && !knownNames.has(r.name)
  );
  return { remote, missing, wrongSize, extra, emptyDatabase: knownNames.size === 0 };
}

function listNames(names: string[]): string {
  return names.slice(0, 10).join(", ") +
    (names.length > 10 ? `, ... (${names.length} in all)` : "");
}

/**
 * Lists the remote, cleans up after an interrupted run, and checks that every volume the database
 * trusts is present with the recorded size and that no unknown file of this backup is there.
 * Throws a UserError naming the files and the command that fixes them; `--auto-cleanup` deletes
 * unknown files instead, `--no-backend-verification` skips the comparison. Returns the names now
 * on the remote.
 */
export async function checkRemoteAgainstDatabase(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  o: { autoCreateFolder: boolean },
): Promise<Set<string>> {
  const a = await analyzeRemote(session, db, settings, o);
  let remote = a.remote;
  if (session.opts.bool("no-backend-verification")) return new Set(remote.map((r) => r.name));
  if (a.extra.length && a.emptyDatabase) {
    throw new UserError(
      `The destination already holds a backup (${a.extra.length} files) that the local database ` +
        `does not know. Run "repair" to recreate the database from it, or use another folder or ` +
        `--prefix for a new backup.`,
      { code: "DatabaseMissingForRemote", exitCode: ExitCode.Fatal },
    );
  }
  if (a.extra.length && session.opts.bool("auto-cleanup")) {
    const deleted = new Set<string>();
    for (const e of a.extra) {
      try {
        await session.backend.delete(e.name);
        deleted.add(e.name);
      } catch (err) {
        session.logger.warn(`Could not delete the unknown remote file ${e.name}: ${err}`);
      }
    }
    session.logger.info(
      `--auto-cleanup removed ${deleted.size} remote file(s) the local database did not know: ` +
        listNames([...deleted]),
    );
    remote = remote.filter((r) => !deleted.has(r.name));
    a.extra = a.extra.filter((e) => !deleted.has(e.name));
  }
  const parts: string[] = [];
  if (a.missing.length) {
    parts.push(
      `${a.missing.length} file(s) are missing from the remote storage: ${listNames(a.missing)}`,
    );
  }
  if (a.wrongSize.length) {
    parts.push(
      `${a.wrongSize.length} file(s) have the wrong size: ${
        listNames(a.wrongSize.map((w) => `${w.name} (${w.actual} bytes, expected ${w.expected})`))
      }`,
    );
  }
  if (a.extra.length) {
    parts.push(
      `${a.extra.length} remote file(s) are not recorded in the local database: ${
        listNames(a.extra.map((e) => e.name))
      }`,
    );
  }
  if (parts.length) {
    const fix = a.missing.length || a.wrongSize.length
      ? `Run "repair" to fix the remote from the local database.`
      : `Run "repair", or add --auto-cleanup to delete the unknown files.`;
    throw new UserError(`${parts.join("; ")}. ${fix}`, {
      code: a.missing.length || a.wrongSize.length ? "RemoteFilesMissing" : "ExtraRemoteFiles",
      exitCode: ExitCode.Fatal,
    });
  }
  return new Set(remote.map((r) => r.name));
}
