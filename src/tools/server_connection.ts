/**
 * A signed-in connection to a running server's REST API (`/api/v1`) for `duplicati-server-util`.
 *
 * Sign-in, in this order: the access token kept from the last call; its refresh token (rotated on
 * every use, as the web UI does); `--password`; or, without a password, a one-time sign-in token
 * minted from the server database in the data folder. The tokens are kept in a small session file
 * (owner-only) in the data folder, so consecutive calls sign in once; `logout` ends the session.
 */
import { dirname, join } from "node:path";
import { ExitCode, UserError } from "../core/errors.ts";

/** What the tool may learn from the server's data folder (see main.ts, which provides it). */
export interface LocalServerInfo {
  dataFolder: string;
  hasDatabase: boolean;
  apiUrl?: string;
  signinToken?: string;
}

/** Reads the server database of the data folder chosen by server options. */
export type LocateServer = (
  serverArgs: string[],
  opts: { signinToken?: boolean },
) => LocalServerInfo;

/** The session file's content. */
interface StoredSession {
  hosturl: string;
  accessToken?: string;
  /** `RefreshToken_<port>=<token>` as the server sets it. */
  refreshCookie?: string;
  refreshNonce?: string;
}

/** An API answer: status and the parsed JSON body (or text, or bytes when asked). */
export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** How to reach and sign in to the server. */
export interface ConnectionSettings {
  /** `--hosturl`, when given. */
  hosturl?: string;
  password?: string;
  /** Server options that choose the data folder (`--server-datafolder`, ...). */
  serverArgs: string[];
  /** `--settings-file`, when given. */
  sessionFile?: string;
  locate: LocateServer;
}

/** The default address, as Duplicati's. */
export const DEFAULT_HOSTURL = "http://127.0.0.1:8200/";

function normalizeUrl(u: string): string {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    throw new UserError(
      `Invalid --hosturl "${u}": give the server's address, such as http://127.0.0.1:8200`,
      { exitCode: ExitCode.BadArguments, code: "BadHostUrl" },
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UserError(`Invalid --hosturl "${u}": it must start with http:// or https://`, {
      exitCode: ExitCode.BadArguments,
      code: "BadHostUrl",
    });
  }
  return `${url.protocol}//${url.host}/`;
}

/** A connection; every method throws a UserError the user can act on. */
export class ServerConnection {
  readonly baseUrl: string;
  readonly sessionFile: string;
  #settings: ConnectionSettings;
  #info: LocalServerInfo;
  #session?: StoredSession;

  private constructor(settings: ConnectionSettings, info: LocalServerInfo) {
    this.#settings = settings;
    this.#info = info;
    this.baseUrl = normalizeUrl(settings.hosturl ?? info.apiUrl ?? DEFAULT_HOSTURL);
    this.sessionFile = settings.sessionFile ??
      join(info.dataFolder, "server-util-session.json");
    const stored = readSession(this.sessionFile);
    if (stored && stored.hosturl === this.baseUrl) this.#session = stored;
  }

  /** Finds the server (its data folder and address); does not contact it yet. */
  static open(settings: ConnectionSettings): ServerConnection {
    const info = settings.locate(settings.serverArgs, {});
    return new ServerConnection(settings, info);
  }

  /** True when a session from an earlier call is kept for this server. */
  get hasSession(): boolean {
    return this.#session !== undefined;
  }

  /** One HTTP request without sign-in. Throws a UserError when nothing answers. */
  async fetchRaw(path: string, init: RequestInit = {}): Promise<Response> {
    const url = this.baseUrl + path.replace(/^\//, "");
    try {
      return await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(60_000) });
    } catch (e) {
      throw new UserError(
        `No Duplicati server answers at ${this.baseUrl} (${(e as Error).message}). Start it ` +
          `with duplicati-server, or give its address with --hosturl=http://<host>:<port>.`,
        { code: "ServerNotRunning", cause: e },
      );
    }
  }

  /**
   * Signs in anew (password, else a sign-in token from the data folder) and keeps the session.
   * Throws a UserError saying what to give when sign-in is not possible or refused.
   */
  async login(): Promise<void> {
    let r: Response;
    if (this.#settings.password !== undefined) {
      r = await this.#post("api/v1/auth/login", {
        Password: this.#settings.password,
        RememberMe: true,
      });
      if (r.status === 401) {
        await r.body?.cancel();
        throw new UserError(
          `The server at ${this.baseUrl} refused the password. Check --password.`,
          { code: "LoginFailed" },
        );
      }
    } else {
      const token = this.#signinToken();
      r = await this.#post("api/v1/auth/signin", { SigninToken: token, RememberMe: true });
      if (r.status === 401) {
        await r.body?.cancel();
        throw new UserError(
          `The server at ${this.baseUrl} refused the sign-in token made from the data folder ` +
            `${this.#info.dataFolder}: it is probably another server's folder. Give the ` +
            `server's folder with --server-datafolder, or sign in with --password=<password>.`,
          { code: "LoginFailed" },
        );
      }
    }
    await this.#takeTokens(r);
  }

  #signinToken(): string {
    if (!this.#info.hasDatabase) {
      throw new UserError(
        `No Duplicati server has used the data folder ${this.#info.dataFolder}, so no sign-in ` +
          `token can be made. Give the server's data folder with --server-datafolder=<folder> ` +
          `(or DUPLICATI_HOME), or sign in with --password=<password>.`,
        { code: "NoServerDatabase" },
      );
    }
    const info = this.#settings.locate(this.#settings.serverArgs, { signinToken: true });
    if (!info.signinToken) {
      throw new UserError(
        "Sign-in tokens are disabled on this server: sign in with --password=<password>.",
        { code: "SigninTokensDisabled" },
      );
    }
    return info.signinToken;
  }

  #post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return this.fetchRaw(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  }

  async #takeTokens(r: Response): Promise<void> {
    if (r.status !== 200) throw await apiError(r);
    const body = await r.json() as { AccessToken?: string; RefreshNonce?: string | null };
    const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0];
    this.#session = {
      hosturl: this.baseUrl,
      accessToken: body.AccessToken,
      refreshCookie: cookie.includes("=") && !cookie.endsWith("=")
        ? cookie
        : this.#session?.refreshCookie,
      refreshNonce: body.RefreshNonce ?? this.#session?.refreshNonce,
    };
    writeSession(this.sessionFile, this.#session);
  }

  /** Rotates the refresh token for a new access token; false when the session has ended. */
  async #refresh(): Promise<boolean> {
    const s = this.#session;
    if (!s?.refreshCookie) return false;
    const r = await this.#post("api/v1/auth/refresh", { Nonce: s.refreshNonce ?? "" }, {
      Cookie: s.refreshCookie,
    });
    if (r.status !== 200) {
      await r.body?.cancel();
      return false;
    }
    await this.#takeTokens(r);
    return true;
  }

  /**
   * A signed-in API request (`path` below `/api/v1/`). Refreshes or signs in again when the kept
   * access token is refused. Returns every answer; {@link call} turns errors into UserErrors.
   */
  async request(
    method: string,
    path: string,
    body?: unknown,
    opts: { binary?: boolean } = {},
  ): Promise<ApiAnswer> {
    if (!this.#session?.accessToken) await this.login();
    for (let attempt = 0;; attempt++) {
      const headers: Record<string, string> = {
        Authorization: `Bearer ${this.#session!.accessToken}`,
      };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const r = await this.fetchRaw(`api/v1/${path.replace(/^\//, "")}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (r.status === 401 && attempt === 0) {
        await r.body?.cancel();
        if (!(await this.#refresh())) await this.login();
        continue;
      }
      return { status: r.status, body: await readBody(r, opts.binary), headers: r.headers };
    }
  }

  /** Like {@link request}, but throws a UserError with the server's message for non-2xx. */
  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    opts: { binary?: boolean } = {},
  ): Promise<T> {
    const a = await this.request(method, path, body, opts);
    if (a.status < 200 || a.status >= 300) throw answerError(a);
    return a.body as T;
  }

  /** Ends the session on the server (when reachable) and removes the session file. */
  async logout(): Promise<boolean> {
    const had = this.#session !== undefined;
    if (this.#session?.refreshCookie) {
      try {
        const r = await this.#post("api/v1/auth/refresh/logout", {}, {
          Cookie: this.#session.refreshCookie,
        });
        await r.body?.cancel();
      } catch {
        // The server is gone; forgetting the session locally is all that is left to do.
      }
    }
    this.forget();
    return had;
  }

  /** Removes the session file (after the server ended every session, e.g. a new password). */
  forget(): void {
    this.#session = undefined;
    try {
      Deno.removeSync(this.sessionFile);
    } catch {
      // Not there.
    }
  }
}

async function readBody(r: Response, binary?: boolean): Promise<unknown> {
  if (binary && r.status >= 200 && r.status < 300) return new Uint8Array(await r.arrayBuffer());
  const text = await r.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function answerError(a: ApiAnswer): UserError {
  const b = a.body as { Error?: string; Message?: string } | string;
  const msg = typeof b === "string" ? b : b?.Error ?? b?.Message ?? JSON.stringify(b);
  return new UserError(`The server answered ${a.status}: ${msg}`, { code: `Http${a.status}` });
}

async function apiError(r: Response): Promise<UserError> {
  return answerError({ status: r.status, body: await readBody(r), headers: r.headers });
}

function readSession(path: string): StoredSession | undefined {
  try {
    const s = JSON.parse(Deno.readTextFileSync(path));
    return typeof s?.hosturl === "string" ? s : undefined;
  } catch {
    return undefined;
  }
}

function writeSession(path: string, s: StoredSession): void {
  try {
    Deno.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    Deno.writeTextFileSync(path, JSON.stringify(s), { mode: 0o600 });
  } catch (e) {
    throw new UserError(
      `Cannot keep the sign-in in ${path} (${(e as Error).message}). Choose another file with ` +
        `--settings-file=<file>.`,
      { code: "SessionFileNotWritable", cause: e },
    );
  }
}
