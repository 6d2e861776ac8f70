/** `test-filters <source>...` */
import { testFilters } from "../../engine/test_filters.ts";
import { ExitCode } from "../../core/errors.ts";
import { formatSize } from "../../core/sizes.ts";
import type { CommandContext } from "../context.ts";

export function testFiltersCommand(ctx: CommandContext): Promise<number> {
  const r = testFilters({
    sources: ctx.positionals,
    options: ctx.options,
    filters: ctx.filters,
    logger: ctx.logger,
    onEntry: (e) => {
      if (e.included) {
        ctx.out(
          `Including path: ${e.path}${e.kind === "file" ? ` (${formatSize(e.size ?? 0)})` : ""}`,
        );
      } else ctx.out(`Excluding path: ${e.path} (${e.reason})`);
    },
  });
  ctx.setResult?.(r);
  ctx.out(
    `Matched ${r.fileCount} files (${formatSize(r.fileSize)}), excluded ${r.excludedCount} paths`,
  );
  return Promise.resolve(r.warnings.length ? ExitCode.Warnings : ExitCode.Success);
}
