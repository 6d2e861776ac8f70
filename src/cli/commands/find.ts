/**
 * `find`/`list <url> [pattern...]`: without a pattern, the versions; with one, the matching files.
 * `find` searches every version; `list` the newest, falling back to all when nothing matched.
 */
import { BackupView, type ListedEntry } from "../../engine/list.ts";
import { patternFilter } from "../../engine/path_filter.ts";
import { ArgumentError } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import { type CommandContext, formatLocalTime } from "../context.ts";
import { printVersions } from "./list_filesets.ts";

export async function findCommand(ctx: CommandContext): Promise<number> {
  const [url, ...rest] = ctx.positionals;
  if (!url) throw new ArgumentError(`Usage: ${ctx.command} <storage-URL> [<pattern> ...]`);
  let opts = ctx.options;
  let patterns = rest;
  // A lone number is a version; a lone time value is --time.
  if (rest.length === 1 && /^\d+$/.test(rest[0]) && !opts.has("version")) {
    opts = opts.with({ version: rest[0] });
    patterns = [];
  }
  const view = await BackupView.open(url, opts, ctx.logger);
  try {
    if (patterns.length === 0 && !opts.has("version") && !opts.has("time") && ctx.filters.isEmpty) {
      printVersions(ctx, view);
      return 0;
    }
    if (opts.bool("list-sets-only")) {
      printVersions(ctx, view);
      return 0;
    }
    const filter = patternFilter(patterns, ctx.filters);
    let versions = view.selectVersions(opts, ctx.command === "find");
    let found = print(ctx, view, versions, filter);
    if (found === 0 && ctx.command === "list" && !opts.has("version") && !opts.has("time")) {
      versions = view.selectVersions(opts, true);
      found = print(ctx, view, versions, filter);
    }
    if (found === 0) ctx.out("No files matched.");
  } finally {
    await view.close();
  }
  return 0;
}

function print(
  ctx: CommandContext,
  view: BackupView,
  versions: number[],
  filter: (p: string, f: boolean) => boolean,
): number {
  let n = 0;
  for (const v of versions) {
    const items: ListedEntry[] = [...view.entries(v, filter)].sort((a, b) =>
      a.path < b.path ? -1 : 1
    );
    if (items.length === 0) continue;
    ctx.out(`Listing contents ${v} (${formatLocalTime(new Date(view.filesets[v].Timestamp))}):`);
    for (const e of items) {
      ctx.out(`${e.path}${e.type === "File" ? ` (${formatSize(e.size)})` : ""}`);
      n++;
    }
  }
  return n;
}
