/**
 * The recovery tool's first step: download every volume of a backup (dlist, dindex, dblock) into
 * a local folder and decrypt it, so the later steps work on plain zip files. Files already in the
 * folder are kept, so an interrupted download resumes where it stopped.
 */
import { join } from "node:path";
import { ExitCode, UserError } from "../core/errors.ts";
import type { OptionValues } from "../core/option_values.ts";
import { formatSize } from "../core/sizes.ts";
import type { Backend, RemoteEntry } from "../backends/backend.ts";
import { redact } from "../backends/registry.ts";
import { AesCryptError, decryptFile } from "../format/aescrypt.ts";
import { type ParsedVolumeName, parseVolumeName } from "../format/volume_names.ts";
import { ZipReader } from "../format/zip.ts";
import { openToolBackend } from "./tool_args.ts";

/** A remote volume of the backup. */
export interface RemoteVolumeFile {
  entry: RemoteEntry;
  parsed: ParsedVolumeName;
}

/**
 * The backup's volumes on `backend` with `prefix`. Throws a UserError that says what was found
 * instead (nothing, or volumes of another prefix).
 */
export async function backupVolumes(
  backend: Backend,
  url: string,
  prefix: string,
): Promise<RemoteVolumeFile[]> {
  const all = (await backend.list()).filter((e) => !e.isFolder);
  const parsed = all.map((entry) => ({ entry, parsed: parseVolumeName(entry.name) }));
  const mine = parsed.filter((p): p is RemoteVolumeFile =>
    p.parsed !== undefined && !p.parsed.parity && p.parsed.prefix === prefix
  );
  if (mine.length === 0) {
    const others = [
      ...new Set(parsed.flatMap((p) => p.parsed && !p.parsed.parity ? [p.parsed.prefix] : [])),
    ];
    throw new UserError(
      all.length === 0
        ? `No files were found at ${redact(url)}: check the URL.`
        : others.length
        ? `No volumes with the prefix "${prefix}" at ${redact(url)}, but some with ` +
          `${others.map((o) => `"${o}"`).join(", ")}: give it with --prefix=<prefix>.`
        : `${all.length} files at ${redact(url)}, but none is a Duplicati volume: check the URL.`,
      { code: "NoBackupFound" },
    );
  }
  return mine;
}

/** The local name of a volume once decrypted (the encryption extension dropped). */
export function plainName(v: RemoteVolumeFile): string {
  return v.parsed.encryption
    ? v.entry.name.slice(0, -(v.parsed.encryption.length + 1))
    : v.entry.name;
}

/**
 * Decrypts `src` into `dst`. Throws a UserError that says to check the passphrase when it is
 * wrong, and one naming the file when it is damaged.
 */
export async function decryptVolume(
  name: string,
  src: string,
  dst: string,
  passphrase: string,
): Promise<void> {
  try {
    await decryptFile(src, dst, passphrase);
  } catch (e) {
    await Deno.remove(dst).catch(() => {});
    if (e instanceof AesCryptError && e.kind === "bad-password") {
      throw new UserError(
        `Cannot decrypt ${name}: the passphrase is wrong. Check --passphrase and try again.`,
        { code: "WrongPassphrase", cause: e },
      );
    }
    throw new UserError(`Cannot decrypt ${name}: ${(e as Error).message}`, {
      code: "VolumeDamaged",
      cause: e,
    });
  }
}

/** Checks that the backup's encrypted volumes can be opened with the options' passphrase. */
export function requirePassphrase(vols: RemoteVolumeFile[], opts: OptionValues): string {
  const pass = opts.str("passphrase") ?? "";
  const enc = vols.find((v) => v.parsed.encryption);
  if (enc && enc.parsed.encryption!.toLowerCase() !== "aes") {
    throw new UserError(
      `${enc.entry.name} is encrypted with "${enc.parsed.encryption}"; only aes is supported.`,
      { code: "UnsupportedEncryption" },
    );
  }
  if (enc && pass === "") {
    throw new UserError(
      "The backup's files are encrypted: give the passphrase with --passphrase=<passphrase>.",
      { code: "PassphraseMissing", exitCode: ExitCode.BadArguments },
    );
  }
  return pass;
}

/** What a download did. */
export interface DownloadReport {
  downloaded: number;
  kept: number;
  bytes: number;
}

/**
 * Downloads and decrypts every volume of the backup at `url` into `folder` (created when
 * missing). Stops at the first failure with a UserError (a wrong passphrase is caught at the
 * first encrypted file); what was downloaded stays and is kept on the next run.
 */
export async function downloadVolumes(
  url: string,
  folder: string,
  opts: OptionValues,
  log: (line: string) => void,
): Promise<DownloadReport> {
  const backend = openToolBackend(url, opts);
  try {
    const vols = await backupVolumes(backend, url, opts.str("prefix") ?? "duplicati");
    const pass = requirePassphrase(vols, opts);
    Deno.mkdirSync(folder, { recursive: true });
    // dlists first: the smallest files, and a wrong passphrase shows at once.
    const order = { dlist: 0, dindex: 1, dblock: 2 };
    vols.sort((a, b) =>
      order[a.parsed.type] - order[b.parsed.type] || (a.entry.name < b.entry.name ? -1 : 1)
    );
    const report: DownloadReport = { downloaded: 0, kept: 0, bytes: 0 };
    for (const [i, v] of vols.entries()) {
      const name = plainName(v);
      const target = join(folder, name);
      const prefix = `${i + 1}/${vols.length}: ${v.entry.name}`;
      try {
        Deno.statSync(target);
        log(`${prefix} already downloaded`);
        report.kept++;
        continue;
      } catch { /* not yet */ }
      const raw = `${target}.download`;
      const part = `${target}.part`;
      let size = 0;
      try {
        await backend.get(v.entry.name, raw);
        size = Deno.statSync(raw).size;
        report.bytes += size;
        if (v.parsed.encryption) await decryptVolume(v.entry.name, raw, part, pass);
        else await Deno.rename(raw, part);
        try {
          ZipReader.openSync(part).close();
        } catch (e) {
          throw new UserError(
            `${v.entry.name} is not a readable zip once decrypted: ${(e as Error).message}`,
            { code: "VolumeDamaged" },
          );
        }
        await Deno.rename(part, target);
      } finally {
        await Deno.remove(raw).catch(() => {});
        await Deno.remove(part).catch(() => {});
      }
      report.downloaded++;
      log(`${prefix} (${formatSize(size)}) done`);
    }
    return report;
  } finally {
    await backend.close().catch(() => {});
  }
}
