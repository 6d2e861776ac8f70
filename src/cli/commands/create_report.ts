/** `create-report <url> <output-file>` */
import { createBugReport } from "../../engine/bug_report.ts";
import { ArgumentError, ExitCode } from "../../core/errors.ts";
import type { CommandContext } from "../context.ts";

export async function createReportCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length !== 2) {
    throw new ArgumentError("Usage: create-report <storage-URL> <output-file>");
  }
  const r = await createBugReport(ctx.positionals[0], ctx.positionals[1], ctx.options);
  ctx.setResult?.(r);
  ctx.out(`Completed! The report is in ${r.targetPath}`);
  ctx.out(`  ${r.replacedNames} folder and file names were replaced by hashes.`);
  ctx.out("");
  ctx.out(
    "Please examine the log table of the database to see that no filenames are accidentally left over.",
  );
  ctx.out("If you are concerned that your filenames may contain sensitive information,");
  ctx.out("do not attach the database to an issue!");
  return ExitCode.Success;
}
