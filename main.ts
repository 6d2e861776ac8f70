/**
 * The one entry point (busybox style): called as `duplicati-<program>` (cli, server, aescrypt, ...)
 * it runs that program; called as `duplicati`, the first argument may name the program
 * (`duplicati cli backup ...`). Without arguments, or with only `--options`, it runs the portable
 * launcher: the hosted server on the first free portable port and a browser signed in to it.
 * Anything else is Duplicati's command line (`duplicati backup ...`).
 */
import { basename } from "node:path";
import { runCli } from "./src/cli/run.ts";
import { tuneAllocator } from "./src/core/memory.ts";
import { PRODUCT_NAME, VERSION } from "./src/core/version.ts";
import { runLauncher } from "./src/portable/launcher.ts";
import { runService } from "./src/portable/service.ts";
import { runServer } from "./src/server/command.ts";
import { hostedServer } from "./src/server/hosted.ts";
import { locateLocalServer } from "./src/server/local_access.ts";
import { parseServerArgs, serverHelp } from "./src/server/server_options.ts";
import { runAescrypt } from "./src/tools/aescrypt.ts";
import { runBackendTool } from "./src/tools/backend_tool.ts";
import { runBackendTester } from "./src/tools/backend_tester.ts";
import { notAvailable, PROGRAMS } from "./src/tools/programs.ts";
import { runServerUtil } from "./src/tools/server_util.ts";
import { runRecoveryTool } from "./src/tools/recovery_tool.ts";
import { runUpdate } from "./src/tools/update.ts";

type Runner = (argv: string[]) => Promise<number>;

const RUNNERS: Record<string, Runner> = {
  cli: runCli,
  server: runServer,
  aescrypt: runAescrypt,
  "backend-tool": runBackendTool,
  "backend-tester": runBackendTester,
  "server-util": (argv) => runServerUtil(argv, locateLocalServer),
  service: (argv) =>
    runService(argv, {
      serverHelp,
      checkServerArgs: (args) => void parseServerArgs(args),
    }),
  "recovery-tool": runRecoveryTool,
  update: (argv) => runUpdate(argv),
};

/** True when this version has the program (others answer "not available in this version yet"). */
export function hasProgram(name: string): boolean {
  return Object.hasOwn(RUNNERS, name);
}

async function runProgram(name: string, argv: string[]): Promise<number> {
  const run = RUNNERS[name];
  if (run) return await run(argv);
  const na = notAvailable(name);
  console.error(na.message);
  return na.exitCode;
}

/** The `duplicati --help` text: the programs and how to call them. */
export function mainHelp(): string {
  const width = Math.max(...PROGRAMS.map((p) => p.name.length));
  return [
    `${PRODUCT_NAME} ${VERSION}`,
    "",
    "Usage:",
    "  duplicati                      start the server and open the web UI in a browser",
    "  duplicati [--option=value ...] the same, with launcher and server options (--help-launcher)",
    "  duplicati <program> ...        run one of the programs below",
    "  duplicati-<program> ...        the same, under the program's own name",
    "  duplicati <command> ...        Duplicati's command line (same as duplicati cli <command>)",
    "  duplicati --version            print the version",
    "",
    "Programs:",
    ...PROGRAMS.map((p) =>
      `  ${p.name.padEnd(width)}  ${p.summary}${
        hasProgram(p.name) ? "" : " (not available in this version yet)"
      }`
    ),
  ].join("\n");
}

/** Runs the program for `argv` as called under `exeName`; returns the exit code. */
export async function main(argv: string[], exeName: string): Promise<number> {
  const name = exeName.toLowerCase().replace(/\.(exe|cmd|sh)$/, "");
  const program = PROGRAMS.find((p) => name === `duplicati-${p.name}`);
  if (program) return await runProgram(program.name, argv);
  const first = argv[0]?.toLowerCase();
  if (first === "--help" || first === "-h" || first === "help" && argv.length === 1) {
    console.log(mainHelp());
    return 0;
  }
  if (first === "--version" || first === "version") {
    console.log(`${PRODUCT_NAME} ${VERSION}`);
    return 0;
  }
  if (first === "--help-launcher") return await runLauncher(["--help"], hostedServer);
  if (argv.length === 0 || argv.every((a) => a.startsWith("--"))) {
    return await runLauncher(argv, hostedServer);
  }
  const named = PROGRAMS.find((p) => p.name === first);
  if (named) return await runProgram(named.name, argv.slice(1));
  return await runCli(argv);
}

/**
 * The name the program was called under: the executable's name, or, when a portable launcher
 * script runs the bundled program with the Deno runtime, the script's name (DUPLICATI_CALLED_AS).
 */
function calledAs(): string {
  const exe = basename(Deno.execPath());
  if (!/^deno(\.exe)?$/i.test(exe)) return exe;
  return Deno.env.get("DUPLICATI_CALLED_AS") || exe;
}

if (import.meta.main) {
  tuneAllocator();
  const code = await main(Deno.args, calledAs());
  Deno.exit(code);
}
