/** `compare <url> [base] [compare-to]`: added, deleted and modified paths between two versions. */
import { BackupView, compareVersions } from "../../engine/list.ts";
import { ArgumentError } from "../../core/errors.ts";
import { parseTimeValue } from "../../core/timeparse.ts";
import { type CommandContext, formatLocalTime } from "../context.ts";

function resolveVersion(view: BackupView, arg: string | undefined, dflt: number): number {
  if (arg === undefined) return dflt;
  if (/^\d+$/.test(arg)) return Number(arg);
  const t = parseTimeValue(arg).getTime();
  const i = view.filesets.findIndex((f) => f.Timestamp <= t);
  if (i < 0) throw new ArgumentError(`No version is older than ${arg}`);
  return i;
}

export async function compareCommand(ctx: CommandContext): Promise<number> {
  const [url, a, b] = ctx.positionals;
  if (!url) {
    throw new ArgumentError("Usage: compare <storage-URL> [<base version>] [<compare-to version>]");
  }
  const view = await BackupView.open(url, ctx.options, ctx.logger);
  try {
    const n = view.filesets.length;
    if (n < 2 && (a === undefined || b === undefined)) {
      ctx.out("The backup has fewer than two versions: nothing to compare.");
      return 0;
    }
    const base = resolveVersion(view, a, 1);
    const to = resolveVersion(view, b, 0);
    for (const v of [base, to]) {
      if (v < 0 || v >= n) throw new ArgumentError(`No version ${v}: versions are 0 to ${n - 1}`);
    }
    const r = compareVersions(
      view,
      base,
      to,
      ctx.filters.isEmpty ? undefined : (p, f) => ctx.filters.evaluate(p, f).include,
    );
    ctx.out(
      `Comparing version ${base} (${formatLocalTime(r.base.time)}) with version ${to} (${
        formatLocalTime(r.compareTo.time)
      }):`,
    );
    const full = ctx.options.bool("full-result");
    for (
      const [label, list] of [["Added", r.added], ["Deleted", r.deleted], [
        "Modified",
        r.modified,
      ]] as const
    ) {
      ctx.out(`  ${label} ${list.length} entries`);
      for (const e of full ? list : list.slice(0, 10)) ctx.out(`    ${e.path}`);
      if (!full && list.length > 10) {
        ctx.out(`    ... (${list.length - 10} more, use --full-result)`);
      }
    }
  } finally {
    await view.close();
  }
  return 0;
}
