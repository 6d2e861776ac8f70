/** `vacuum <url>` */
import { vacuum } from "../../engine/vacuum.ts";
import { ArgumentError, ExitCode } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import type { CommandContext } from "../context.ts";

export function vacuumCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length !== 1) {
    throw new ArgumentError("Usage: vacuum <storage-URL>");
  }
  const r = vacuum(ctx.positionals[0], ctx.options);
  ctx.setResult?.(r);
  ctx.out(
    `Vacuumed ${r.databasePath}: ${formatSize(r.sizeBefore)} before, ${
      formatSize(r.sizeAfter)
    } after`,
  );
  return Promise.resolve(ExitCode.Success);
}
