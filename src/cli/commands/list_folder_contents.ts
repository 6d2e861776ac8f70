/** `list-folder-contents <url> [folder...]`: one folder level of a version, like a file browser. */
import { BackupView, folderContents } from "../../engine/list.ts";
import { ArgumentError } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import { type CommandContext, formatLocalTime } from "../context.ts";

export async function listFolderContentsCommand(ctx: CommandContext): Promise<number> {
  const [url, ...folders] = ctx.positionals;
  if (!url) throw new ArgumentError("Usage: list-folder-contents <storage-URL> [<folder> ...]");
  const view = await BackupView.open(url, ctx.options, ctx.logger);
  try {
    const [v] = view.selectVersions(ctx.options, false);
    if (v === undefined) {
      ctx.out("No version matches.");
      return 0;
    }
    ctx.out(`Version ${v} (${formatLocalTime(new Date(view.filesets[v].Timestamp))}):`);
    for (const f of folders.length ? folders : [""]) {
      for (const e of folderContents(view, v, f)) {
        ctx.out(`${e.path}${e.type === "File" ? ` (${formatSize(e.size)})` : ""}`);
      }
    }
  } finally {
    await view.close();
  }
  return 0;
}
