/** `list-broken-files <url>` and `purge-broken-files <url>`. */
import {
  type BrokenVersion,
  listBrokenFiles,
  purgeBrokenFiles,
} from "../../engine/broken_files.ts";
import { ArgumentError } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import { type CommandContext, formatLocalTime } from "../context.ts";

/** Prints files grouped by version: the first 5 of each unless --full-result. */
export function printVersionFiles(ctx: CommandContext, versions: BrokenVersion[]): void {
  const full = ctx.options.bool("full-result");
  for (const v of versions) {
    ctx.out(`${v.version}\t: ${formatLocalTime(v.time)}\t(${v.files.length} match(es))`);
    const shown = full ? v.files : v.files.slice(0, 5);
    for (const f of shown) ctx.out(`\t${f.path} (${formatSize(f.size)})`);
    if (shown.length < v.files.length) {
      ctx.out(`\t... and ${v.files.length - shown.length} more (use --full-result to see all)`);
    }
  }
}

export async function brokenFilesCommand(ctx: CommandContext): Promise<number> {
  const [url, ...rest] = ctx.positionals;
  if (!url || rest.length) throw new ArgumentError(`Usage: ${ctx.command} <storage-URL>`);
  const purge = ctx.command === "purge-broken-files";
  const req = {
    url,
    options: ctx.options,
    progress: ctx.progress,
    logger: ctx.logger,
    signal: ctx.stopSignal,
  };
  const r = purge ? await purgeBrokenFiles(req) : await listBrokenFiles(req);
  ctx.setResult?.(r);
  for (const b of r.brokenVolumes) ctx.out(`Broken remote file: ${b.name} (${b.reason})`);
  if (r.totalFiles === 0) {
    ctx.out("No broken files found: every file of every version can be restored.");
    return r.exitCode;
  }
  printVersionFiles(ctx, r.versions);
  if (purge) {
    ctx.out(
      r.dryRun
        ? `Would remove ${r.purgedEntries} broken entries from ${r.versions.length} version(s)`
        : `Removed ${r.purgedEntries} broken entries from ${r.versions.length} version(s)`,
    );
  } else {
    ctx.out(
      `${r.totalFiles} entries in ${r.versions.length} version(s) cannot be restored. Run ` +
        `"purge-broken-files" to remove them so the rest of the backup stays usable.`,
    );
  }
  return r.exitCode;
}
