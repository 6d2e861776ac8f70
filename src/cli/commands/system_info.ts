/** `system-info` */
import { systemInfo } from "../../engine/system_info.ts";
import { ArgumentError, ExitCode } from "../../core/errors.ts";
import type { CommandContext } from "../context.ts";

export function systemInfoCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length !== 0) throw new ArgumentError("Command takes no arguments");
  const lines = systemInfo({ serverDatafolder: ctx.options.str("server-datafolder") });
  ctx.setResult?.({ lines });
  for (const l of lines) ctx.out(l);
  return Promise.resolve(ExitCode.Success);
}
