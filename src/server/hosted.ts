/**
 * The server as the portable launcher sees it: start it on the portable ports and hand back the
 * address to open, or find the address of the server already running on the data folder (its
 * port is the `last-webserver-port` setting in the folder's server database) with a fresh
 * one-time sign-in token.
 */
import { serveUntilStopped } from "./command.ts";
import { locateLocalServer } from "./local_access.ts";
import { startServer } from "./server.ts";
import { parseServerArgs, serverHelp } from "./server_options.ts";
import { UserError } from "../core/errors.ts";

/** The launcher's view of the server (see src/portable/launcher.ts). */
export const hostedServer = {
  help: serverHelp,

  /** Starts the server; `defaultPorts` apply unless --webservice-port was given. */
  start(serverArgs: string[], defaultPorts: readonly number[]) {
    const cfg = parseServerArgs(serverArgs);
    if (!cfg.portsGiven) cfg.ports = [...defaultPorts];
    const handle = startServer(cfg, { print: () => {} });
    return {
      openUrl: handle.signinUrl ?? handle.url,
      // A double-clicked server ends with the desktop session (SIGHUP), unlike duplicati-server.
      run: () => serveUntilStopped(handle, Deno.build.os === "windows" ? [] : ["SIGHUP"]),
    };
  },

  /** The address of the server running on the data folder chosen by `serverArgs`. */
  runningUrl(serverArgs: string[]): string {
    const info = locateLocalServer(serverArgs, { signinToken: true });
    if (!info.url) {
      throw new UserError(
        `A Duplicati server holds the data folder ${info.dataFolder} but has not recorded its ` +
          `address yet. Wait a moment and start Duplicati again.`,
        { code: "AnotherInstance", exitCode: 200 },
      );
    }
    return info.signinToken ? `${info.url}signin.html?token=${info.signinToken}` : info.url;
  },
};
