/** `delete <url>`: delete versions by --version, --keep-time, --keep-versions, --retention-policy. */
import { deleteVersions } from "../../engine/delete.ts";
import { ArgumentError } from "../../core/errors.ts";
import { type CommandContext, formatLocalTime } from "../context.ts";
import { printCompact } from "./compact.ts";

export async function deleteCommand(ctx: CommandContext): Promise<number> {
  const [url] = ctx.positionals;
  if (!url || ctx.positionals.length > 1) throw new ArgumentError("Usage: delete <storage-URL>");
  const r = await deleteVersions({
    url,
    options: ctx.options,
    progress: ctx.progress,
    logger: ctx.logger,
    signal: ctx.stopSignal,
  });
  ctx.setResult?.(r);
  if (r.deleted.length === 0) {
    ctx.out(r.dryRun ? "No remote filesets would be deleted" : "No remote filesets were deleted");
  } else {
    ctx.out(
      `${r.dryRun ? "Would delete" : "Deleted"} ${r.deleted.length} version(s):`,
    );
    for (const d of r.deleted) {
      ctx.out(`  ${d.version}\t: ${formatLocalTime(d.time)} (${d.name})`);
    }
    if (r.dryRun) ctx.out("Remove --dry-run to actually delete files");
  }
  if (r.compact && (r.compact.compacted || r.dryRun) && r.compact.reason) {
    printCompact(ctx, r.compact);
  }
  return r.errors.length ? 3 : r.warnings.length ? 2 : 0;
}
