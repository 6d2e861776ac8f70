/** `backup <url> <source>...` */
import { backup } from "../../engine/backup.ts";
import { ArgumentError } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import { formatDuration } from "../../core/timespan.ts";
import type { CommandContext } from "../context.ts";

export async function backupCommand(ctx: CommandContext): Promise<number> {
  const [url, ...sources] = ctx.positionals;
  if (!url || sources.length === 0) {
    throw new ArgumentError("Usage: backup <storage-URL> <source folder> [<source folder> ...]");
  }
  const r = await backup({
    url,
    sources,
    options: ctx.options,
    filters: ctx.filters,
    progress: ctx.progress,
    logger: ctx.logger,
    signal: ctx.signal,
    stopSignal: ctx.stopSignal,
    afterUpload: ctx.postBackup,
  });
  ctx.setResult?.(r);
  ctx.out(`Backup ${r.dryRun ? "(dry run) " : ""}finished in ${formatDuration(r.durationMs)}`);
  ctx.out(`  Examined files:  ${r.examinedFiles} (${formatSize(r.sizeOfExaminedFiles)})`);
  ctx.out(`  Added files:     ${r.addedFiles} (${formatSize(r.sizeOfAddedFiles)})`);
  ctx.out(`  Modified files:  ${r.modifiedFiles} (${formatSize(r.sizeOfModifiedFiles)})`);
  ctx.out(`  Deleted files:   ${r.deletedFiles}`);
  ctx.out(`  Unchanged files: ${r.unchangedFiles}`);
  ctx.out(`  Opened files:    ${r.openedFiles}`);
  ctx.out(`  New blocks:      ${r.newBlocks}`);
  ctx.out(`  Uploaded:        ${r.filesUploaded} files, ${formatSize(r.bytesUploaded)}`);
  if (r.warnings.length) ctx.out(`  Warnings:        ${r.warnings.length}`);
  if (r.errors.length) ctx.out(`  Errors:          ${r.errors.length}`);
  if (r.version) {
    ctx.out(
      `New version: ${r.version.name}${r.version.partial ? " (partial: stopped early)" : ""}`,
    );
  } else if (!r.dryRun) ctx.out("No changes found: no new version was created.");
  return r.exitCode;
}
