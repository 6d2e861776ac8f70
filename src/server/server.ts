/**
 * Starting and stopping the server: data folder and its lock, server database, password, task
 * queue, scheduler, HTTP listener on the first free port of the list, and the sign-in address.
 */
import { join } from "node:path";
import { ensureDataFolder, programFolder, resolveDataFolder } from "../core/datafolder.ts";
import { UserError } from "../core/errors.ts";
import { levelRank, type LogLevel } from "../core/log.ts";
import { setEventLoopBudget } from "../core/event_loop.ts";
import type { BackupResult } from "../engine/backup.ts";
import { createApp } from "./app.ts";
import { Authenticator } from "./auth.ts";
import { CommandlineRuns } from "./commandline_runs.ts";
import type { ServerContext } from "./context.ts";
import { ServerDatabase } from "./database.ts";
import { LiveLog, ServerEvents } from "./events.ts";
import { parseAllowedHostnames } from "./hostname.ts";
import { lockDataFolder } from "./instance_lock.ts";
import { backupTask } from "./runner.ts";
import { recordOutcome } from "./outcome.ts";
import { checkTimeZone, type Clock, Scheduler } from "./scheduler.ts";
import type { ServerConfig } from "./server_options.ts";
import { TaskQueue } from "./task_queue.ts";
import { TemporaryBackups } from "./temporary_backups.ts";
import { UpdateChecker } from "./update_checker.ts";

/** How long (ms) an operation may hold the event loop before the API gets a turn. */
export const SERVER_EVENT_LOOP_BUDGET_MS = 15;

/** A running server. */
export interface ServerHandle {
  port: number;
  hostname: string;
  /** `http://localhost:<port>/` */
  url: string;
  /** A one-time sign-in address (5 minutes), when sign-in tokens are enabled. */
  signinUrl?: string;
  /** The password generated at this start (first start only). */
  generatedPassword?: string;
  ctx: ServerContext;
  /** Resolves when the server has stopped (after close(), or a "shutdown" line on stdin). */
  finished: Promise<void>;
  close(): Promise<void>;
}

/** Test and embedding hooks. */
export interface StartOptions {
  clock?: Clock;
  /** Start the scheduler's timer (default true). Tests call `ctx.scheduler.tick()` themselves. */
  startScheduler?: boolean;
  /** Prints start-up lines (default console.log). */
  print?: (line: string) => void;
  /** How the Commandline page starts the command line tool. */
  commandlineLauncher?: (args: string[]) => string[];
  /**
   * Trusted update-manifest keys instead of the built-in ones. Code only (tests): no option or
   * setting reaches it, so nobody can be talked into trusting another key.
   */
  updateKeys?: readonly string[];
  /** The portable folder updates go beside (default: this program's folder). */
  updateProgramFolder?: string;
}

/** The data folder for the server's options, without creating it. */
export function serverDataFolderPath(cfg: ServerConfig): string {
  if (cfg.dataFolder) return resolveDataFolder({ serverDatafolder: cfg.dataFolder });
  if (cfg.portableMode) {
    return resolveDataFolder({ serverDatafolder: join(programFolder(), "data") });
  }
  return resolveDataFolder();
}

/** The data folder for the server's options (created, owner-only). */
export function serverDataFolder(cfg: ServerConfig): string {
  return ensureDataFolder({ serverDatafolder: serverDataFolderPath(cfg) });
}

function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

function listen(
  app: { fetch: (r: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response> },
  hostname: string,
  ports: number[],
): Deno.HttpServer<Deno.NetAddr> {
  const failures: string[] = [];
  for (const port of ports) {
    try {
      return Deno.serve(
        { port, hostname, onListen: () => {} },
        (req, info) => app.fetch(req, info as Deno.ServeHandlerInfo),
      ) as Deno.HttpServer<Deno.NetAddr>;
    } catch (e) {
      failures.push(`${port}: ${(e as Error).message}`);
    }
  }
  throw new UserError(
    `The server could not listen on ${hostname} (${failures.join("; ")}). Give free ports with ` +
      `--webservice-port=<port>[,<port>...] or stop the program using them.`,
    { code: "ServerStartFailure", exitCode: 200 },
  );
}

/**
 * Starts a server (listening when this returns). Throws a UserError (exit 200) for a second server on the same data folder, a
 * missing or wrong settings key, bad options, or no free port.
 */
export function startServer(
  cfg: ServerConfig,
  opts: StartOptions = {},
): ServerHandle {
  const clock = opts.clock ?? Date.now;
  // Operations run on the thread that answers the API: they hand it a turn this often (ms).
  setEventLoopBudget(SERVER_EVENT_LOOP_BUDGET_MS);
  const print = opts.print ?? ((l: string) => console.log(l));
  const dataFolder = serverDataFolder(cfg);
  const lock = lockDataFolder(dataFolder);
  let db: ServerDatabase | undefined;
  try {
    db = ServerDatabase.open(join(dataFolder, "Duplicati-server.sqlite"), cfg.settingsKey);
    if (cfg.timeZone) db.setSetting("server-timezone", checkTimeZone(cfg.timeZone));
    if (cfg.allowedHostnames !== undefined) {
      db.setSetting("allowed-hostnames", cfg.allowedHostnames);
    }
    if (cfg.listenInterface) db.setSetting("server-listen-interface", cfg.listenInterface);
    const auth = new Authenticator(db, cfg.tokenDurationS, {
      now: clock,
      enableForeverToken: cfg.enableForeverToken,
      disableSigninTokens: cfg.disableSigninTokens,
      preAuthTokens: cfg.preAuthTokens,
      resetSigningKey: cfg.resetJwtConfig,
    });
    const generated = auth.ensurePassword(cfg.password);
    const events = new ServerEvents();
    const liveLog = new LiveLog();
    const queue = new TaskQueue(events, clock);
    const sdb = db;
    let logLines: string[] = [];
    const writeLog = (level: LogLevel, message: string) => {
      if (cfg.logFile && levelRank(level) >= levelRank(cfg.logLevel)) {
        logLines.push(`${new Date().toISOString()} [${level}] ${message}`);
      }
    };
    const flushLog = async () => {
      if (!cfg.logFile || logLines.length === 0) return;
      const lines = logLines;
      logLines = [];
      await Deno.writeTextFile(cfg.logFile, lines.join("\n") + "\n", { append: true }).catch(
        () => {},
      );
    };
    const flushTimer = setInterval(flushLog, 1000);
    const ctx: ServerContext = {
      db,
      auth,
      queue,
      events,
      liveLog,
      scheduler: undefined as unknown as Scheduler,
      commandline: new CommandlineRuns(opts.commandlineLauncher),
      temporaries: new TemporaryBackups(dataFolder),
      updates: new UpdateChecker({
        db: sdb,
        events,
        url: cfg.updateUrl,
        disabled: cfg.disableUpdateCheck,
        keys: opts.updateKeys,
        programFolder: opts.updateProgramFolder,
        clock,
      }),
      dataFolder,
      clock,
      apiOnly: cfg.apiOnly,
      port: 0,
      timeZone: () => sdb.setting("server-timezone") || systemTimeZone(),
      allowedHostnames: () => parseAllowedHostnames(sdb.setting("allowed-hostnames")),
    };
    ctx.scheduler = new Scheduler({
      schedules: () =>
        sdb.schedules().flatMap((s) => {
          const tag = s.Tags.find((t) => t.startsWith("ID="));
          return tag ? [{ backupId: tag.slice(3), scheduleId: s.ID, spec: s }] : [];
        }),
      isQueued: (id) => queue.hasBackup(id) !== undefined,
      runBackup: (id, scheduleId) => {
        const b = sdb.backup(id);
        if (!b) return;
        sdb.setLastRun(scheduleId, clock());
        queue.add(backupTask(ctx, b));
        events.publish("scheduler", ctx.scheduler.proposed());
      },
      timeZone: ctx.timeZone,
    }, clock);
    queue.onLog = (level, message, task) => {
      liveLog.add({ level, message, at: Date.now() }, {
        backupId: task.BackupID ?? undefined,
        taskId: task.ID,
      });
      writeLog(level, message);
    };
    queue.onFinished = (task) => {
      const b = task.BackupID ? sdb.backup(task.BackupID) : undefined; // not temporaries
      if (b) recordOutcome(ctx, b, task.Operation, task, task.Result as BackupResult | undefined);
      const line = `${task.Operation} task ${task.ID} ${task.Status}${
        task.ErrorMessage ? `: ${task.ErrorMessage}` : ""
      }`;
      const level = task.Status === "Failed" ? "Error" : "Information";
      liveLog.add({ level, message: line, at: Date.now() }, {
        backupId: task.BackupID ?? undefined,
      });
      writeLog(level, line);
    };

    const hostname = cfg.listenInterface ?? db.setting("server-listen-interface") ?? "127.0.0.1";
    const last = Number(db.setting("last-webserver-port"));
    const ports = cfg.ports.includes(last)
      ? [last, ...cfg.ports.filter((p) => p !== last)]
      : cfg.ports;
    const app = createApp(ctx);
    const http = listen(app, hostname, ports);
    ctx.port = http.addr.port;
    db.setSetting("last-webserver-port", String(ctx.port));
    if (opts.startScheduler ?? true) ctx.scheduler.start();
    ctx.updates.start();

    const url = `http://localhost:${ctx.port}/`;
    let signinUrl: string | undefined;
    if (!auth.signinTokensDisabled) {
      signinUrl = `${url}signin.html?token=${auth.issueSigninToken()}`;
    }
    print(`Server has started and is listening on ${hostname}, port ${ctx.port}`);
    if (generated || auth.passwordIsAutogenerated) {
      print(`Sign in (link valid for 5 minutes, once): ${signinUrl ?? url}`);
      if (generated) {
        print(
          `A random password was created for the web UI. Set your own with --webservice-password or in Settings.`,
        );
      }
    } else {
      print(`Open ${url} and sign in with the web UI password.`);
    }
    writeLog("Information", `Server started on ${hostname}:${ctx.port}`);

    let closing: Promise<void> | undefined;
    let resolveFinished!: () => void;
    const finished = new Promise<void>((r) => resolveFinished = r);
    const close = () => {
      closing ??= (async () => {
        ctx.scheduler.stop();
        await ctx.updates.stop();
        await queue.close();
        await ctx.commandline.close();
        await http.shutdown();
        clearInterval(flushTimer);
        await flushLog();
        sdb.close();
        lock.release();
        resolveFinished();
      })();
      return closing;
    };
    if (cfg.pingPong) pingPong(close);
    return {
      port: ctx.port,
      hostname,
      url,
      signinUrl,
      generatedPassword: generated,
      ctx,
      finished,
      close,
    };
  } catch (e) {
    db?.close();
    lock.release();
    throw e;
  }
}

/** Answers "pong" to every stdin line; "shutdown" stops the server. */
async function pingPong(close: () => Promise<void>): Promise<void> {
  const enc = new TextEncoder();
  let rest = "";
  for await (
    const chunk of Deno.stdin.readable.pipeThrough(
      new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>,
    )
  ) {
    const lines = (rest + chunk).split(/\r?\n/);
    rest = lines.pop()!;
    for (const l of lines) {
      if (l.trim().toLowerCase() === "shutdown") {
        await close();
        return;
      }
      await Deno.stdout.write(enc.encode("pong\n"));
    }
  }
  await close();
}
