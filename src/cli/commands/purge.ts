/** `purge <url> [path...]`: remove files from existing versions. */
import { purge } from "../../engine/purge.ts";
import { ArgumentError } from "../../core/errors.ts";
import { type CommandContext, formatLocalTime } from "../context.ts";

export async function purgeCommand(ctx: CommandContext): Promise<number> {
  const [url, ...paths] = ctx.positionals;
  if (!url) throw new ArgumentError('Usage: purge <storage-URL> ["<path>" ...] [--include=...]');
  const r = await purge({
    url,
    paths,
    filters: ctx.filters,
    options: ctx.options,
    progress: ctx.progress,
    logger: ctx.logger,
    signal: ctx.stopSignal,
  });
  ctx.setResult?.(r);
  const full = ctx.options.bool("full-result");
  for (const v of r.versions) {
    ctx.out(
      `${r.dryRun ? "Would remove" : "Removed"} ${v.files.length} entries from version ` +
        `${v.version} (${formatLocalTime(v.time)}):`,
    );
    const shown = full ? v.files : v.files.slice(0, 20);
    for (const f of shown) ctx.out(`\t${f}`);
    if (shown.length < v.files.length) ctx.out(`\t... and ${v.files.length - shown.length} more`);
  }
  if (!r.removedEntries) ctx.out("No file matched: nothing was purged.");
  else if (!r.dryRun) {
    ctx.out(`Removed ${r.removedEntries} entries; run "compact" to reclaim the space.`);
  }
  return r.exitCode;
}
