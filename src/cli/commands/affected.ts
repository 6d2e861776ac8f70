/** `affected <url> <remote file>...`: what depends on the given remote files. */
import { affected } from "../../engine/affected.ts";
import { ArgumentError } from "../../core/errors.ts";
import { type CommandContext, formatLocalTime } from "../context.ts";
import { printVersionFiles } from "./broken_files.ts";

export async function affectedCommand(ctx: CommandContext): Promise<number> {
  const [url, ...files] = ctx.positionals;
  if (!url || !files.length) {
    throw new ArgumentError("Usage: affected <storage-URL> <remote file name> ...");
  }
  const r = await affected({ url, files, options: ctx.options, logger: ctx.logger });
  ctx.setResult?.(r);
  for (const u of r.unknown) ctx.out(`Not a file of this backup: ${u}`);
  for (const d of r.dlists) {
    ctx.out(`${d.name} is version ${d.version} (${formatLocalTime(d.time)})`);
  }
  for (const i of r.indexes) {
    ctx.out(
      `${i.name} is the index of ${i.dblocks.join(", ") || "no known data volume"}; if it is ` +
        `lost, "repair" rebuilds it`,
    );
  }
  if (r.versions.length) {
    ctx.out(`${r.totalFiles} entries in ${r.versions.length} version(s) depend on these files:`);
    printVersionFiles(ctx, r.versions);
  } else if (!r.dlists.length && !r.indexes.length) {
    ctx.out("No version depends on these files.");
  }
  return r.exitCode;
}
