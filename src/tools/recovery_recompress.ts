/**
 * `recompress <zip|none> <remote-url> <local-folder>` as Duplicati's RecoveryTool: download every
 * volume, decrypt it, write it again with another compression, optionally encrypt it again
 * (`--reencrypt`, with `--new-passphrase` to change the passphrase) and upload it in place of the
 * old one (`--reupload`). `zip` deflates the entries; `none` keeps the zip container (the only one
 * this program and Duplicati read) but stores the entries uncompressed.
 *
 * dblocks are done before dindex files, because a dindex names its dblock and records the dblock's
 * size and hash, which change: those are rewritten to match. After `--reupload` the local database
 * no longer matches the remote files; delete it and recreate it (`repair`).
 */
import { join } from "node:path";
import { ExitCode, UserError } from "../core/errors.ts";
import type { OptionValues } from "../core/option_values.ts";
import type { Backend } from "../backends/backend.ts";
import { encryptFile } from "../format/aescrypt.ts";
import { decodeVolumeIndex, encodeVolumeIndex, VOL_PREFIX } from "../format/dindex.ts";
import { ZipReader, ZipWriter } from "../format/zip.ts";
import { hashFile } from "../engine/remote_volumes.ts";
import { openToolBackend } from "./tool_args.ts";
import {
  backupVolumes,
  decryptVolume,
  plainName,
  type RemoteVolumeFile,
  requirePassphrase,
} from "./recovery_download.ts";

/** The target compressions. */
export const RECOMPRESS_TARGETS = ["zip", "none"] as const;

/** What a recompress did. */
export interface RecompressReport {
  recompressed: number;
  kept: number;
  reuploaded: number;
}

/**
 * Recompresses every volume of the backup at `url` into `folder`. Throws a UserError for a bad
 * target, a missing or wrong passphrase, or a remote without volumes; stops at the first failure.
 */
export async function recompress(
  target: string,
  url: string,
  folder: string,
  opts: OptionValues,
  log: (line: string) => void,
): Promise<RecompressReport> {
  const mode = target.toLowerCase();
  if (!(RECOMPRESS_TARGETS as readonly string[]).includes(mode)) {
    throw new UserError(
      `Unknown target compression "${target}": use zip (deflate) or none (stored entries).`,
      { code: "BadCompression", exitCode: ExitCode.BadArguments },
    );
  }
  const reencrypt = opts.bool("reencrypt");
  const reupload = opts.bool("reupload");
  const level = opts.int("zip-compression-level", 6);
  const backend = openToolBackend(url, opts);
  try {
    const vols = await backupVolumes(backend, url, opts.str("prefix") ?? "duplicati");
    const pass = requirePassphrase(vols, opts);
    const newPass = opts.str("new-passphrase") || pass;
    if (reencrypt && !vols.some((v) => v.parsed.encryption)) {
      log("The backup is not encrypted: --reencrypt has nothing to do");
    }
    Deno.mkdirSync(folder, { recursive: true });
    const order = { dlist: 0, dblock: 1, dindex: 2 };
    vols.sort((a, b) =>
      order[a.parsed.type] - order[b.parsed.type] || (a.entry.name < b.entry.name ? -1 : 1)
    );
    /** New remote name, size and hash of each dblock, by its old remote name. */
    const dblocks = new Map<string, { name: string; size: number; hash: string }>();
    const report: RecompressReport = { recompressed: 0, kept: 0, reuploaded: 0 };
    for (const [i, v] of vols.entries()) {
      const encrypted = v.parsed.encryption !== undefined;
      const plain = plainName(v);
      const finalName = encrypted && reencrypt ? v.entry.name : plain;
      const finalPath = join(folder, finalName);
      const prefix = `${i + 1}/${vols.length}: ${v.entry.name}`;
      let exists = true;
      try {
        Deno.statSync(finalPath);
      } catch {
        exists = false;
      }
      if (exists) {
        log(`${prefix} already recompressed`);
        report.kept++;
      } else {
        await recompressOne(backend, v, folder, {
          mode,
          level,
          pass,
          newPass: encrypted && reencrypt ? newPass : undefined,
          dblocks,
          reencrypt,
        });
        report.recompressed++;
        log(`${prefix} -> ${finalName}`);
      }
      if (v.parsed.type === "dblock") {
        const { size, hash } = await hashFile(finalPath);
        dblocks.set(v.entry.name, { name: finalName, size, hash });
      }
      if (reupload) {
        await backend.put(finalName, finalPath);
        if (finalName !== v.entry.name) await backend.delete(v.entry.name);
        report.reuploaded++;
      }
    }
    return report;
  } finally {
    await backend.close().catch(() => {});
  }
}

async function recompressOne(
  backend: Backend,
  v: RemoteVolumeFile,
  folder: string,
  o: {
    mode: string;
    level: number;
    pass: string;
    newPass?: string;
    reencrypt: boolean;
    dblocks: Map<string, { name: string; size: number; hash: string }>;
  },
): Promise<void> {
  const plain = join(folder, plainName(v));
  const raw = `${plain}.download`;
  const source = `${plain}.source`;
  const written = `${plain}.recompress`;
  try {
    await backend.get(v.entry.name, raw);
    if (v.parsed.encryption) await decryptVolume(v.entry.name, raw, source, o.pass);
    else await Deno.rename(raw, source);
    const reader = ZipReader.openSync(source);
    const writer = ZipWriter.create(written);
    try {
      for (const e of reader.entries()) {
        let name = e.name;
        let data = reader.read(e);
        if (v.parsed.type === "dindex" && name.startsWith(VOL_PREFIX)) {
          const old = name.slice(VOL_PREFIX.length);
          const now = o.dblocks.get(old);
          if (now) {
            name = VOL_PREFIX + now.name;
            const idx = decodeVolumeIndex(data, `${v.entry.name}/${e.name}`);
            data = encodeVolumeIndex({ ...idx, volumeHash: now.hash, volumeSize: now.size });
          }
        }
        writer.add(name, data, { compress: o.mode === "zip", level: o.level });
      }
      writer.close();
    } catch (e) {
      writer.abort();
      throw e;
    } finally {
      reader.close();
    }
    if (o.newPass !== undefined) {
      await encryptFile(written, `${plain}.encrypted`, o.newPass);
      await Deno.rename(`${plain}.encrypted`, join(folder, v.entry.name));
      await Deno.remove(written);
    } else {
      await Deno.rename(written, plain);
    }
  } finally {
    for (const p of [raw, source, written, `${plain}.encrypted`]) {
      await Deno.remove(p).catch(() => {});
    }
  }
}
