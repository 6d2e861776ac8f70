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
import { notAvailable, PROGRAMS } from "./src/tools/programs.ts";

type Runner = (argv: string[]) => Promise<number>;

// Only the program that runs is loaded: the server (web framework, UI) and the tools would add
// more than 10 MB of memory to every command line run, and start-up time.
const RUNNERS: Record<string, Runner> = {
  cli: runCli,
  server: async (argv) => (await import("./src/server/command.ts")).runServer(argv),
  aescrypt: async (argv) => (await import("./src/tools/aescrypt.ts")).runAescrypt(argv),
  "backend-tool": async (argv) =>
    (await import("./src/tools/backend_tool.ts")).runBackendTool(argv),
  "backend-tester": async (argv) =>
    (await import("./src/tools/backend_tester.ts")).runBackendTester(argv),
  "server-util": async (argv) => {
    const { runServerUtil } = await import("./src/tools/server_util.ts");
    const { locateLocalServer } = await import("./src/server/local_access.ts");
    return runServerUtil(argv, locateLocalServer);
  },
  service: async (argv) => {
    const { runService } = await import("./src/portable/service.ts");
    const { parseServerArgs, serverHelp } = await import("./src/server/server_options.ts");
    return runService(argv, {
      serverHelp,
      checkServerArgs: (args) => void parseServerArgs(args),
    });
  },
  "recovery-tool": async (argv) =>
    (await import("./src/tools/recovery_tool.ts")).runRecoveryTool(argv),
  update: async (argv) => (await import("./src/tools/update.ts")).runUpdate(argv),
};

/** The portable launcher with the server it hosts (loaded only when the launcher runs). */
async function launch(argv: string[]): Promise<number> {
  const { runLauncher } = await import("./src/portable/launcher.ts");
  const { hostedServer } = await import("./src/server/hosted.ts");
  return await runLauncher(argv, hostedServer);
}

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
  if (first === "--help-launcher") return await launch(["--help"]);
  if (argv.length === 0 || argv.every((a) => a.startsWith("--"))) return await launch(argv);
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
