/**
 * What the companion tools with subcommands (server-util, recovery-tool) share: where they print,
 * how a command is picked from the arguments (help, unknown names, argument counts), and how its
 * errors become exit codes.
 */
import { ExitCode, UserError } from "../core/errors.ts";

/** Where a tool prints: normal lines and errors. */
export interface Output {
  log(line: string): void;
  error(line: string): void;
}

/** One option of a tool, for help. */
export interface ToolOption {
  name: string;
  summary: string;
}

/** The part of a command that picking it needs. */
export interface CommandShape {
  usage: string;
  minArgs: number;
  maxArgs: number;
}

/**
 * Picks the command named by the first positional. Answers `help [command]`, `--help`, unknown
 * names and wrong argument counts itself, returning the exit code; otherwise returns the command
 * and its arguments.
 */
export function pickCommand<C extends CommandShape>(
  tool: string,
  commands: Record<string, C>,
  positionals: string[],
  wantsHelp: boolean,
  help: (topic?: string) => string,
  out: Output,
): { name: string; cmd: C; args: string[] } | number {
  const [name, ...rest] = positionals;
  const cmdName = name?.toLowerCase();
  if (!cmdName || cmdName === "help" || cmdName === "--help") {
    const topic = rest[0]?.toLowerCase();
    if (topic && !commands[topic]) {
      out.error(`Unknown command "${rest[0]}". Run "${tool} help" for the list.`);
      return ExitCode.BadArguments;
    }
    out.log(help(topic));
    return name ? ExitCode.Success : ExitCode.BadArguments;
  }
  const cmd = commands[cmdName];
  if (!cmd) {
    out.error(`Unknown command "${name}". Run "${tool} help" for the list.`);
    return ExitCode.BadArguments;
  }
  if (wantsHelp) {
    out.log(help(cmdName));
    return ExitCode.Success;
  }
  if (rest.length < cmd.minArgs || rest.length > cmd.maxArgs) {
    out.error(`Usage: ${tool} ${cmd.usage}`);
    out.error(`Run "${tool} help ${cmdName}" for more.`);
    return ExitCode.BadArguments;
  }
  return { name: cmdName, cmd, args: rest };
}

/** Runs a command: a UserError prints its message and gives its exit code, anything else 3. */
export async function runCommand(
  name: string,
  run: () => Promise<number>,
  out: Output,
): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof UserError) {
      out.error(e.message);
      return e.exitCode;
    }
    out.error(`${name} failed: ${(e as Error)?.stack ?? String(e)}`);
    return ExitCode.Fatal;
  }
}
