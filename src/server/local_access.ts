/**
 * What another program on this machine may learn about the server of a data folder by reading the
 * folder's server database: the address the server recorded when it last started, and a fresh
 * one-time sign-in token (as Duplicati's ServerUtil and TrayIcon do with `jwt-config`). Whoever can
 * read the data folder can do this; that is the trust the folder already carries.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../core/errors.ts";
import { Authenticator } from "./auth.ts";
import { ServerDatabase } from "./database.ts";
import { serverDataFolderPath } from "./server.ts";
import { parseServerArgs } from "./server_options.ts";

/** The server of one data folder, as far as its database tells. */
export interface LocalServerInfo {
  dataFolder: string;
  /** False when no server has used the folder yet (nothing else is then known). */
  hasDatabase: boolean;
  /** `http://<host>:<port>/` from the server's last start, when recorded (for a browser). */
  url?: string;
  /** The same address for a program on this machine (an IP address, not `localhost`). */
  apiUrl?: string;
  /** A one-time sign-in token (5 minutes), when asked for and sign-in tokens are enabled. */
  signinToken?: string;
}

/** The host name a local client uses for a listen interface. */
export function clientHost(listen: string | undefined): string {
  if (!listen || listen === "127.0.0.1" || listen === "0.0.0.0" || listen === "::") {
    return "localhost";
  }
  return listen.includes(":") ? `[${listen}]` : listen;
}

/**
 * Reads the server database of the data folder chosen by `serverArgs` (server options:
 * `--server-datafolder`, `--portable-mode`, `--settings-encryption-key`, and their environment
 * variables). Never creates the folder or the database. Throws a UserError (exit 200) for bad
 * options or a missing or wrong settings key.
 */
export function locateLocalServer(
  serverArgs: string[],
  opts: { signinToken?: boolean } = {},
): LocalServerInfo {
  const cfg = parseServerArgs(serverArgs);
  const dataFolder = serverDataFolderPath(cfg);
  const path = join(dataFolder, "Duplicati-server.sqlite");
  if (!existsSync(path)) return { dataFolder, hasDatabase: false };
  const db = ServerDatabase.open(path, cfg.settingsKey);
  try {
    const port = db.setting("last-webserver-port");
    const info: LocalServerInfo = { dataFolder, hasDatabase: true };
    if (port) {
      const listen = db.setting("server-listen-interface");
      info.url = `http://${clientHost(listen)}:${port}/`;
      const ip = !listen || listen === "0.0.0.0" || listen === "::" || listen === "localhost"
        ? "127.0.0.1"
        : listen.includes(":")
        ? `[${listen}]`
        : listen;
      info.apiUrl = `http://${ip}:${port}/`;
    }
    if (opts.signinToken) {
      const auth = new Authenticator(db, cfg.tokenDurationS);
      if (!auth.signinTokensDisabled) info.signinToken = auth.issueSigninToken();
    }
    return info;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(
      `Cannot read the server database ${path}: ${(e as Error).message}`,
      { code: "ServerDatabaseUnreadable", cause: e },
    );
  } finally {
    db.close();
  }
}
