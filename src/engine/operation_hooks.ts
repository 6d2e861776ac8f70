/**
 * Runs an operation the way Duplicati's controller runs its generic modules around it:
 *
 * 1. `--run-script-before-required`, then `--run-script-before` (their `--option=value` output
 *    changes the options, storage URL, source paths and filters the operation gets);
 * 2. the operation itself (a backup runs `--run-script-post-backup` once its data is uploaded);
 * 3. `--run-script-after`, then the e-mail and HTTP reports — also when the operation failed.
 *
 * Exit codes of a before-script (not the required one): 0 run, 1 skip (OK), 2 run + warning,
 * 3 skip + warning, 4 run + error, 5 and others skip + error. A required script must exit 0 in
 * time, or the operation fails (`RunScriptInvalidExitCode`/`RunScriptTimeout`, exit code 100).
 * The command line and the server both call {@link runWithHooks}.
 */
import { join } from "node:path";
import type { OptionValues } from "../core/option_values.ts";
import { FilterList, pathListSeparator } from "../core/filters.ts";
import { UserError } from "../core/errors.ts";
import { levelRank, type LogEntry, type Logger, parseLogLevel } from "../core/log.ts";
import {
  basicResultFields,
  type ParsedResult,
  resultFormatOf,
  serializeReport,
  toDuplicatiNames,
} from "./hooks/result_format.ts";
import {
  executeScript,
  parseOverrides,
  type ScriptEvent,
  scriptLogLines,
  type ScriptOutcome,
} from "./hooks/run_script.ts";
import { type FinishedOperation, formatLogEntry, givenOptions } from "./hooks/report_channel.ts";
import { sendHttpReports } from "./hooks/http_report.ts";
import { sendMailReport } from "./hooks/mail_report.ts";

/** The operation about to run. */
export interface OperationStart {
  /** Duplicati's operation name: Backup, Restore, List, Delete, Compact, Test, Repair, ... */
  operation: string;
  /** The storage URL ("" for operations without one). */
  remoteUrl: string;
  /** Source paths (backup) or file patterns (restore); empty for other operations. */
  localPath: string[];
  options: OptionValues;
  filters: FilterList;
  logger: Logger;
}

/** What the operation runs with, after the before-scripts had their say. */
export interface OperationInputs {
  remoteUrl: string;
  localPath: string[];
  options: OptionValues;
  filters: FilterList;
  /**
   * Runs `--run-script-post-backup` (if set); a backup calls it once its data is uploaded, before
   * the verification (pass it as the backup's `afterUpload`).
   */
  postBackup: () => Promise<void>;
}

/** Why a before-script stopped the operation: its exit code 1 (Normal), 3 (Warning) or 5+ (Error). */
export type SkipReason = "Normal" | "Warning" | "Error";

/** How the operation ended (when it did not throw). */
export interface OperationOutcome<R> {
  /** The operation's result; undefined when a before-script skipped it. */
  result?: R;
  skipped?: { reason: SkipReason; message: string };
  parsedResult: ParsedResult;
}

class OperationSkipped extends Error {
  constructor(readonly reason: SkipReason, message: string) {
    super(message);
  }
}

function quoteName(script: string): string {
  return `"${script}"`;
}

async function runScript(
  script: string,
  event: ScriptEvent,
  required: boolean,
  start: OperationStart,
  inputs: OperationInputs,
  extra: { parsedResult?: string; resultFile?: string } = {},
): Promise<ScriptOutcome | undefined> {
  const logger = start.logger;
  const opts = inputs.options;
  const options = givenOptions(opts);
  options["filter"] = inputs.filters.serialize();
  let outcome: ScriptOutcome;
  try {
    outcome = await executeScript({
      script,
      withArguments: opts.bool("run-script-with-arguments"),
      event,
      operationName: start.operation,
      remoteUrl: inputs.remoteUrl,
      localPath: inputs.localPath,
      options,
      parsedResult: extra.parsedResult,
      resultFile: extra.resultFile,
      timeoutMs: opts.timespan("run-script-timeout", 60_000),
      pathSeparator: pathListSeparator(),
    });
  } catch (err) {
    const msg = `Failed while executing script ${quoteName(script)}: ${(err as Error).message}`;
    if (required) {
      throw new UserError(`${msg}. Check the path and that the file is executable.`, {
        code: "ScriptExecuteError",
      });
    }
    logger.warn(msg);
    return undefined;
  }
  for (const l of scriptLogLines(outcome.stdout)) logger.log(l.level, l.message);
  if (outcome.timedOut) {
    const msg = `The script ${quoteName(script)} timed out after ${
      opts.str("run-script-timeout") ?? "60s"
    } and was stopped`;
    if (required) {
      throw new UserError(`${msg}. Raise --run-script-timeout if it needs longer.`, {
        code: "RunScriptTimeout",
      });
    }
    logger.warn(msg);
    return outcome;
  }
  const code = outcome.exitCode ?? 0;
  let stderr = outcome.stderr;
  if (code !== 0) {
    const base = `The script ${quoteName(script)} returned with exit code ${code}`;
    if (required) {
      throw new UserError(`${base}${stderr ? `: ${stderr}` : ""}`, {
        code: "RunScriptInvalidExitCode",
      });
    }
    const detail = `${base}${stderr ? `, error output: ${stderr}` : ""}`;
    if (code === 2 || code === 3) {
      logger.warn(detail);
      stderr = "";
    } else if (code !== 1) {
      logger.error(detail);
      stderr = "";
    }
    if (event === "BEFORE") {
      if (code === 1) throw new OperationSkipped("Normal", base);
      if (code === 3) throw new OperationSkipped("Warning", base);
      if (code !== 2 && code !== 4) throw new OperationSkipped("Error", base);
    }
  }
  if (stderr) logger.warn(`The script ${quoteName(script)} reported error messages: ${stderr}`);
  return outcome;
}

function applyOverrides(inputs: OperationInputs, stdout: string): OperationInputs {
  const o = parseOverrides(stdout, pathListSeparator());
  let { options, filters } = inputs;
  const changes: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.options)) {
    if (k.toLowerCase() === "filter") filters = FilterList.deserialize(v);
    else changes[k] = v;
  }
  if (Object.keys(changes).length) options = options.with(changes);
  return {
    ...inputs,
    remoteUrl: o.remoteUrl ?? inputs.remoteUrl,
    localPath: o.localPath ?? inputs.localPath,
    options,
    filters,
  };
}

/** True unless `--disable-module` names the module (Duplicati's keys: runscript, sendmail, sendhttp). */
function moduleEnabled(opts: OptionValues, key: string): boolean {
  const off = (opts.str("disable-module") ?? "").split(",").map((s) => s.trim().toLowerCase());
  return !off.includes(key);
}

function parsedFrom(log: LogEntry[], failed: boolean): ParsedResult {
  if (failed) return "Fatal";
  if (log.some((e) => e.level === "Error")) return "Error";
  if (log.some((e) => e.level === "Warning")) return "Warning";
  return "Success";
}

/**
 * Runs `run` with the hooks and reports the options ask for (see the module comment). Returns the
 * result, or how a before-script skipped the operation. Errors of the operation (and of a failing
 * required script) are re-thrown after the after-script and reports ran. `describe` turns the
 * result into the data reports show (default: the result itself).
 */
export async function runWithHooks<R>(
  start: OperationStart,
  run: (inputs: OperationInputs) => Promise<R>,
  describe: (r: R) => unknown = (r) => r,
): Promise<OperationOutcome<R>> {
  const begin = new Date();
  const log: LogEntry[] = [];
  const unsubscribe = start.logger.subscribe((e) => log.push(e));
  const postBackup = async () => {
    const script = inputs.options.str("run-script-post-backup");
    if (script && moduleEnabled(inputs.options, "runscript")) {
      await runScript(script, "POST-BACKUP", false, start, inputs);
    }
  };
  let inputs: OperationInputs = {
    remoteUrl: start.remoteUrl,
    localPath: start.localPath,
    options: start.options,
    filters: start.filters,
    postBackup,
  };
  let result: R | undefined;
  let failure: unknown;
  let skipped: { reason: SkipReason; message: string } | undefined;
  try {
    for (
      const [option, required] of [["run-script-before-required", true], [
        "run-script-before",
        false,
      ]] as const
    ) {
      const script = inputs.options.str(option);
      if (!script || !moduleEnabled(inputs.options, "runscript")) continue;
      const out = await runScript(script, "BEFORE", required, start, inputs);
      if (out && !out.timedOut) inputs = applyOverrides(inputs, out.stdout);
    }
    result = await run(inputs);
  } catch (err) {
    if (err instanceof OperationSkipped) {
      skipped = { reason: err.reason, message: err.message };
      start.logger.info(`The operation was skipped on request of the script: ${err.message}`);
    } else failure = err;
  }
  const end = new Date();
  const parsedResult = parsedFrom(log, failure !== undefined);
  const described = result !== undefined ? toDuplicatiNames(describe(result)) : {};
  const data = {
    ...(described && typeof described === "object" ? described as Record<string, unknown> : {}),
    ...basicResultFields({
      operation: start.operation,
      parsedResult,
      interrupted: skipped !== undefined,
      begin,
      end,
      warnings: log.filter((e) => e.level === "Warning").length,
      errors: log.filter((e) => e.level === "Error").length,
      messages: log.length,
    }),
  };
  const exception = failure instanceof Error
    ? failure
    : failure !== undefined
    ? new Error(String(failure))
    : undefined;
  unsubscribe();
  const finished: FinishedOperation = {
    operationName: start.operation,
    remoteUrl: inputs.remoteUrl,
    localPath: inputs.localPath,
    parsedResult,
    options: inputs.options,
    report: { data, exception },
    log: [...log],
  };
  await runAfterScript(start, inputs, finished).catch((err) =>
    start.logger.warn(`The after-script failed: ${(err as Error).message}`)
  );
  if (moduleEnabled(inputs.options, "sendmail")) await sendMailReport(finished, start.logger);
  if (moduleEnabled(inputs.options, "sendhttp")) await sendHttpReports(finished, start.logger);
  if (failure !== undefined) throw failure;
  return { result, skipped, parsedResult };
}

async function runAfterScript(
  start: OperationStart,
  inputs: OperationInputs,
  finished: FinishedOperation,
): Promise<void> {
  const script = inputs.options.str("run-script-after");
  if (!script || !moduleEnabled(inputs.options, "runscript")) return;
  const min = parseLogLevel(inputs.options.str("run-script-log-level") ?? "Warning") ?? "Warning";
  const logLines = finished.log.filter((e) => levelRank(e.level) >= levelRank(min)).map(
    formatLogEntry,
  );
  const format = resultFormatOf(inputs.options.str("run-script-result-output-format"));
  const dir = await Deno.makeTempDir({ prefix: "dup-script-" });
  const file = join(dir, "result.txt");
  try {
    await Deno.writeTextFile(file, serializeReport(format, { ...finished.report, logLines }));
    await runScript(script, "AFTER", false, start, inputs, {
      parsedResult: finished.parsedResult,
      resultFile: file,
    });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
