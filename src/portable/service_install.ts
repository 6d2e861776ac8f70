/**
 * Registering the service watchdog with the operating system: a systemd unit on Linux, a launchd
 * daemon on macOS, a Task Scheduler task started at boot on Windows (the program does not speak
 * the Windows service control protocol, so it is not registered as a Windows service). Each is
 * first made into a {@link ServicePlan} (files to write or remove, commands to run) by pure
 * functions, so every system's output can be checked anywhere; {@link applyPlan} then carries one
 * out.
 */
import { join, win32 } from "node:path";
import { UserError } from "../core/errors.ts";

/** The operating systems a service can be installed on. */
export type ServiceOs = "linux" | "darwin" | "windows";

/** One step of installing or removing a service. */
export type PlanStep =
  /** `utf-16le` writes the text as UTF-16 with a byte order mark (Task Scheduler XML). */
  | { kind: "write"; path: string; content: string; encoding?: "utf-16le" }
  | { kind: "remove"; path: string }
  | { kind: "run"; argv: string[] };

/** What installing or uninstalling does, in order. */
export interface ServicePlan {
  steps: PlanStep[];
}

/** What a service runs and how it is named. */
export interface ServiceSpec {
  /** The service's name: `duplicati` gives duplicati.service, com.duplicati.duplicati, ... */
  name: string;
  /** The program and its arguments (the watchdog: `<program> service run [options]`). */
  argv: string[];
  /** The folder the service starts in (the program's folder). */
  workingDirectory: string;
  /**
   * Folder for the service file (systemd unit, plist, task XML); when undefined the system's
   * folder, or on Windows {@link workingDirectory}.
   */
  unitDir?: string;
}

/** The folders services live in, when `--unit-dir` is not given. */
export const DEFAULT_UNIT_DIRS: Readonly<Record<Exclude<ServiceOs, "windows">, string>> = {
  linux: "/etc/systemd/system",
  darwin: "/Library/LaunchDaemons",
};

const DESCRIPTION = "Duplicati backup server (portable edition)";

/**
 * One argument as systemd's ExecStart reads it: quoted when needed, with `%` (specifiers) and
 * `$` (variables) doubled so they reach the program as written.
 */
export function systemdQuote(arg: string): string {
  const escaped = arg.replaceAll("%", "%%").replaceAll("$", "$$$$");
  if (escaped !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** The systemd unit file for `spec`. */
export function systemdUnit(spec: ServiceSpec): string {
  return [
    "[Unit]",
    `Description=${DESCRIPTION}`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `WorkingDirectory=${systemdQuote(spec.workingDirectory)}`,
    // When the program runs on the portable folder's Deno runtime, it must not look for updates.
    "Environment=DENO_NO_UPDATE_CHECK=1",
    `ExecStart=${spec.argv.map(systemdQuote).join(" ")}`,
    // The watchdog gets SIGTERM and shuts the server down itself; what is left is killed.
    "KillMode=mixed",
    "TimeoutStopSec=60",
    "Restart=on-failure",
    "RestartSec=30",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** Text as the content of an XML element (never used in attributes, so quotes stay as they are). */
function xmlEscape(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** The launchd label of a service: `com.duplicati.<name>`. */
export function launchdLabel(name: string): string {
  return `com.duplicati.${name}`;
}

/** The launchd property list for `spec` (a daemon started at boot and kept running). */
export function launchdPlist(spec: ServiceSpec): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" ' +
    '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    "  <key>Label</key>",
    `  <string>${xmlEscape(launchdLabel(spec.name))}</string>`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...spec.argv.map((a) => `    <string>${xmlEscape(a)}</string>`),
    "  </array>",
    "  <key>WorkingDirectory</key>",
    `  <string>${xmlEscape(spec.workingDirectory)}</string>`,
    "  <key>EnvironmentVariables</key>",
    "  <dict>",
    "    <key>DENO_NO_UPDATE_CHECK</key>",
    "    <string>1</string>",
    "  </dict>",
    "  <key>RunAtLoad</key>",
    "  <true/>",
    "  <key>KeepAlive</key>",
    "  <dict>",
    "    <key>SuccessfulExit</key>",
    "    <false/>",
    "  </dict>",
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}

/**
 * One argument as Windows programs split their command line (CommandLineToArgvW): quoted when it
 * has spaces, tabs or quotes, with backslashes before a quote doubled.
 */
export function windowsQuote(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      slashes++;
      continue;
    }
    out += "\\".repeat(ch === '"' ? slashes * 2 + 1 : slashes) + ch;
    slashes = 0;
  }
  return out + "\\".repeat(slashes * 2) + '"';
}

/**
 * The Task Scheduler definition for `spec`: started at boot as SYSTEM with the highest rights, in
 * the program's folder, with no run-time limit (a task made with `schtasks /Create /TR` would be
 * stopped after 72 hours and would not start on battery power). The program and its arguments are
 * kept apart, so the command line has no length limit of its own. Task Scheduler expands
 * `%NAME%` in the command, arguments and folder when such an environment variable exists.
 */
export function taskXml(spec: ServiceSpec): string {
  const [program, ...args] = spec.argv;
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    "  <RegistrationInfo>",
    `    <Description>${xmlEscape(DESCRIPTION)}</Description>`,
    "  </RegistrationInfo>",
    "  <Triggers>",
    "    <BootTrigger>",
    "      <Enabled>true</Enabled>",
    "    </BootTrigger>",
    "  </Triggers>",
    "  <Principals>",
    '    <Principal id="Author">',
    "      <UserId>S-1-5-18</UserId>",
    "      <RunLevel>HighestAvailable</RunLevel>",
    "    </Principal>",
    "  </Principals>",
    "  <Settings>",
    "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
    "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
    "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
    "    <AllowHardTerminate>true</AllowHardTerminate>",
    "    <StartWhenAvailable>true</StartWhenAvailable>",
    "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>",
    "    <IdleSettings>",
    "      <StopOnIdleEnd>false</StopOnIdleEnd>",
    "      <RestartOnIdle>false</RestartOnIdle>",
    "    </IdleSettings>",
    "    <AllowStartOnDemand>true</AllowStartOnDemand>",
    "    <Enabled>true</Enabled>",
    "    <Hidden>false</Hidden>",
    "    <RunOnlyIfIdle>false</RunOnlyIfIdle>",
    "    <WakeToRun>false</WakeToRun>",
    "    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>",
    "    <Priority>5</Priority>",
    "    <RestartOnFailure>",
    "      <Interval>PT1M</Interval>",
    "      <Count>3</Count>",
    "    </RestartOnFailure>",
    "  </Settings>",
    '  <Actions Context="Author">',
    "    <Exec>",
    `      <Command>${xmlEscape(windowsQuote(program))}</Command>`,
    ...(args.length
      ? [`      <Arguments>${xmlEscape(args.map(windowsQuote).join(" "))}</Arguments>`]
      : []),
    // Task Scheduler takes the folder as it is: quotes here would make it invalid.
    `      <WorkingDirectory>${xmlEscape(spec.workingDirectory)}</WorkingDirectory>`,
    "    </Exec>",
    "  </Actions>",
    "</Task>",
    "",
  ].join("\r\n");
}

/** The service file's path for `spec` on `os`: the unit, the plist, or the task XML. */
export function serviceFile(os: ServiceOs, spec: ServiceSpec): string {
  if (os === "linux") return join(spec.unitDir ?? DEFAULT_UNIT_DIRS.linux, `${spec.name}.service`);
  if (os === "darwin") {
    return join(spec.unitDir ?? DEFAULT_UNIT_DIRS.darwin, `${launchdLabel(spec.name)}.plist`);
  }
  return win32.join(spec.unitDir ?? spec.workingDirectory, `${spec.name}-task.xml`);
}

/** What installing `spec` on `os` does; `activate` adds the commands that register and start it. */
export function installPlan(os: ServiceOs, spec: ServiceSpec, activate = true): ServicePlan {
  const file = serviceFile(os, spec);
  if (os === "linux") {
    const steps: PlanStep[] = [{ kind: "write", path: file, content: systemdUnit(spec) }];
    if (activate) {
      steps.push(
        { kind: "run", argv: ["systemctl", "daemon-reload"] },
        { kind: "run", argv: ["systemctl", "enable", "--now", `${spec.name}.service`] },
      );
    }
    return { steps };
  }
  if (os === "darwin") {
    const steps: PlanStep[] = [{ kind: "write", path: file, content: launchdPlist(spec) }];
    if (activate) steps.push({ kind: "run", argv: ["launchctl", "load", "-w", file] });
    return { steps };
  }
  const steps: PlanStep[] = [
    { kind: "write", path: file, content: taskXml(spec), encoding: "utf-16le" },
  ];
  if (activate) {
    steps.push(
      // /F replaces a task of the same name; /RU SYSTEM matches the principal in the XML.
      {
        kind: "run",
        argv: ["schtasks", "/Create", "/TN", spec.name, "/XML", file, "/RU", "SYSTEM", "/F"],
      },
      { kind: "run", argv: ["schtasks", "/Run", "/TN", spec.name] },
    );
  }
  return { steps };
}

/** What uninstalling the service named in `spec` does on `os`. */
export function uninstallPlan(os: ServiceOs, spec: ServiceSpec, activate = true): ServicePlan {
  const file = serviceFile(os, spec);
  const steps: PlanStep[] = [];
  if (os === "linux") {
    if (activate) {
      steps.push({ kind: "run", argv: ["systemctl", "disable", "--now", `${spec.name}.service`] });
    }
    steps.push({ kind: "remove", path: file });
    if (activate) steps.push({ kind: "run", argv: ["systemctl", "daemon-reload"] });
  } else if (os === "darwin") {
    if (activate) steps.push({ kind: "run", argv: ["launchctl", "unload", "-w", file] });
    steps.push({ kind: "remove", path: file });
  } else {
    if (activate) {
      steps.push(
        { kind: "run", argv: ["schtasks", "/End", "/TN", spec.name] },
        { kind: "run", argv: ["schtasks", "/Delete", "/TN", spec.name, "/F"] },
      );
    }
    steps.push({ kind: "remove", path: file });
  }
  return { steps };
}

/** `text` as UTF-16 little-endian bytes, starting with the byte order mark. */
export function utf16le(text: string): Uint8Array {
  const bytes = new Uint8Array(2 + text.length * 2);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xfeff, true);
  for (let i = 0; i < text.length; i++) view.setUint16(2 + i * 2, text.charCodeAt(i), true);
  return bytes;
}

/** A plan as text: the files with their content and the commands, for `--dry-run`. */
export function describePlan(plan: ServicePlan): string {
  const out: string[] = [];
  for (const s of plan.steps) {
    if (s.kind === "write") out.push(`Write ${s.path}:`, s.content);
    else if (s.kind === "remove") out.push(`Remove ${s.path}`);
    else out.push(`Run: ${s.argv.map(windowsQuote).join(" ")}`);
  }
  return out.join("\n");
}

/**
 * Carries out `plan`, printing each step with `log`. Stopping a service that does not run is not
 * an error when uninstalling (`tolerant`). Throws a UserError saying what to do when a file cannot
 * be written or removed or a command fails.
 */
export async function applyPlan(
  plan: ServicePlan,
  log: (line: string) => void,
  tolerant = false,
): Promise<void> {
  for (const s of plan.steps) {
    if (s.kind === "write") {
      try {
        if (s.encoding === "utf-16le") {
          await Deno.writeFile(s.path, utf16le(s.content), { mode: 0o644 });
        } else {
          await Deno.writeTextFile(s.path, s.content, { mode: 0o644 });
        }
      } catch (e) {
        throw new UserError(
          `Could not write ${s.path} (${(e as Error).message}). Run the command as administrator ` +
            `(sudo), or choose another folder with --unit-dir=<folder>.`,
          { code: "ServiceInstallFailed", cause: e },
        );
      }
      log(`Wrote ${s.path}`);
    } else if (s.kind === "remove") {
      try {
        await Deno.remove(s.path);
        log(`Removed ${s.path}`);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) {
          log(`${s.path} does not exist; nothing to remove.`);
          continue;
        }
        throw new UserError(
          `Could not remove ${s.path} (${
            (e as Error).message
          }). Run the command as administrator ` +
            `(sudo), or name the folder it is in with --unit-dir=<folder>.`,
          { code: "ServiceUninstallFailed", cause: e },
        );
      }
    } else {
      const shown = s.argv.map(windowsQuote).join(" ");
      let ok = false;
      let why = "";
      try {
        const r = await new Deno.Command(s.argv[0], { args: s.argv.slice(1) }).output();
        ok = r.success;
        why = `exit code ${r.code}: ${new TextDecoder().decode(r.stderr).trim()}`;
      } catch (e) {
        why = (e as Error).message;
      }
      if (ok) log(`Ran: ${shown}`);
      else if (tolerant) log(`Ran: ${shown} (failed, ignored: ${why})`);
      else {
        throw new UserError(
          `"${shown}" failed (${why}). Run it by hand to see why, or give --no-activate to only ` +
            `write the service file.`,
          { code: "ServiceInstallFailed" },
        );
      }
    }
  }
}
