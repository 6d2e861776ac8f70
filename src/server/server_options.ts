/**
 * The server's own command line options (`main.ts server --webservice-port=8200 ...`). Each can also
 * come from a `DUPLICATI__<OPTION>` environment variable (dashes as underscores, upper case); the
 * command line wins. `SETTINGS_ENCRYPTION_KEY` also sets `--settings-encryption-key`.
 */
import { ArgumentError } from "../core/errors.ts";
import { parseBoolean } from "../core/option_values.ts";
import { type LogLevel, parseLogLevel } from "../core/log.ts";
import { parseTimespan } from "../core/timespan.ts";

/** One server option for `--help`. */
export interface ServerOptionDef {
  name: string;
  kind: "string" | "boolean";
  summary: string;
  default?: string;
}

/** Every server option. */
export const SERVER_OPTIONS: readonly ServerOptionDef[] = [
  {
    name: "webservice-port",
    kind: "string",
    default: "8200",
    summary:
      "Ports to try, comma separated, in order. The port that worked last is tried first next time.",
  },
  {
    name: "webservice-interface",
    kind: "string",
    default: "loopback",
    summary: "Where to listen: loopback (this computer only), any (the network), or an IP address.",
  },
  { name: "webservice-password", kind: "string", summary: "Sets the password of the web UI." },
  {
    name: "webservice-allowed-hostnames",
    kind: "string",
    summary:
      "Host names (; separated) the server answers to besides localhost and IP addresses; * allows all.",
  },
  {
    name: "webservice-token-duration",
    kind: "string",
    default: "30D",
    summary: 'How long a sign-in with "remember me" lasts (refresh-token lifetime).',
  },
  {
    name: "webservice-api-only",
    kind: "boolean",
    default: "false",
    summary: "Serve only the REST API, not the web UI.",
  },
  {
    name: "webservice-disable-signin-tokens",
    kind: "boolean",
    summary: "Refuse passwordless sign-in tokens (the printed sign-in link).",
  },
  {
    name: "webservice-enable-forever-token",
    kind: "boolean",
    default: "false",
    summary: "Allow one long-lived API token per start (POST /api/v1/auth/issue-forever-token).",
  },
  {
    name: "webservice-reset-jwt-config",
    kind: "boolean",
    default: "false",
    summary:
      "Make a new token signing key at start: every sign-in and token ends (all sign in again).",
  },
  {
    name: "webservice-pre-auth-tokens",
    kind: "string",
    summary: "Fixed API tokens (; separated, each at least 10 characters of A-Z, a-z, 0-9, _ " +
      "and -) accepted as the header Authorization: PreAuth <token>, for scripts.",
  },
  {
    name: "webservice-timezone",
    kind: "string",
    summary: "Time zone of the scheduler, such as Europe/Berlin.",
  },
  {
    name: "server-datafolder",
    kind: "string",
    summary: "Folder for the server database and the backups' local databases.",
  },
  {
    name: "portable-mode",
    kind: "boolean",
    default: "false",
    summary: "Keep the data folder next to the program (data/).",
  },
  {
    name: "settings-encryption-key",
    kind: "string",
    summary:
      "Key that encrypts passwords and passphrases in the server database (also SETTINGS_ENCRYPTION_KEY).",
  },
  { name: "log-file", kind: "string", summary: "Also write the server log to this file." },
  {
    name: "log-level",
    kind: "string",
    default: "Warning",
    summary: "Lowest level written to --log-file.",
  },
  {
    name: "ping-pong-keepalive",
    kind: "boolean",
    default: "false",
    summary:
      'Answer each line on standard input with "pong"; the line "shutdown" stops the server.',
  },
  {
    name: "update-url",
    kind: "string",
    summary: "Address of the signed version manifest the daily update check reads.",
  },
  {
    name: "disable-update-check",
    kind: "boolean",
    default: "false",
    summary: "Do not look for a new version once a day.",
  },
  { name: "help", kind: "boolean", summary: "Show these options." },
];

/** The parsed server options. */
export interface ServerConfig {
  /** Ports to try in order (0 = any free port). */
  ports: number[];
  /** True when the ports came from the command line or environment. */
  portsGiven: boolean;
  /** Listen address chosen by --webservice-interface, if given. */
  listenInterface?: string;
  password?: string;
  allowedHostnames?: string;
  tokenDurationS: number;
  apiOnly: boolean;
  disableSigninTokens?: boolean;
  enableForeverToken: boolean;
  /** A new token signing key at start, ending every sign-in. */
  resetJwtConfig: boolean;
  /** Fixed tokens accepted as `Authorization: PreAuth <token>`. */
  preAuthTokens: string[];
  timeZone?: string;
  dataFolder?: string;
  portableMode: boolean;
  settingsKey?: string;
  logFile?: string;
  logLevel: LogLevel;
  pingPong: boolean;
  /** Address of the version manifest (--update-url), if given. */
  updateUrl?: string;
  /** --disable-update-check: no daily check. */
  disableUpdateCheck: boolean;
  help: boolean;
}

function envName(option: string): string {
  return `DUPLICATI__${option.replaceAll("-", "_").toUpperCase()}`;
}

/** Parses a port list such as `8200,8300`; throws ArgumentError for a bad entry. */
export function parsePorts(text: string): number[] {
  const ports = text.split(/[,;]/).map((s) => s.trim()).filter((s) => s !== "");
  if (ports.length === 0) {
    throw new ArgumentError("--webservice-port needs at least one port, such as 8200");
  }
  return ports.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) > 65535) {
      throw new ArgumentError(
        `Invalid port "${p}" in --webservice-port: use numbers from 1 to 65535`,
      );
    }
    return Number(p);
  });
}

/** The listen address for an interface value; throws ArgumentError for an unknown one. */
export function listenAddress(value: string): string {
  const v = value.trim().toLowerCase();
  if (v === "" || v === "loopback") return "127.0.0.1";
  if (v === "any" || v === "all" || v === "*") return "0.0.0.0";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v) || v.includes(":")) return v.replace(/^\[|\]$/g, "");
  throw new ArgumentError(
    `Invalid --webservice-interface "${value}": use loopback, any, or an IP address of this computer`,
  );
}

/**
 * Parses the server's arguments and environment. Throws ArgumentError naming the bad option, with
 * the list of options for an unknown one.
 */
export function parseServerArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = Deno.env.toObject(),
): ServerConfig {
  const given = new Map<string, string>();
  for (const def of SERVER_OPTIONS) {
    const v = env[envName(def.name)];
    if (v !== undefined) given.set(def.name, v);
  }
  if (env.SETTINGS_ENCRYPTION_KEY && !given.has("settings-encryption-key")) {
    given.set("settings-encryption-key", env.SETTINGS_ENCRYPTION_KEY);
  }
  for (const arg of argv) {
    const m = arg.match(/^--([a-z0-9-]+)(?:=(.*))?$/is);
    if (!m) {
      throw new ArgumentError(
        `Unexpected argument "${arg}": server options look like --name=value (see --help)`,
      );
    }
    const name = m[1].toLowerCase() === "webservice-allowedhostnames"
      ? "webservice-allowed-hostnames"
      : m[1].toLowerCase();
    const def = SERVER_OPTIONS.find((d) => d.name === name);
    if (!def) {
      throw new ArgumentError(
        `Unknown server option --${m[1]}. Known: ${
          SERVER_OPTIONS.map((d) => "--" + d.name).join(", ")
        }`,
      );
    }
    given.set(name, m[2] ?? (def.kind === "boolean" ? "true" : ""));
  }
  const bool = (n: string): boolean | undefined => {
    const v = given.get(n);
    if (v === undefined) return undefined;
    const b = parseBoolean(v);
    if (b === undefined) {
      throw new ArgumentError(`Invalid value "${v}" for --${n}: use true or false`);
    }
    return b;
  };
  const str = (n: string) => {
    const v = given.get(n);
    return v === undefined || v === "" ? undefined : v;
  };
  const levelText = str("log-level") ?? "Warning";
  const logLevel = parseLogLevel(levelText);
  if (!logLevel) {
    throw new ArgumentError(
      `Invalid --log-level "${levelText}": use Verbose, Information, Warning or Error`,
    );
  }
  let tokenDurationS: number;
  try {
    tokenDurationS = Math.round(
      parseTimespan(str("webservice-token-duration") ?? "30D", "s") / 1000,
    );
  } catch {
    throw new ArgumentError(
      "Invalid --webservice-token-duration: use a timespan such as 30D or 12h",
    );
  }
  if (tokenDurationS < 60) {
    throw new ArgumentError("--webservice-token-duration must be at least 1m");
  }
  const preAuthTokens = (str("webservice-pre-auth-tokens") ?? "").split(";").map((t) => t.trim())
    .filter((t) => t !== "");
  for (const t of preAuthTokens) {
    if (!/^[A-Za-z0-9_-]{10,}$/.test(t)) {
      throw new ArgumentError(
        `Invalid --webservice-pre-auth-tokens: the token starting "${t.slice(0, 3)}" must be at ` +
          "least 10 characters of A-Z, a-z, 0-9, _ and - (separate tokens with ;)",
      );
    }
  }
  const ifc = str("webservice-interface");
  return {
    ports: parsePorts(str("webservice-port") ?? "8200"),
    portsGiven: given.has("webservice-port"),
    listenInterface: ifc !== undefined ? listenAddress(ifc) : undefined,
    password: str("webservice-password"),
    allowedHostnames: given.get("webservice-allowed-hostnames"),
    tokenDurationS,
    apiOnly: bool("webservice-api-only") ?? false,
    disableSigninTokens: bool("webservice-disable-signin-tokens"),
    enableForeverToken: bool("webservice-enable-forever-token") ?? false,
    preAuthTokens,
    resetJwtConfig: bool("webservice-reset-jwt-config") ?? false,
    timeZone: str("webservice-timezone"),
    dataFolder: str("server-datafolder"),
    portableMode: bool("portable-mode") ?? false,
    settingsKey: str("settings-encryption-key"),
    logFile: str("log-file"),
    logLevel,
    pingPong: bool("ping-pong-keepalive") ?? false,
    updateUrl: str("update-url"),
    disableUpdateCheck: bool("disable-update-check") ?? false,
    help: bool("help") ?? false,
  };
}

/** The `server --help` text. */
export function serverHelp(): string {
  const lines = ["Usage: duplicati-server [--option=value ...]", "", "Options:"];
  for (const d of SERVER_OPTIONS) {
    lines.push(`  --${d.name}${d.default ? ` (default ${d.default})` : ""}`, `      ${d.summary}`);
  }
  lines.push("", "Each option can also be set as DUPLICATI__<OPTION_NAME> in the environment.");
  return lines.join("\n");
}
