/** `test <url> [samples|all]` (alias `verify`): download remote files and check them. */
import { testBackup } from "../../engine/verify.ts";
import { ArgumentError } from "../../core/errors.ts";
import type { CommandContext } from "../context.ts";

/** Reads the samples argument: a positive number, or all/everything. */
export function parseSamples(arg: string | undefined): number {
  if (arg === undefined) return 1;
  const a = arg.toLowerCase();
  if (a === "all" || a === "everything") return Infinity;
  if (!/^\d+$/.test(a) || Number(a) < 1) {
    throw new ArgumentError(
      `Invalid number of samples "${arg}": give a positive number, or "all" to test everything.`,
    );
  }
  return Number(a);
}

export async function testCommand(ctx: CommandContext): Promise<number> {
  const [url, samplesArg] = ctx.positionals;
  if (!url || ctx.positionals.length > 2) {
    throw new ArgumentError("Usage: test <storage-URL> [<samples>|all]");
  }
  const r = await testBackup({
    url,
    options: ctx.options,
    samples: parseSamples(samplesArg),
    progress: ctx.progress,
    logger: ctx.logger,
    signal: ctx.stopSignal,
  });
  ctx.setResult?.(r);
  const bad = r.verifications.filter((v) => v.findings.length > 0);
  if (r.examined === 0 && bad.length === 0) {
    ctx.out("No files examined, is the remote destination empty?");
    return r.exitCode;
  }
  if (bad.length === 0) {
    ctx.out(`Examined ${r.examined} files and found no errors`);
    return r.exitCode;
  }
  const full = ctx.options.bool("full-result");
  for (const v of bad) {
    ctx.out(`${v.name}: ${v.findings.length} errors`);
    for (const f of full ? v.findings : v.findings.slice(0, 10)) {
      ctx.out(`\t${f.status}: ${f.detail}`);
    }
    if (!full && v.findings.length > 10) {
      ctx.out(`\t... and ${v.findings.length - 10} more, use --full-result to see them all`);
    }
  }
  ctx.out(`Examined ${r.examined} files, ${bad.length} with errors`);
  return r.exitCode;
}
