/** `restore <url> [pattern...]` */
import { restore } from "../../engine/restore.ts";
import { ArgumentError } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import { formatDuration } from "../../core/timespan.ts";
import { type CommandContext, formatLocalTime } from "../context.ts";

export async function restoreCommand(ctx: CommandContext): Promise<number> {
  const [url, ...patterns] = ctx.positionals;
  if (!url) throw new ArgumentError("Usage: restore <storage-URL> [<file pattern> ...]");
  const r = await restore({
    url,
    patterns,
    options: ctx.options,
    filters: ctx.filters,
    progress: ctx.progress,
    logger: ctx.logger,
    signal: ctx.stopSignal,
  });
  ctx.setResult?.(r);
  ctx.out(
    `Restored version ${r.version.index} (${formatLocalTime(r.version.time)}) in ${
      formatDuration(r.durationMs)
    }${r.usedLocalDatabase ? "" : ", read from the remote files (no local database)"}`,
  );
  ctx.out(
    `  Files:    ${r.restoredFiles} (${formatSize(r.sizeRestored)}), ${r.verifiedFiles} verified`,
  );
  if (r.skippedIdentical) ctx.out(`  Already identical, left as they were: ${r.skippedIdentical}`);
  ctx.out(`  Folders:  ${r.restoredFolders}`);
  ctx.out(`  Symlinks: ${r.restoredSymlinks}`);
  ctx.out(`  Volumes downloaded: ${r.volumesDownloaded}`);
  if (r.warnings.length) ctx.out(`  Warnings: ${r.warnings.length}`);
  if (r.errors.length) ctx.out(`  Errors:   ${r.errors.length}`);
  return r.exitCode;
}
