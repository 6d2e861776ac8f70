/** `compact <url>`: reclaim remote space left by deleted versions. */
import { compact, type CompactResult } from "../../engine/compact.ts";
import { ArgumentError } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import type { CommandContext } from "../context.ts";

export async function compactCommand(ctx: CommandContext): Promise<number> {
  const [url] = ctx.positionals;
  if (!url || ctx.positionals.length > 1) throw new ArgumentError("Usage: compact <storage-URL>");
  const r = await compact({
    url,
    options: ctx.options,
    progress: ctx.progress,
    logger: ctx.logger,
    signal: ctx.stopSignal,
  });
  ctx.setResult?.(r);
  printCompact(ctx, r);
  return r.errors.length ? 3 : r.warnings.length ? 2 : 0;
}

/** Prints what a compact did (shared with delete). */
export function printCompact(ctx: CommandContext, r: CompactResult): void {
  ctx.out(r.reason);
  if (!r.compacted && !r.dryRun) return;
  const verb = r.dryRun ? "Would" : "";
  const pre = (s: string) => (verb ? `${verb} ${s.toLowerCase()}` : s);
  ctx.out(
    `${pre("Downloaded")} ${r.downloadedFiles} file(s) (${formatSize(r.downloadedBytes)}), ` +
      `${r.dryRun ? "delete" : "deleted"} ${r.deletedFiles} file(s) (${
        formatSize(r.deletedBytes)
      })` +
      (r.dryRun ? "" : `, uploaded ${r.uploadedFiles} file(s) (${formatSize(r.uploadedBytes)})`),
  );
}
