/**
 * What a double-click runs: start the hosted server on the first free portable port, open the
 * browser with a one-time sign-in address, print it, and run until stopped. When a server already
 * runs on the same data folder, only open the browser to it. With `--no-hosted-server`, open the
 * server at `--hosturl`.
 *
 * The server itself is reached through {@link HostedServer} (implemented by the server room), so
 * this room keeps to the rules of where the program lives and how it is opened.
 */
import { ExitCode, UserError } from "../core/errors.ts";
import { openBrowser } from "./browser.ts";
import {
  type LauncherConfig,
  launcherHelp,
  parseLauncherArgs,
  PORTABLE_PORTS,
} from "./launcher_options.ts";

/** A server started by the launcher. */
export interface StartedServer {
  /** The address to open: a one-time sign-in address when sign-in tokens are enabled. */
  openUrl: string;
  /** Runs until Ctrl-C, SIGTERM or a "shutdown" (signal handlers in place once it returns). */
  run(): Promise<number>;
}

/** How the launcher reaches the server. */
export interface HostedServer {
  /** `--help` text of the server options. */
  help(): string;
  /**
   * Starts the server with `serverArgs`, on `defaultPorts` unless ports are given. Throws a
   * UserError with code "AnotherInstance" when a server already runs on the data folder.
   */
  start(serverArgs: string[], defaultPorts: readonly number[]): StartedServer;
  /** The address (with a fresh sign-in token when possible) of the server running on the data folder. */
  runningUrl(serverArgs: string[]): string;
}

function show(cfg: LauncherConfig, url: string, what: string): void {
  console.log(`${what}: ${url}`);
  if (cfg.noBrowser) return;
  if (!openBrowser(url, cfg.browserCommand)) {
    console.log(
      `Could not start a browser${
        cfg.browserCommand ? ` with "${cfg.browserCommand}"` : ""
      }; open the address above by hand, or give one with --browser-command=<program>.`,
    );
  }
}

/** Runs the launcher; returns the exit code. Never throws. */
export async function runLauncher(argv: string[], server: HostedServer): Promise<number> {
  try {
    const cfg = parseLauncherArgs(argv);
    if (cfg.serverArgs.some((a) => a.toLowerCase() === "--help")) {
      console.log(`Usage: duplicati [--option=value ...]\n\n${launcherHelp()}\n\n${server.help()}`);
      return ExitCode.Success;
    }
    if (cfg.noHostedServer) {
      show(cfg, cfg.hostUrl ?? "http://localhost:8200/", "Opening the Duplicati server at");
      return ExitCode.Success;
    }
    let started: StartedServer;
    try {
      started = server.start(cfg.serverArgs, PORTABLE_PORTS);
    } catch (e) {
      if (!(e instanceof UserError) || e.code !== "AnotherInstance") throw e;
      show(cfg, server.runningUrl(cfg.serverArgs), "Duplicati is already running; opening");
      return ExitCode.Success;
    }
    // Listen for the stop signals before telling anyone the server is there: a signal sent right
    // after the address appears must stop it cleanly, not kill it.
    const running = started.run();
    show(cfg, started.openUrl, "Duplicati is running; sign in at");
    console.log("Press Ctrl-C to stop it.");
    return await running;
  } catch (err) {
    if (err instanceof UserError) {
      console.error(err.message);
      return err.exitCode === ExitCode.Fatal ? ExitCode.BadArguments : err.exitCode;
    }
    console.error(`Duplicati failed: ${(err as Error)?.stack ?? String(err)}`);
    return ExitCode.Fatal;
  }
}
