/** Everything a route handler may reach: the server's parts, created once per server. */
import type { ServerDatabase } from "./database.ts";
import type { Authenticator } from "./auth.ts";
import type { TaskQueue } from "./task_queue.ts";
import type { LiveLog, ServerEvents } from "./events.ts";
import type { Clock, Scheduler } from "./scheduler.ts";
import type { CommandlineRuns } from "./commandline_runs.ts";
import type { TemporaryBackups } from "./temporary_backups.ts";
import type { UpdateChecker } from "./update_checker.ts";

/** The server's parts. */
export interface ServerContext {
  db: ServerDatabase;
  auth: Authenticator;
  queue: TaskQueue;
  events: ServerEvents;
  liveLog: LiveLog;
  scheduler: Scheduler;
  commandline: CommandlineRuns;
  /** Configurations made for one restore, kept in memory. */
  temporaries: TemporaryBackups;
  /** The update check and download. */
  updates: UpdateChecker;
  dataFolder: string;
  clock: Clock;
  /** Don't serve the web UI. */
  apiOnly: boolean;
  /** The port the server listens on (for the cookie name); 0 until bound. */
  port: number;
  /** The scheduler's time zone. */
  timeZone(): string;
  /** The Host names allowed besides local names and IP addresses. */
  allowedHostnames(): string[];
}
