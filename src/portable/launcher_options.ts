/**
 * The launcher's own options (what a double-click runs). Each can also come from a
 * `DUPLICATI__<OPTION>` environment variable; the command line wins. Everything else on the
 * command line is a server option and is passed on.
 */
import { ArgumentError } from "../core/errors.ts";
import { parseBoolean } from "../core/option_values.ts";

/** The ports the portable edition tries when none are given: 8200, 8300, ..., 8900, 8989. */
export const PORTABLE_PORTS: readonly number[] = [
  8200,
  8300,
  8400,
  8500,
  8600,
  8700,
  8800,
  8900,
  8989,
];

/** One launcher option for `--help`. */
export interface LauncherOptionDef {
  name: string;
  kind: "string" | "boolean";
  summary: string;
}

/** Every launcher option. */
export const LAUNCHER_OPTIONS: readonly LauncherOptionDef[] = [
  {
    name: "browser-command",
    kind: "string",
    summary: "Program that opens the web UI; it gets the address as its argument.",
  },
  {
    name: "no-browser",
    kind: "boolean",
    summary: "Do not open a browser; only print the address.",
  },
  {
    name: "no-hosted-server",
    kind: "boolean",
    summary: "Do not start a server here; open the one at --hosturl instead.",
  },
  {
    name: "hosturl",
    kind: "string",
    summary:
      "Address of the server to open with --no-hosted-server (default http://localhost:8200/).",
  },
];

/** Parsed launcher options plus the arguments left for the server. */
export interface LauncherConfig {
  browserCommand?: string;
  noBrowser: boolean;
  noHostedServer: boolean;
  hostUrl?: string;
  serverArgs: string[];
}

/** Splits `argv` into launcher options and server arguments; throws ArgumentError for bad values. */
export function parseLauncherArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = Deno.env.toObject(),
): LauncherConfig {
  const given = new Map<string, string>();
  for (const def of LAUNCHER_OPTIONS) {
    const v = env[`DUPLICATI__${def.name.replaceAll("-", "_").toUpperCase()}`];
    if (v !== undefined) given.set(def.name, v);
  }
  const serverArgs: string[] = [];
  for (const arg of argv) {
    const m = arg.match(/^--([a-z0-9-]+)(?:=(.*))?$/is);
    const def = m && LAUNCHER_OPTIONS.find((d) => d.name === m[1].toLowerCase());
    if (!m || !def) {
      serverArgs.push(arg);
      continue;
    }
    given.set(def.name, m[2] ?? (def.kind === "boolean" ? "true" : ""));
  }
  const bool = (n: string): boolean => {
    const v = given.get(n);
    if (v === undefined) return false;
    const b = parseBoolean(v);
    if (b === undefined) {
      throw new ArgumentError(`Invalid value "${v}" for --${n}: use true or false`);
    }
    return b;
  };
  const hostUrl = given.get("hosturl") || undefined;
  if (hostUrl !== undefined) {
    let ok = false;
    try {
      ok = ["http:", "https:"].includes(new URL(hostUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new ArgumentError(
        `Invalid --hosturl "${hostUrl}": give the server's address, such as http://localhost:8200/`,
      );
    }
  }
  return {
    browserCommand: given.get("browser-command") || undefined,
    noBrowser: bool("no-browser"),
    noHostedServer: bool("no-hosted-server"),
    hostUrl,
    serverArgs,
  };
}

/** The `--help` lines for the launcher options. */
export function launcherHelp(): string {
  const lines = ["Launcher options (when started without a tool name):"];
  for (const d of LAUNCHER_OPTIONS) lines.push(`  --${d.name}`, `      ${d.summary}`);
  return lines.join("\n");
}
