/** `list-filesets <url>`: the versions with their time, file count and size. */
import { BackupView } from "../../engine/list.ts";
import { ArgumentError } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import { type CommandContext, formatLocalTime } from "../context.ts";

export async function listFilesetsCommand(ctx: CommandContext): Promise<number> {
  const [url] = ctx.positionals;
  if (!url || ctx.positionals.length > 1) {
    throw new ArgumentError("Usage: list-filesets <storage-URL>");
  }
  const view = await BackupView.open(url, ctx.options, ctx.logger);
  try {
    printVersions(ctx, view);
  } finally {
    await view.close();
  }
  return 0;
}

/** Prints `version : time (N files, size)` lines, as Duplicati does. */
export function printVersions(ctx: CommandContext, view: BackupView): void {
  const vs = view.versions();
  ctx.out(`Listing filesets:`);
  for (const v of vs) {
    ctx.out(
      `${v.version}\t: ${formatLocalTime(v.time)} (${v.fileCount} files, ${formatSize(v.size)})${
        v.isFullBackup ? "" : " (partial)"
      }`,
    );
  }
}
