/**
 * The command line front end (`duplicati-cli`): parses Duplicati's syntax, runs the command,
 * prints the summary, and maps errors to Duplicati's exit codes.
 */
import { parseCommandLine } from "./args.ts";
import { findCommand as findCommandInfo, helpText } from "./help.ts";
import { ProgressBar } from "./progress_bar.ts";
import { noProgress } from "../core/progress.ts";
import { CtrlC } from "./interrupt.ts";
import { promptSecret } from "./prompt.ts";
import type { CommandContext, CommandHandler } from "./context.ts";
import { OptionValues } from "../core/option_values.ts";
import { FilterList } from "../core/filters.ts";
import { CancelledError, ExitCode, UserError } from "../core/errors.ts";
import { levelRank, Logger, parseLogLevel } from "../core/log.ts";
import { PRODUCT_NAME, VERSION } from "../core/version.ts";
import { runWithHooks } from "../engine/operation_hooks.ts";
import { backupCommand } from "./commands/backup.ts";
import { restoreCommand } from "./commands/restore.ts";
import { findCommand } from "./commands/find.ts";
import { listFilesetsCommand } from "./commands/list_filesets.ts";
import { listFolderContentsCommand } from "./commands/list_folder_contents.ts";
import { listFileVersionsCommand } from "./commands/list_file_versions.ts";
import { searchCommand } from "./commands/search.ts";
import { compareCommand } from "./commands/compare.ts";
import { deleteCommand } from "./commands/delete.ts";
import { compactCommand } from "./commands/compact.ts";
import { testCommand } from "./commands/test.ts";
import { vacuumCommand } from "./commands/vacuum.ts";
import { createReportCommand } from "./commands/create_report.ts";
import { testFiltersCommand } from "./commands/test_filters.ts";
import { systemInfoCommand } from "./commands/system_info.ts";
import { repairCommand } from "./commands/repair.ts";
import { brokenFilesCommand } from "./commands/broken_files.ts";
import { affectedCommand } from "./commands/affected.ts";
import { purgeCommand } from "./commands/purge.ts";

const COMMAND_TABLE: Record<string, CommandHandler> = {
  backup: backupCommand,
  restore: restoreCommand,
  find: findCommand,
  list: findCommand,
  "list-filesets": listFilesetsCommand,
  "list-folder-contents": listFolderContentsCommand,
  "list-folder-content": listFolderContentsCommand,
  "list-file-versions": listFileVersionsCommand,
  search: searchCommand,
  "search-files": searchCommand,
  "search-entries": searchCommand,
  compare: compareCommand,
  delete: deleteCommand,
  compact: compactCommand,
  test: testCommand,
  verify: testCommand,
  vacuum: vacuumCommand,
  "create-report": createReportCommand,
  "test-filters": testFiltersCommand,
  "test-filter": testFiltersCommand,
  "system-info": systemInfoCommand,
  systeminfo: systemInfoCommand,
  repair: repairCommand,
  purge: purgeCommand,
  "list-broken-files": brokenFilesCommand,
  "purge-broken-files": brokenFilesCommand,
  affected: affectedCommand,
};

/** Commands that read or write encrypted volumes and so need a passphrase. */
const NEEDS_PASSPHRASE = new Set([
  "backup",
  "restore",
  "find",
  "list",
  "list-filesets",
  "list-folder-contents",
  "list-folder-content",
  "list-file-versions",
  "search",
  "search-files",
  "search-entries",
  "compare",
  "delete",
  "compact",
  "test",
  "verify",
  "repair",
  "purge",
  "list-broken-files",
  "purge-broken-files",
]);

/** Duplicati's operation names (DUPLICATI__OPERATIONNAME, %OPERATIONNAME%) by command. */
const OPERATION_NAMES: Record<string, string> = {
  backup: "Backup",
  restore: "Restore",
  find: "List",
  list: "List",
  "list-filesets": "ListFilesets",
  "list-folder-contents": "ListFolder",
  "list-folder-content": "ListFolder",
  "list-file-versions": "ListFileVersions",
  search: "SearchEntries",
  "search-files": "SearchEntries",
  "search-entries": "SearchEntries",
  compare: "ListChanges",
  delete: "Delete",
  compact: "Compact",
  test: "Test",
  verify: "Test",
  repair: "Repair",
  purge: "PurgeFiles",
  "list-broken-files": "ListBrokenFiles",
  "purge-broken-files": "PurgeBrokenFiles",
  affected: "ListAffected",
  vacuum: "Vacuum",
  "create-report": "CreateLogDb",
  "test-filters": "TestFilters",
  "test-filter": "TestFilters",
  "system-info": "SystemInfo",
  systeminfo: "SystemInfo",
  "send-mail": "SendMail",
};

/** Commands whose first argument is not a storage URL. */
const NO_STORAGE_URL = new Set([
  "test-filters",
  "test-filter",
  "system-info",
  "systeminfo",
  "send-mail",
]);

/** Commands whose arguments after the URL are the local paths (sources, restore patterns). */
const LOCAL_PATH_COMMANDS = new Set(["backup", "restore"]);

function operationName(command: string): string {
  return OPERATION_NAMES[command] ??
    command.split("-").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}

/** Exit code of an operation a before-script skipped (exit code 1, 3 or 5 of the script). */
function skippedExitCode(command: string, reason: "Normal" | "Warning" | "Error"): number {
  if (reason === "Warning") return ExitCode.Warnings;
  if (reason === "Error") return ExitCode.Errors;
  return command === "backup" ? ExitCode.NothingUploaded : ExitCode.Success;
}

/** Output streams (replaceable in tests). */
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  isTerminal: boolean;
}

const defaultIo: CliIo = {
  out: (s) => console.log(s),
  err: (s) => console.error(s),
  isTerminal: Deno.stderr.isTerminal(),
};

/** Runs the command line and returns the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let ctrlC: CtrlC | undefined;
  let debug = false;
  try {
    if (argv.length === 0 || ["help", "--help", "-h", "/?"].includes(argv[0].toLowerCase())) {
      io.out(helpText(argv.length > 1 ? argv.slice(1).join(" ") : undefined));
      return ExitCode.Success;
    }
    if (argv[0] === "--version" || argv[0] === "version") {
      io.out(`${PRODUCT_NAME} ${VERSION}`);
      return ExitCode.Success;
    }
    const parsed = parseCommandLine(argv);
    let options = new OptionValues(parsed.options);
    debug = options.bool("debug-output");
    for (const w of parsed.warnings) io.err(w);
    const handler = COMMAND_TABLE[parsed.command];
    if (!handler) {
      if (parsed.command === "help") {
        io.out(helpText(parsed.positionals.join(" ") || undefined));
        return ExitCode.Success;
      }
      if (findCommandInfo(parsed.command)) {
        io.err(
          `The command "${parsed.command}" is not available in this version yet. ` +
            `Available: ${Object.keys(COMMAND_TABLE).join(", ")}.`,
        );
      } else {
        io.err(`Unknown command "${parsed.command}". Run "help" to see the commands.`);
      }
      return ExitCode.BadArguments;
    }
    if (
      NEEDS_PASSPHRASE.has(parsed.command) && !options.bool("no-encryption") &&
      options.str("passphrase") === undefined && Deno.stdin.isTerminal()
    ) {
      const p = await promptSecret("Enter the encryption passphrase: ");
      if (p !== undefined) {
        if (parsed.command === "backup") {
          const again = await promptSecret("Repeat the passphrase: ");
          if (again !== p) {
            io.err("The passphrases do not match.");
            return ExitCode.BadArguments;
          }
        }
        options = options.with({ passphrase: p });
      }
    }
    if (
      parsed.command === "backup" && !options.bool("no-encryption") &&
      options.str("passphrase") === undefined
    ) {
      throw new UserError(
        "No passphrase given. Use --passphrase=<secret> (or the PASSPHRASE environment variable), " +
          "or --no-encryption to store the backup unencrypted.",
        { exitCode: ExitCode.BadArguments, code: "PassphraseMissing" },
      );
    }
    const consoleLevel = parseLogLevel(options.str("console-log-level") ?? "Warning") ?? "Warning";
    const quiet = options.bool("quiet-console");
    const logFile = options.str("log-file");
    const fileLevel = parseLogLevel(options.str("log-file-log-level") ?? "Warning") ?? "Warning";
    const logLines: string[] = [];
    const logger = new Logger((e) => {
      if (!quiet && levelRank(e.level) >= levelRank(consoleLevel)) {
        bar?.clear();
        io.err(`${e.level}: ${e.message}`);
      }
      if (logFile && levelRank(e.level) >= levelRank(fileLevel)) {
        logLines.push(`${new Date(e.at).toISOString()} [${e.level}] ${e.message}`);
      }
    });
    const showBar = !quiet && (options.has("progress") ? options.bool("progress") : io.isTerminal);
    const bar: ProgressBar | undefined = showBar
      ? new ProgressBar({ isTerminal: io.isTerminal })
      : undefined;
    // Only a backup can stop after the current file (and keep its work); the rest abort at once.
    ctrlC = new CtrlC((m) => {
      bar?.clear();
      io.err(m);
    }, parsed.command === "backup").install();
    const ctx: CommandContext = {
      command: parsed.command,
      positionals: parsed.positionals,
      options,
      filters: FilterList.fromArgs(parsed.filters),
      logger,
      // Without a bar nothing shows progress: say so, and the operations skip work done for it.
      progress: bar ? (p) => bar.update(p) : noProgress,
      out: (line = "") => {
        bar?.clear();
        io.out(line);
      },
      signal: ctrlC.cancel.signal,
      stopSignal: ctrlC.cancel.stopSignal,
    };
    try {
      const takesUrl = !NO_STORAGE_URL.has(parsed.command) && ctx.positionals.length > 0;
      const withPaths = LOCAL_PATH_COMMANDS.has(parsed.command);
      let details: unknown;
      let exitCode: number = ExitCode.Success;
      const outcome = await runWithHooks(
        {
          operation: operationName(parsed.command),
          remoteUrl: takesUrl ? ctx.positionals[0] : "",
          localPath: withPaths ? ctx.positionals.slice(1) : [],
          options: ctx.options,
          filters: ctx.filters,
          logger,
        },
        async (inputs) => {
          const positionals = takesUrl
            ? [inputs.remoteUrl, ...(withPaths ? inputs.localPath : ctx.positionals.slice(1))]
            : ctx.positionals;
          exitCode = await handler({
            ...ctx,
            positionals,
            options: inputs.options,
            filters: inputs.filters,
            setResult: (r) => details = r,
            postBackup: inputs.postBackup,
          });
          return exitCode;
        },
        () => details ?? {},
      );
      if (outcome.skipped) {
        ctx.out(`The ${parsed.command} was not run: ${outcome.skipped.message}`);
        return skippedExitCode(parsed.command, outcome.skipped.reason);
      }
      return exitCode;
    } finally {
      bar?.done();
      ctrlC.dispose();
      if (logFile && logLines.length) {
        await Deno.writeTextFile(logFile, logLines.join("\n") + "\n", { append: true }).catch(
          () => {},
        );
      }
    }
  } catch (err) {
    if (err instanceof UserError) {
      io.err(`ErrorID: ${err.code}\n${err.message}`);
      if (debug && err.stack) io.err(err.stack);
      return err.exitCode;
    }
    if (err instanceof CancelledError) {
      io.err(err.message);
      // An aborted run kept nothing; a stopped one ended early on request.
      return ctrlC?.cancel.aborted ? ExitCode.Fatal : ExitCode.Partial;
    }
    const e = err as Error;
    io.err(`Failed: ${e?.message ?? String(err)}`);
    if (debug && e?.stack) io.err(e.stack);
    return ExitCode.Fatal;
  }
}
