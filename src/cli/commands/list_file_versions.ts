/** `list-file-versions <url> <path>...`: every version of exact paths. */
import { BackupView } from "../../engine/list.ts";
import { ArgumentError } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import { type CommandContext, formatLocalTime } from "../context.ts";

export async function listFileVersionsCommand(ctx: CommandContext): Promise<number> {
  const [url, ...paths] = ctx.positionals;
  if (!url || paths.length === 0) {
    throw new ArgumentError("Usage: list-file-versions <storage-URL> <path> [<path> ...]");
  }
  const view = await BackupView.open(url, ctx.options, ctx.logger);
  try {
    const versions = view.selectVersions(ctx.options, true);
    for (const p of paths) {
      ctx.out(`${p}:`);
      let any = false;
      for (const v of versions) {
        for (const e of view.entries(v, (path) => path === p || path === p + "/")) {
          any = true;
          ctx.out(
            `  ${v}\t${formatLocalTime(new Date(view.filesets[v].Timestamp))}\t${
              e.type === "File" ? formatSize(e.size) : e.type
            }`,
          );
        }
      }
      if (!any) ctx.out("  (not in any selected version)");
    }
  } finally {
    await view.close();
  }
  return 0;
}
