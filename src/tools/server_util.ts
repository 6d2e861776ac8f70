/**
 * `duplicati-server-util <command> [arguments] [--options]`: controls a running server over its
 * REST API, as Duplicati's ServerUtil: list and run backups (optionally waiting for the result),
 * pause and resume, status and health, export and import configurations, change the password,
 * log in and out. Exit codes: 0 done, 100 the server refused or failed, 200 wrong usage; `run
 * --wait` exits with the backup's own exit code (50 when it was stopped, 100 when it failed).
 */
import { basename } from "node:path";
import { ExitCode, UserError } from "../core/errors.ts";
import { parseTimespan } from "../core/timespan.ts";
import type { OptionValues } from "../core/option_values.ts";
import { parseToolArgs } from "./tool_args.ts";
import { type LocateServer, ServerConnection } from "./server_connection.ts";
import {
  type CommandShape,
  type Output,
  pickCommand,
  runCommand,
  type ToolOption,
} from "./subcommands.ts";

/** What every command accepts. */
const GLOBAL_OPTIONS: ToolOption[] = [
  {
    name: "hosturl",
    summary: "The server's address (default: the address the server recorded in its data " +
      "folder, else http://127.0.0.1:8200).",
  },
  {
    name: "password",
    summary: "Sign in with the web UI password instead of a sign-in token made from the " +
      "server's data folder.",
  },
  {
    name: "server-datafolder",
    summary: "The server's data folder (default: DUPLICATI_HOME, else data/ beside the program).",
  },
  { name: "portable-mode", summary: "The server keeps its data folder beside the program." },
  {
    name: "settings-encryption-key",
    summary: "The key of the server database's encrypted settings (or SETTINGS_ENCRYPTION_KEY).",
  },
  {
    name: "settings-file",
    summary: "Where the sign-in is kept between calls (default: server-util-session.json in " +
      "the data folder).",
  },
  { name: "json", summary: "Print answers as JSON (list-backups, status)." },
];

interface CommandDef extends CommandShape {
  summary: string;
  options?: ToolOption[];
  run(c: ServerConnection, args: string[], o: OptionValues, out: Output): Promise<number>;
}

export type { Output };

interface BackupEntry {
  Backup: {
    ID: string;
    Name: string;
    Description?: string;
    TargetURL?: string;
    Metadata?: Record<string, string>;
  };
  Schedule: { Time?: string; Repeat?: string } | null;
}

/** Finds a backup by ID or by name (case-insensitive). Throws a UserError naming the choices. */
async function findBackup(c: ServerConnection, idOrName: string): Promise<BackupEntry["Backup"]> {
  const list = await c.call<BackupEntry[]>("GET", "backups");
  const hit = list.find((b) => b.Backup.ID === idOrName) ??
    list.find((b) => b.Backup.Name.toLowerCase() === idOrName.toLowerCase());
  if (!hit) {
    const names = list.map((b) => `${b.Backup.ID}: ${b.Backup.Name}`).join(", ");
    throw new UserError(
      `No backup has the ID or name "${idOrName}". ` +
        (names ? `The backups are ${names}.` : "The server has no backups yet."),
      { code: "UnknownBackup" },
    );
  }
  return hit.Backup;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function usageError(message: string): UserError {
  return new UserError(message, { exitCode: ExitCode.BadArguments, code: "BadArguments" });
}

function timespanOption(o: OptionValues, name: string, fallbackMs: number): number {
  if (!o.has(name)) return fallbackMs;
  try {
    return parseTimespan(o.str(name)!, "s");
  } catch {
    throw usageError(`Invalid --${name}="${o.str(name)}": use a timespan such as 2s or 1m`);
  }
}

/** The exit code of a finished task: the backup's own code, 50 stopped, 100 failed. */
function taskExitCode(task: { Status: string; Result?: { exitCode?: number } }): number {
  if (task.Status === "Completed") return task.Result?.exitCode ?? ExitCode.Success;
  if (task.Status === "Stopped" || task.Status === "Aborted") return ExitCode.Partial;
  return ExitCode.Fatal;
}

const FINISHED = new Set(["Completed", "Failed", "Stopped", "Aborted"]);

const COMMANDS: Record<string, CommandDef> = {
  login: {
    usage: "login",
    summary: "Signs in (password, or a sign-in token made from the server's data folder) and " +
      "keeps the sign-in for the next calls.",
    minArgs: 0,
    maxArgs: 0,
    async run(c, _a, _o, out) {
      await c.login();
      out.log(`Logged in to ${c.baseUrl}`);
      return ExitCode.Success;
    },
  },
  logout: {
    usage: "logout",
    summary: "Ends the kept sign-in on the server and removes it from the settings file.",
    minArgs: 0,
    maxArgs: 0,
    async run(c, _a, _o, out) {
      out.log(await c.logout() ? `Logged out of ${c.baseUrl}` : "Not logged in");
      return ExitCode.Success;
    },
  },
  "list-backups": {
    usage: "list-backups [--detailed]",
    summary: "Lists the backups as <ID>: <name>.",
    options: [{ name: "detailed", summary: "Also show description, destination and schedule." }],
    minArgs: 0,
    maxArgs: 0,
    async run(c, _a, o, out) {
      const list = await c.call<BackupEntry[]>("GET", "backups?orderBy=name");
      if (o.bool("json")) {
        out.log(JSON.stringify(list.map((b) => b.Backup), null, 2));
        return ExitCode.Success;
      }
      if (list.length === 0) out.log("No backups");
      for (const { Backup: b, Schedule: s } of list) {
        out.log(`${b.ID}: ${b.Name}`);
        if (!o.bool("detailed")) continue;
        if (b.Description) out.log(`  Description: ${b.Description}`);
        if (b.TargetURL) out.log(`  Destination: ${b.TargetURL}`);
        const last = b.Metadata?.LastBackupFinished ?? b.Metadata?.LastBackupDate;
        if (last) out.log(`  Last backup: ${last}`);
        out.log(`  Schedule: ${s?.Repeat ? `every ${s.Repeat}, next ${s.Time}` : "none"}`);
      }
      return ExitCode.Success;
    },
  },
  run: {
    usage: "run <backup ID or name> [--wait] [--skip-queue] [--poll-interval=1s]",
    summary: "Starts a backup. With --wait, waits until it has finished and exits with its " +
      "exit code (0 ok, 1 nothing changed, 2 warnings, 3 errors, 50 stopped, 100 failed).",
    options: [
      { name: "wait", summary: "Wait for the backup to finish and report its result." },
      { name: "skip-queue", summary: "Run it before the backups waiting in the queue." },
      { name: "poll-interval", summary: "How often --wait asks the server (default 1s)." },
      { name: "quiet", summary: "Print only the result." },
    ],
    minArgs: 1,
    maxArgs: 1,
    async run(c, [which], o, out) {
      const poll = timespanOption(o, "poll-interval", 1000);
      const b = await findBackup(c, which);
      const q = o.bool("skip-queue") ? "?skipQueue=true" : "";
      const r = await c.call<{ ID: number }>(
        "POST",
        `backup/${encodeURIComponent(b.ID)}/run${q}`,
      );
      if (!o.bool("quiet")) out.log(`Backup ${b.Name} (${b.ID}) started as task ${r.ID}`);
      if (!o.bool("wait")) return ExitCode.Success;
      for (;;) {
        const t = await c.call<
          {
            Status: string;
            ErrorMessage?: string | null;
            Result?: { exitCode?: number; warnings?: string[]; errors?: string[] };
          }
        >("GET", `task/${r.ID}`);
        if (FINISHED.has(t.Status)) {
          const code = taskExitCode(t);
          const w = t.Result?.warnings?.length ?? 0;
          const e = t.Result?.errors?.length ?? 0;
          out.log(
            `Backup ${b.Name} (${b.ID}) ${t.Status.toLowerCase()}` +
              (t.ErrorMessage ? `: ${t.ErrorMessage}` : "") +
              (w || e ? ` (${w} warning(s), ${e} error(s))` : "") + `; exit code ${code}`,
          );
          return code;
        }
        await sleep(poll);
      }
    },
  },
  pause: {
    usage: "pause [duration]",
    summary: "Pauses the server (no backups start) for a duration such as 30m or 1h, or until " +
      "resume.",
    minArgs: 0,
    maxArgs: 1,
    async run(c, [duration], _o, out) {
      if (duration !== undefined) {
        try {
          parseTimespan(duration, "s");
        } catch {
          throw usageError(`Invalid duration "${duration}": use a timespan such as 30m or 1h`);
        }
      }
      const q = duration ? `?duration=${encodeURIComponent(duration)}` : "";
      await c.call("POST", `serverstate/pause${q}`);
      out.log(duration ? `Server paused for ${duration}` : "Server paused until resumed");
      return ExitCode.Success;
    },
  },
  resume: {
    usage: "resume",
    summary: "Resumes a paused server.",
    minArgs: 0,
    maxArgs: 0,
    async run(c, _a, _o, out) {
      await c.call("POST", "serverstate/resume");
      out.log("Server resumed");
      return ExitCode.Success;
    },
  },
  status: {
    usage: "status",
    summary: "Shows whether the server is running or paused, the active task and the queue.",
    minArgs: 0,
    maxArgs: 0,
    async run(c, _a, o, out) {
      const s = await c.call<Record<string, unknown>>("GET", "serverstate");
      if (o.bool("json")) {
        out.log(JSON.stringify(s, null, 2));
        return ExitCode.Success;
      }
      const pauseEnd = String(s.EstimatedPauseEnd ?? "");
      const paused = s.ProgramState === "Paused";
      out.log(
        `Server state: ${s.ProgramState}` +
          (paused && !pauseEnd.startsWith("0001") ? ` (until ${pauseEnd})` : ""),
      );
      const active = s.ActiveTask as { Item1: number; Item2: string | null } | null;
      out.log(
        `Active task: ${
          active ? `${active.Item1}${active.Item2 ? ` (backup ${active.Item2})` : ""}` : "none"
        }`,
      );
      const queued = (s.SchedulerQueueIds as { Item1: number; Item2: string | null }[]) ?? [];
      out.log(`Queued tasks: ${queued.length ? queued.map((x) => x.Item1).join(", ") : "none"}`);
      const next = (s.ProposedSchedule as { Item1: string; Item2: string }[]) ?? [];
      if (next.length) out.log(`Next scheduled: backup ${next[0].Item1} at ${next[0].Item2}`);
      out.log(`Status: ${s.SuggestedStatusIcon}`);
      return ExitCode.Success;
    },
  },
  health: {
    usage: "health",
    summary: "Checks that the server answers (exit code 0), without signing in.",
    minArgs: 0,
    maxArgs: 0,
    async run(c, _a, _o, out) {
      const r = await c.fetchRaw("health");
      await r.body?.cancel();
      if (r.status !== 200) {
        out.error(`The server at ${c.baseUrl} answered ${r.status} to /health`);
        return ExitCode.Fatal;
      }
      out.log(`The server at ${c.baseUrl} is healthy`);
      return ExitCode.Success;
    },
  },
  export: {
    usage: "export <backup ID or name> [--file=<file>] [--export-passwords] [--passphrase=...]",
    summary: "Saves a backup's configuration as a file the server (or Duplicati) can import.",
    options: [
      { name: "file", summary: "The file to write (default <name>-duplicati-config.json)." },
      {
        name: "export-passwords",
        summary: "Include the passphrase and destination passwords.",
      },
      { name: "passphrase", summary: "Encrypt the file (AESCrypt) with this passphrase." },
      { name: "overwrite", summary: "Replace the file if it exists." },
    ],
    minArgs: 1,
    maxArgs: 1,
    async run(c, [which], o, out) {
      const b = await findBackup(c, which);
      const passphrase = o.str("passphrase") || undefined;
      const file = o.str("file") ||
        `${b.Name.replace(/[\\/:*?"<>|\0]/g, "_")}-duplicati-config.json${
          passphrase ? ".aes" : ""
        }`;
      if (!o.bool("overwrite")) {
        let exists = true;
        try {
          Deno.lstatSync(file);
        } catch {
          exists = false;
        }
        if (exists) {
          throw usageError(`${file} already exists: choose another --file or add --overwrite`);
        }
      }
      const token = (await c.call<{ Token: string }>("POST", "auth/issuetoken/export")).Token;
      const q = new URLSearchParams({ token });
      if (o.bool("export-passwords")) q.set("export-passwords", "true");
      if (passphrase) q.set("passphrase", passphrase);
      const data = await c.call<Uint8Array>(
        "GET",
        `backup/${encodeURIComponent(b.ID)}/export?${q}`,
        undefined,
        { binary: true },
      );
      await Deno.writeFile(file, data, { mode: 0o600 });
      out.log(`Exported backup ${b.Name} (${b.ID}) to ${file}`);
      if (o.bool("export-passwords") && !passphrase) {
        out.error(
          "Warning: the file holds the backup's passwords in clear text; keep it safe, or " +
            "export with --passphrase=<passphrase>.",
        );
      }
      return ExitCode.Success;
    },
  },
  import: {
    usage: "import <file> [passphrase] [--import-metadata]",
    summary: "Adds a backup from an exported configuration file (encrypted files need the " +
      "passphrase).",
    options: [
      { name: "passphrase", summary: "The passphrase of an encrypted file (or the argument)." },
      { name: "import-metadata", summary: "Also take over the statistics of the last run." },
    ],
    minArgs: 1,
    maxArgs: 2,
    async run(c, [file, pass], o, out) {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(file);
      } catch (e) {
        throw usageError(`Cannot read ${file}: ${(e as Error).message}`);
      }
      const passphrase = pass ?? (o.str("passphrase") || undefined);
      let bin = "";
      for (let i = 0; i < bytes.length; i += 0x8000) {
        bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      }
      const r = await c.call<{ ID: string }>("POST", "backups/import", {
        config: btoa(bin),
        passphrase,
        import_metadata: o.bool("import-metadata"),
      });
      out.log(`Imported ${basename(file)} as backup ${r.ID}`);
      return ExitCode.Success;
    },
  },
  "change-password": {
    usage: "change-password [new password]",
    summary: "Sets a new web UI password and ends every sign-in. Without the argument the " +
      "password is asked for (or read from standard input).",
    minArgs: 0,
    maxArgs: 1,
    async run(c, [given], _o, out) {
      const pw = given ?? await readNewPassword();
      if (!pw) throw usageError("The new password must not be empty");
      await c.call("PUT", "serversetting/server-passphrase", pw);
      c.forget();
      out.log("The password was changed; every sign-in has ended.");
      return ExitCode.Success;
    },
  },
};

async function readNewPassword(): Promise<string | undefined> {
  if (Deno.stdin.isTerminal()) {
    const a = prompt("New password:") ?? "";
    const b = prompt("Repeat the new password:") ?? "";
    if (a !== b) throw usageError("The two passwords differ; nothing was changed");
    return a;
  }
  const text = await new Response(Deno.stdin.readable).text();
  return text.split(/\r?\n/)[0];
}

function optionLines(opts: ToolOption[]): string[] {
  return opts.flatMap((o) => [`  --${o.name}`, `      ${o.summary}`]);
}

/** The help text: every command, or one command with its options. */
export function serverUtilHelp(command?: string): string {
  if (command && COMMANDS[command]) {
    const d = COMMANDS[command];
    return [
      `Usage: duplicati-server-util ${d.usage} [options]`,
      "",
      d.summary,
      ...(d.options?.length ? ["", "Options:", ...optionLines(d.options)] : []),
      "",
      "Options of every command:",
      ...optionLines(GLOBAL_OPTIONS),
    ].join("\n");
  }
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    "Usage: duplicati-server-util <command> [arguments] [options]",
    "",
    "Controls a running Duplicati server over its REST API. Without --password it signs in",
    "with a one-time token made from the server's data folder, and keeps the sign-in for the",
    "next calls until logout.",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([n, d]) => `  ${n.padEnd(width)}  ${d.summary}`),
    `  ${"help".padEnd(width)}  Shows this text, or help <command> for one command.`,
    "",
    "Options of every command:",
    ...optionLines(GLOBAL_OPTIONS),
  ].join("\n");
}

const SERVER_OPTION_NAMES = ["server-datafolder", "portable-mode", "settings-encryption-key"];

/**
 * Runs the tool; returns the exit code. `locate` reads the server's data folder (main.ts gives
 * the server's own function, so the tool never reaches into the server's internals).
 */
export async function runServerUtil(
  argv: string[],
  locate: LocateServer,
  out: Output = { log: console.log, error: console.error },
): Promise<number> {
  let args;
  try {
    args = parseToolArgs(argv);
  } catch (e) {
    out.error((e as Error).message);
    return ExitCode.BadArguments;
  }
  const o = args.options;
  const picked = pickCommand(
    "duplicati-server-util",
    COMMANDS,
    args.positionals,
    o.bool("help"),
    serverUtilHelp,
    out,
  );
  if (typeof picked === "number") return picked;
  const { name, cmd, args: rest } = picked;
  return await runCommand(name, () => {
    const serverArgs = SERVER_OPTION_NAMES.filter((n) => o.has(n)).map((n) => `--${n}=${o.str(n)}`);
    const conn = ServerConnection.open({
      hosturl: o.str("hosturl") || undefined,
      password: o.has("password") ? o.str("password") : undefined,
      serverArgs,
      sessionFile: o.str("settings-file") || undefined,
      locate,
    });
    return cmd.run(conn, rest, o, out);
  }, out);
}
