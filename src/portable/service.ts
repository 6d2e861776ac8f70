/**
 * `duplicati-service` / `duplicati service`: runs the server under the watchdog (`run`, the
 * default), or registers that watchdog as a system service (`install`) and removes it again
 * (`uninstall`). The server is this same program started as a child (`<program> server ...`), so
 * this room never imports the server; its options are checked through {@link ServiceHost}.
 */
import { ExitCode, UserError } from "../core/errors.ts";
import { programFolder } from "../core/datafolder.ts";
import { selfCommand } from "../core/self_command.ts";
import {
  applyPlan,
  describePlan,
  installPlan,
  type ServiceOs,
  type ServiceSpec,
  uninstallPlan,
} from "./service_install.ts";
import { parseServiceArgs, type ServiceArgs, serviceOptionsHelp } from "./service_options.ts";
import { Watchdog } from "./watchdog.ts";

/** What the service program needs to know of the server. */
export interface ServiceHost {
  /** `--help` text of the server options. */
  serverHelp(): string;
  /** Throws an ArgumentError naming a bad server option. */
  checkServerArgs(args: string[]): void;
}

/** The `duplicati-service --help` text. */
export function serviceHelp(host: ServiceHost): string {
  return [
    "Usage:",
    "  duplicati-service [run] [options]     run the server and restart it when it stops or hangs",
    "  duplicati-service install [options]   register that as a system service and start it",
    "  duplicati-service uninstall [options] stop and remove the system service",
    "",
    'The watchdog starts the server with --ping-pong-keepalive, writes "ping" to it every',
    "--ping-interval and restarts it when it exits or stops answering. Ctrl-C or SIGTERM stop the",
    "server cleanly. install writes a systemd unit (Linux), a launchd daemon (macOS) or a Task",
    "Scheduler task started at boot as SYSTEM (Windows, <service-name>-task.xml in the program's",
    "folder, registered with schtasks) that runs `service run` with the options given to install.",
    "",
    serviceOptionsHelp(),
    "",
    "Every other option is a server option and is passed on to the server:",
    "",
    host.serverHelp(),
  ].join("\n");
}

function currentOs(): ServiceOs {
  const os = Deno.build.os;
  if (os === "linux" || os === "darwin" || os === "windows") return os;
  throw new UserError(
    `Installing a service is not supported on ${os}; run "duplicati-service" from the system's ` +
      `start-up scripts instead.`,
    { code: "UnsupportedOs", exitCode: ExitCode.BadArguments },
  );
}

/** The spec of the service that runs the watchdog with the options `args` carries. */
export function serviceSpec(args: ServiceArgs): ServiceSpec {
  const self = selfCommand(["service", "run", ...args.watchdogArgs, ...args.serverArgs]);
  return {
    name: args.install.serviceName,
    argv: [self.command, ...self.args],
    workingDirectory: programFolder(),
    unitDir: args.install.unitDir,
  };
}

async function runWatchdog(args: ServiceArgs): Promise<number> {
  if (args.installGiven.length > 0) {
    throw new UserError(
      `${args.installGiven.join(" ")} belongs to "duplicati-service install" or "uninstall", ` +
        `not to running the watchdog.`,
      { code: "BadArguments", exitCode: ExitCode.BadArguments },
    );
  }
  const self = selfCommand(["server", ...args.serverArgs, "--ping-pong-keepalive=true"]);
  const dog = new Watchdog({
    ...args.watchdog,
    server: self,
    log: (line) => console.log(`[service] ${line}`),
    output: (line) => console.log(line),
  });
  const onSignal = () => {
    console.log("[service] Stopping the server (press Ctrl-C again to stop at once)...");
    dog.stop();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    return await dog.run();
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

async function install(args: ServiceArgs, remove: boolean): Promise<number> {
  const os = currentOs();
  const spec = serviceSpec(args);
  const activate = !args.install.noActivate;
  const plan = remove ? uninstallPlan(os, spec, activate) : installPlan(os, spec, activate);
  if (args.install.dryRun) {
    console.log(describePlan(plan));
    return ExitCode.Success;
  }
  await applyPlan(plan, (l) => console.log(l), remove);
  if (!activate) {
    console.log(
      remove
        ? "The service file is removed; the system was not told (--no-activate)."
        : "The service file is written; it was not registered or started (--no-activate).",
    );
  }
  return ExitCode.Success;
}

/** Runs `duplicati-service`; returns the exit code. Never throws. */
export async function runService(argv: string[], host: ServiceHost): Promise<number> {
  try {
    const first = argv[0]?.toLowerCase();
    if (first === "--help" || first === "-h" || first === "help") {
      console.log(serviceHelp(host));
      return ExitCode.Success;
    }
    const sub = first === "run" || first === "install" || first === "uninstall" ? first : "run";
    const rest = sub === first ? argv.slice(1) : argv;
    if (rest.some((a) => a.toLowerCase() === "--help")) {
      console.log(serviceHelp(host));
      return ExitCode.Success;
    }
    if (rest[0] !== undefined && !rest[0].startsWith("--")) {
      throw new UserError(
        `Unknown service command "${rest[0]}": use run, install or uninstall ` +
          `(see duplicati-service --help).`,
        { code: "BadArguments", exitCode: ExitCode.BadArguments },
      );
    }
    const args = parseServiceArgs(rest);
    if (sub === "uninstall" && (args.serverArgs.length || args.watchdogArgs.length)) {
      throw new UserError(
        `uninstall takes only --service-name, --unit-dir, --no-activate and --dry-run; ` +
          `remove ${[...args.watchdogArgs, ...args.serverArgs].join(" ")}.`,
        { code: "BadArguments", exitCode: ExitCode.BadArguments },
      );
    }
    host.checkServerArgs([...args.serverArgs, "--ping-pong-keepalive=true"]);
    if (sub === "run") return await runWatchdog(args);
    return await install(args, sub === "uninstall");
  } catch (err) {
    if (err instanceof UserError) {
      console.error(err.message);
      return err.exitCode;
    }
    console.error(`duplicati-service failed: ${(err as Error)?.stack ?? String(err)}`);
    return ExitCode.Fatal;
  }
}
