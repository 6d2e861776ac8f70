/** `search <url> [pattern...]`: paths matching patterns and filters, case-insensitively. */
import { BackupView } from "../../engine/list.ts";
import { patternFilter } from "../../engine/path_filter.ts";
import { ArgumentError } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import { type CommandContext, formatLocalTime } from "../context.ts";

export async function searchCommand(ctx: CommandContext): Promise<number> {
  const [url, ...patterns] = ctx.positionals;
  if (!url) throw new ArgumentError("Usage: search <storage-URL> [<pattern> ...]");
  const view = await BackupView.open(url, ctx.options, ctx.logger);
  try {
    const filter = patternFilter(patterns.map((p) => p.toLowerCase()), ctx.filters, true, true);
    let n = 0;
    for (const v of view.selectVersions(ctx.options, true)) {
      for (const e of view.entries(v, filter)) {
        ctx.out(
          `${v}\t${formatLocalTime(new Date(view.filesets[v].Timestamp))}\t${e.path}${
            e.type === "File" ? ` (${formatSize(e.size)})` : ""
          }`,
        );
        n++;
      }
    }
    if (n === 0) ctx.out("No files matched.");
  } finally {
    await view.close();
  }
  return 0;
}
