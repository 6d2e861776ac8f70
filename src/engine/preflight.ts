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
import type { FormatSettings, Session } from "./session.ts";
import { recoverInterrupted } from "./recovery.ts";

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
  if (stored === undefined) {
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
 * Lists the remote, cleans up after an interrupted run, and checks that every volume the database
 * trusts is present with the recorded size. Returns the names now on the remote.
 */
export async function checkRemoteAgainstDatabase(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  o: { autoCreateFolder: boolean },
): Promise<Set<string>> {
  let remote: RemoteEntry[];
  try {
    remote = await session.backend.list();
  } catch (err) {
    if (err instanceof FolderMissingError && o.autoCreateFolder) {
      await session.backend.createFolder();
      remote = [];
    } else throw err;
  }
  const report = await recoverInterrupted(session, db, remote);
  for (const n of report.sealedVersions) {
    session.logger.info(`The interrupted run had finished uploading ${n}; it is kept`);
  }
  if (report.removedRemote.length) {
    session.logger.info(
      `Removed ${report.removedRemote.length} incomplete file(s) left by an interrupted run`,
    );
  }
  const removed = new Set(report.removedRemote);
  remote = remote.filter((r) => !removed.has(r.name));
  const names = new Set(remote.map((r) => r.name));
  if (session.opts.bool("no-backend-verification")) return names;
  const byName = new Map(remote.map((r) => [r.name, r]));
  const known = volumesInStates(db, VolumeState.Uploaded, VolumeState.Verified);
  const missing: string[] = [];
  const wrongSize: string[] = [];
  for (const v of known) {
    const r = byName.get(v.Name);
    if (!r) missing.push(v.Name);
    else if (v.Size >= 0 && r.size !== v.Size) {
      wrongSize.push(`${v.Name} (${r.size} bytes, expected ${v.Size})`);
    }
  }
  if (missing.length || wrongSize.length) {
    const parts: string[] = [];
    if (missing.length) {
      parts.push(
        `${missing.length} file(s) are missing from the remote storage: ${
          missing.slice(0, 10).join(", ")
        }` +
          (missing.length > 10 ? ", ..." : ""),
      );
    }
    if (wrongSize.length) {
      parts.push(
        `${wrongSize.length} file(s) have the wrong size: ${wrongSize.slice(0, 10).join(", ")}`,
      );
    }
    throw new UserError(
      `${parts.join("; ")}. Run "repair" to fix the remote from the local database.`,
      { code: "RemoteFilesMissing", exitCode: ExitCode.Fatal },
    );
  }
  const knownNames = allVolumeNames(db);
  const extra = remote.filter((r) =>
    parseVolumeName(r.name, settings.prefix) && !knownNames.has(r.name)
  );
  if (extra.length) {
    if (knownNames.size === 0) {
      throw new UserError(
        `The destination already holds a backup (${extra.length} files) that the local database ` +
          `does not know. Run "repair" to recreate the database from it, or use another folder or ` +
          `--prefix for a new backup.`,
        { code: "DatabaseMissingForRemote", exitCode: ExitCode.Fatal },
      );
    }
    session.logger.warn(
      `Found ${extra.length} remote file(s) that the local database does not know: ` +
        extra.slice(0, 5).map((e) => e.name).join(", ") + (extra.length > 5 ? ", ..." : "") +
        `. They are left alone; run "repair" if they belong to this backup.`,
    );
  }
  return names;
}
