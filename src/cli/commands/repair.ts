/** `repair <url>`: fix the remote from the local database, or recreate the database. */
import { repair } from "../../engine/repair.ts";
import { ArgumentError } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import { formatDuration } from "../../core/timespan.ts";
import type { CommandContext } from "../context.ts";

export async function repairCommand(ctx: CommandContext): Promise<number> {
  const [url, ...rest] = ctx.positionals;
  if (!url || rest.length) throw new ArgumentError("Usage: repair <storage-URL>");
  const r = await repair({
    url,
    options: ctx.options,
    progress: ctx.progress,
    logger: ctx.logger,
    signal: ctx.stopSignal,
  });
  ctx.setResult?.(r);
  if (r.mode === "recreate" && r.recreate) {
    const c = r.recreate;
    ctx.out(
      `${c.resumed ? "Finished recreating" : "Recreated"} the local database ${c.databasePath} ` +
        `in ${formatDuration(c.durationMs)}`,
    );
    ctx.out(`  Versions:        ${c.versions}`);
    ctx.out(
      `  Downloaded:      ${c.filesDownloaded} files, ${formatSize(c.bytesDownloaded)} ` +
        `(${c.dlistsRead} file lists, ${c.dindexRead} index files, ${c.dblocksRead} data volumes)`,
    );
    for (const d of c.dblocksDownloaded) ctx.out(`  Read data volume without a usable index: ${d}`);
    if (c.missingBlocks) {
      ctx.out(`  Missing blocks:  ${c.missingBlocks} (run list-broken-files to see the files)`);
    }
    return r.exitCode;
  }
  const would = r.dryRun ? "Would have " : "";
  ctx.out(`${r.dryRun ? "Dry run: " : ""}Repair finished in ${formatDuration(r.durationMs)}`);
  const list = (label: string, items: string[]) => {
    if (!items.length) return;
    ctx.out(`  ${would}${label}: ${items.length}`);
    for (const i of items) ctx.out(`    ${i}`);
  };
  list("sealed as partial versions", r.partialVersions);
  list("removed remote files", r.removedRemote);
  list("rebuilt index files", r.rebuiltIndexes);
  list("rebuilt file lists", r.rebuiltDlists);
  list("rebuilt data volumes", r.rebuiltDblocks);
  if (r.unfixable.length) {
    ctx.out(`  Could not fix:`);
    for (const u of r.unfixable) ctx.out(`    ${u}`);
  }
  if (
    !r.partialVersions.length && !r.removedRemote.length && !r.rebuiltIndexes.length &&
    !r.rebuiltDlists.length && !r.rebuiltDblocks.length && !r.unfixable.length
  ) ctx.out("  Nothing to repair: the remote files match the local database.");
  return r.exitCode;
}
