/** `duplicati-server` / `main.ts server`: parse options, run until Ctrl-C, map errors to exit codes. */
import { ExitCode, UserError } from "../core/errors.ts";
import { parseServerArgs, serverHelp } from "./server_options.ts";
import { type ServerHandle, startServer } from "./server.ts";

/**
 * Waits until the server stops: Ctrl-C or SIGTERM (and `alsoOn`, such as SIGHUP when the desktop
 * session ends) close it; a second signal exits at once.
 */
export async function serveUntilStopped(
  server: ServerHandle,
  alsoOn: Deno.Signal[] = [],
): Promise<number> {
  let stops = 0;
  const onSignal = () => {
    stops++;
    if (stops > 1) Deno.exit(ExitCode.Success);
    console.log("Stopping the server (press Ctrl-C again to stop at once)...");
    server.close();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM", ...alsoOn];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  await server.finished;
  for (const s of signals) Deno.removeSignalListener(s, onSignal);
  return ExitCode.Success;
}

/** Maps an error from starting or running the server to an exit code, printing it. */
export function serverFailure(err: unknown): number {
  if (err instanceof UserError) {
    console.error(err.message);
    return err.exitCode === ExitCode.Fatal ? ExitCode.BadArguments : err.exitCode;
  }
  console.error(`The server failed: ${(err as Error)?.stack ?? String(err)}`);
  return ExitCode.Fatal;
}

/** Runs the server until it is stopped; returns the exit code. Never throws. */
export async function runServer(argv: string[]): Promise<number> {
  try {
    const cfg = parseServerArgs(argv);
    if (cfg.help) {
      console.log(serverHelp());
      return ExitCode.Success;
    }
    return await serveUntilStopped(await startServer(cfg));
  } catch (err) {
    return serverFailure(err);
  }
}
