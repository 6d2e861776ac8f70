/**
 * Runs one `--run-script-*` script as Duplicati's run-script module does: every given option in
 * the environment as `DUPLICATI__<name_with_underscores>`, plus `DUPLICATI__EVENTNAME`,
 * `DUPLICATI__OPERATIONNAME`, `DUPLICATI__REMOTEURL`, `DUPLICATI__LOCALPATH`, `DUPLICATI__FILTER`
 * and, after the operation, `DUPLICATI__PARSED_RESULT` and `DUPLICATI__RESULTFILE`. Standard output
 * lines `--option=value` (before-scripts only) change options; `LOG:INFO|WARN|ERROR <text>` lines
 * go to the log. Unlike Duplicati, a script that outlives `--run-script-timeout` is killed (its
 * whole process group), so a hanging script cannot leave processes behind.
 */
import { spawn } from "node:child_process";
import process from "node:process";

/** The event a script runs for. */
export type ScriptEvent = "BEFORE" | "AFTER" | "POST-BACKUP";

/** What the script is told. */
export interface ScriptRequest {
  /** The script path, or a command line when `withArguments` is set. */
  script: string;
  withArguments: boolean;
  event: ScriptEvent;
  operationName: string;
  remoteUrl: string;
  localPath?: string[];
  /** Given options (name -> value); `filter` holds the serialized filter list. */
  options: Record<string, string>;
  parsedResult?: string;
  resultFile?: string;
  /** Milliseconds; 0 or less waits forever. */
  timeoutMs: number;
  pathSeparator: string;
}

/** What happened. `exitCode` is undefined when the script timed out (and was killed). */
export interface ScriptOutcome {
  exitCode?: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Option changes requested by a before-script's output. */
export interface ScriptOverrides {
  remoteUrl?: string;
  localPath?: string[];
  options: Record<string, string>;
}

/** Splits a command line into arguments (double or single quotes group, backslash escapes). */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(\S+)/g;
  for (const m of line.matchAll(re)) {
    const v = m[1] ?? m[2] ?? m[3] ?? "";
    out.push(m[3] !== undefined ? v : v.replace(/\\(.)/g, "$1"));
  }
  return out;
}

/** The environment for a script, on top of the program's own. */
export function scriptEnvironment(req: ScriptRequest): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.options)) env[`DUPLICATI__${k.replaceAll("-", "_")}`] = v;
  if (!("backup-name" in req.options)) env["DUPLICATI__backup_name"] = "Duplicati";
  // Duplicati's documentation names the filter variable in upper case; its code sets `filter`.
  if ("filter" in req.options) env["DUPLICATI__FILTER"] = req.options["filter"];
  env["DUPLICATI__EVENTNAME"] = req.event;
  env["DUPLICATI__OPERATIONNAME"] = req.operationName;
  env["DUPLICATI__REMOTEURL"] = req.remoteUrl;
  if (req.parsedResult !== undefined) env["DUPLICATI__PARSED_RESULT"] = req.parsedResult;
  if (req.localPath) env["DUPLICATI__LOCALPATH"] = req.localPath.join(req.pathSeparator);
  if (req.resultFile) env["DUPLICATI__RESULTFILE"] = req.resultFile;
  return env;
}

/**
 * Starts the script and waits for it (at most `timeoutMs`). Throws when it cannot be started
 * (missing file, not executable).
 */
export function executeScript(req: ScriptRequest): Promise<ScriptOutcome> {
  let file = req.script;
  let args: string[] = [];
  if (req.withArguments) {
    const parts = splitCommandLine(req.script);
    if (parts.length) [file, ...args] = parts;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { ...Deno.env.toObject(), ...scriptEnvironment(req) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => stdout += d);
    child.stderr!.on("data", (d: string) => stderr += d);
    child.on("error", (err: Error) => {
      if (timer !== undefined) clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code: number | null) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({
        exitCode: timedOut ? undefined : code ?? undefined,
        timedOut,
        stdout: stdout.trim(),
        stderr: stderr.trim(),
      });
    });
    if (req.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        try {
          // The script runs in its own process group: end it and everything it started.
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          try {
            child.kill("SIGKILL");
          } catch { /* already gone */ }
        }
      }, req.timeoutMs);
    }
  });
}

/**
 * Reads `--option=value` lines from a before-script's output, as Duplicati does: values in double
 * quotes lose them, `--remoteurl` and `--localpath` change the storage URL and source paths, and
 * `eventname`, `operationname` and `main-action` cannot be changed.
 */
export function parseOverrides(stdout: string, pathSeparator: string): ScriptOverrides {
  const out: ScriptOverrides = { options: {} };
  for (const raw of stdout.split(/\r\n|\r|\n/)) {
    let line = raw.trim();
    if (!line.startsWith("--")) continue;
    line = line.slice(2);
    const eq = line.indexOf("=");
    if (eq === 0) continue;
    let key: string;
    let value: string;
    if (eq < 0) {
      key = line.trim();
      value = "";
    } else {
      key = line.slice(0, eq).trim();
      value = line.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
        value = value.slice(1, -1);
      }
    }
    const lower = key.toLowerCase();
    if (lower === "remoteurl") out.remoteUrl = value;
    else if (lower === "localpath") out.localPath = value.split(pathSeparator);
    else if (["eventname", "operationname", "main-action", ""].includes(lower)) continue;
    else out.options[key] = value;
  }
  return out;
}

/** `LOG:INFO`, `LOG:WARN` and `LOG:ERROR` lines of a script's output, in order. */
export function scriptLogLines(
  stdout: string,
): { level: "Information" | "Warning" | "Error"; message: string }[] {
  const out: { level: "Information" | "Warning" | "Error"; message: string }[] = [];
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    for (
      const [prefix, level] of [["LOG:WARN", "Warning"], ["LOG:ERROR", "Error"], [
        "LOG:INFO",
        "Information",
      ]] as const
    ) {
      if (line.startsWith(prefix)) {
        out.push({ level, message: line.slice(prefix.length).trim() });
        break;
      }
    }
  }
  return out;
}
