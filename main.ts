/**
 * The one entry point: chooses the program by the name it was called under (busybox style) or by
 * the first argument, then runs it. `duplicati-cli <command> ...` and `main.ts <command> ...` run
 * Duplicati's command line; `duplicati-server`, `main.ts server ...` and `main.ts` without arguments
 * run the server.
 */
import { basename } from "node:path";
import { runCli } from "./src/cli/run.ts";
import { tuneAllocator } from "./src/core/memory.ts";
import { runServer } from "./src/server/command.ts";

/** Runs the program for `argv` as called under `exeName`; returns the exit code. */
export async function main(argv: string[], exeName: string): Promise<number> {
  const name = exeName.toLowerCase().replace(/\.(exe|cmd|sh)$/, "");
  if (name === "duplicati-cli") return await runCli(argv);
  if (name === "duplicati-server") return await runServer(argv);
  if (argv.length === 0) return await runServer([]);
  const first = argv[0].toLowerCase();
  if (first === "cli") return await runCli(argv.slice(1));
  if (first === "server") return await runServer(argv.slice(1));
  return await runCli(argv);
}

if (import.meta.main) {
  tuneAllocator();
  const code = await main(Deno.args, basename(Deno.execPath()));
  Deno.exit(code);
}
