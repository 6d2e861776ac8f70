/**
 * The options of `duplicati-service`: how the watchdog watches the server, and where `install`
 * puts the service definition. Everything else on its command line is a server option and is
 * passed on to the server.
 */
import { ArgumentError } from "../core/errors.ts";
import { parseBoolean } from "../core/option_values.ts";
import { parseTimespan } from "../core/timespan.ts";
import type { WatchdogSettings } from "./watchdog.ts";

/** One service option for `--help`. */
export interface ServiceOptionDef {
  name: string;
  kind: "timespan" | "number" | "string" | "boolean";
  summary: string;
  default?: string;
  /** True for the options of `install`/`uninstall` only (never passed to the watchdog). */
  install?: boolean;
}

/** Every service option. */
export const SERVICE_OPTIONS: readonly ServiceOptionDef[] = [
  {
    name: "ping-interval",
    kind: "timespan",
    default: "15m",
    summary: 'Time between two "ping" lines to the server.',
  },
  {
    name: "ping-timeout",
    kind: "timespan",
    default: "1m",
    summary: 'How long the server may take to answer one "ping".',
  },
  {
    name: "ping-attempts",
    kind: "number",
    default: "5",
    summary: "Unanswered pings in a row after which the server counts as hung and is restarted.",
  },
  {
    name: "start-timeout",
    kind: "timespan",
    default: "2m",
    summary: "How long a freshly started server may take to answer its first ping.",
  },
  {
    name: "restart-delay",
    kind: "timespan",
    default: "10s",
    summary:
      "Wait before starting the server again; it doubles with each restart that follows quickly.",
  },
  {
    name: "restart-delay-max",
    kind: "timespan",
    default: "5m",
    summary: "The longest wait between two starts.",
  },
  {
    name: "max-failed-starts",
    kind: "number",
    default: "5",
    summary: "Give up after this many starts in a row in which the server never answered.",
  },
  {
    name: "stop-timeout",
    kind: "timespan",
    default: "30s",
    summary: "How long the server may take to shut down before it is terminated.",
  },
  {
    name: "service-name",
    kind: "string",
    default: "duplicati",
    install: true,
    summary: "Name of the installed service (systemd unit, launchd label, Windows scheduled task).",
  },
  {
    name: "unit-dir",
    kind: "string",
    install: true,
    summary: "Folder for the service file: default /etc/systemd/system on Linux, " +
      "/Library/LaunchDaemons on macOS, the program's folder on Windows (the task's XML).",
  },
  {
    name: "no-activate",
    kind: "boolean",
    install: true,
    summary: "Only write or remove the service file; do not run systemctl, launchctl or schtasks.",
  },
  {
    name: "dry-run",
    kind: "boolean",
    install: true,
    summary: "Print the service file and the commands instead of writing or running anything.",
  },
];

/** The settings of `install` / `uninstall`. */
export interface InstallSettings {
  serviceName: string;
  unitDir?: string;
  noActivate: boolean;
  dryRun: boolean;
}

/** A parsed `duplicati-service` command line. */
export interface ServiceArgs {
  watchdog: WatchdogSettings;
  install: InstallSettings;
  /** The watchdog options as given, to repeat them in an installed service's command line. */
  watchdogArgs: string[];
  /** Install options that were given. */
  installGiven: string[];
  /** Everything else: options for the server. */
  serverArgs: string[];
}

/**
 * Splits `argv` into service options and server options and checks the service options' values.
 * Throws ArgumentError for a bad value or an argument that is not an option.
 */
export function parseServiceArgs(argv: readonly string[]): ServiceArgs {
  const given = new Map<string, string>();
  const watchdogArgs: string[] = [];
  const installGiven: string[] = [];
  const serverArgs: string[] = [];
  for (const arg of argv) {
    const m = arg.match(/^--([a-z0-9-]+)(?:=(.*))?$/is);
    if (!m) {
      throw new ArgumentError(
        `Unexpected argument "${arg}": options look like --name=value ` +
          `(see duplicati-service --help)`,
      );
    }
    const def = SERVICE_OPTIONS.find((d) => d.name === m[1].toLowerCase());
    if (!def) {
      serverArgs.push(arg);
      continue;
    }
    given.set(def.name, m[2] ?? (def.kind === "boolean" ? "true" : ""));
    (def.install ? installGiven : watchdogArgs).push(arg);
  }
  const value = (name: string) =>
    given.get(name) ?? SERVICE_OPTIONS.find((d) => d.name === name)!.default!;
  const timespan = (name: string) => {
    const v = value(name);
    let ms: number;
    try {
      ms = parseTimespan(v, "s");
    } catch {
      throw new ArgumentError(`Invalid --${name} "${v}": use a timespan such as 30s, 5m or 1h`);
    }
    if (!(ms > 0)) throw new ArgumentError(`--${name} must be longer than 0, such as 30s`);
    return ms;
  };
  const count = (name: string) => {
    const v = value(name);
    if (!/^\d+$/.test(v) || Number(v) < 1) {
      throw new ArgumentError(`Invalid --${name} "${v}": use a whole number of at least 1`);
    }
    return Number(v);
  };
  const bool = (name: string) => {
    const v = given.get(name);
    if (v === undefined) return false;
    const b = parseBoolean(v);
    if (b === undefined) {
      throw new ArgumentError(`Invalid value "${v}" for --${name}: use true or false`);
    }
    return b;
  };
  const serviceName = value("service-name");
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(serviceName)) {
    throw new ArgumentError(
      `Invalid --service-name "${serviceName}": use letters, digits, ".", "_" and "-"`,
    );
  }
  const restartDelay = timespan("restart-delay");
  return {
    watchdog: {
      pingInterval: timespan("ping-interval"),
      pingTimeout: timespan("ping-timeout"),
      pingAttempts: count("ping-attempts"),
      startTimeout: timespan("start-timeout"),
      restartDelay,
      restartDelayMax: Math.max(restartDelay, timespan("restart-delay-max")),
      maxFailedStarts: count("max-failed-starts"),
      stopTimeout: timespan("stop-timeout"),
    },
    install: {
      serviceName,
      unitDir: given.get("unit-dir") || undefined,
      noActivate: bool("no-activate"),
      dryRun: bool("dry-run"),
    },
    watchdogArgs,
    installGiven,
    serverArgs,
  };
}

/** The options part of `duplicati-service --help`. */
export function serviceOptionsHelp(): string {
  const lines: string[] = [];
  const section = (title: string, defs: readonly ServiceOptionDef[]) => {
    lines.push(title);
    for (const d of defs) {
      lines.push(
        `  --${d.name}${d.default ? ` (default ${d.default})` : ""}`,
        `      ${d.summary}`,
      );
    }
  };
  section("Watchdog options:", SERVICE_OPTIONS.filter((d) => !d.install));
  lines.push("");
  section("Options of install and uninstall:", SERVICE_OPTIONS.filter((d) => d.install));
  return lines.join("\n");
}
