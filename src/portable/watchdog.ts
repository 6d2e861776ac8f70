/**
 * The service watchdog (Duplicati's `Duplicati.Service`): runs the server as a child process with
 * `--ping-pong-keepalive`, writes `ping` to its standard input at intervals and expects a `pong`
 * line back, and starts it again when it exits or stops answering. Starts that follow each other
 * quickly wait longer and longer (back-off); after too many starts in a row that never answered,
 * it gives up. Stopping writes `shutdown` to the server and waits for it to close its databases.
 */

/** The command that runs the server (with `--ping-pong-keepalive` among its arguments). */
export interface ChildCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** How the watchdog watches. All times in milliseconds. */
export interface WatchdogSettings {
  /** Time between pings once the server has answered. */
  pingInterval: number;
  /** How long one ping waits for its answer. */
  pingTimeout: number;
  /** Unanswered pings in a row after which the server counts as hung and is killed. */
  pingAttempts: number;
  /** How long a fresh server may take to answer its first ping. */
  startTimeout: number;
  /** Wait before starting again after a stop; it doubles with each quick restart in a row. */
  restartDelay: number;
  /** The longest wait between starts. */
  restartDelayMax: number;
  /** Starts in a row that never answered, after which the watchdog gives up. */
  maxFailedStarts: number;
  /** How long a `shutdown` may take before the server is terminated. */
  stopTimeout: number;
}

/** What the watchdog runs, how it watches, and where it reports. */
export interface WatchdogOptions extends WatchdogSettings {
  server: ChildCommand;
  /** The watchdog's own messages. */
  log: (line: string) => void;
  /** The server's output lines other than `pong`. */
  output: (line: string) => void;
}

/** A server that ran at least this long without trouble resets the back-off. */
const STABLE_MS = 5 * 60_000;

/** What ended one run of the server. */
interface RunEnd {
  answered: boolean;
  status: Deno.CommandStatus;
  ranMs: number;
}

function describe(status: Deno.CommandStatus): string {
  return status.signal ? `was ended by ${status.signal}` : `exited with code ${status.code}`;
}

/** Runs and watches the server; see the module comment. */
export class Watchdog {
  #stopping = false;
  #child: Deno.ChildProcess | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #wake: (() => void) | undefined;
  #starts = 0;

  constructor(private readonly opts: WatchdogOptions) {}

  /** The process id of the running server, if one runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How many times the server was started. */
  get starts(): number {
    return this.#starts;
  }

  /**
   * Runs until {@link stop} (exit code 0) or until the server failed to answer after
   * `maxFailedStarts` starts in a row (exit code 100). Never throws for a failing server; throws
   * only when the program itself cannot be started (a missing executable).
   */
  async run(): Promise<number> {
    const o = this.opts;
    let quickRestarts = 0;
    let failedStarts = 0;
    while (!this.#stopping) {
      const end = await this.#runOnce();
      if (this.#stopping) break;
      failedStarts = end.answered ? 0 : failedStarts + 1;
      if (failedStarts >= o.maxFailedStarts) {
        o.log(
          `The server ${describe(end.status)} without answering, ${failedStarts} times in a row; ` +
            `giving up. Run "duplicati-server" with the same options to see why it does not start.`,
        );
        return 100;
      }
      quickRestarts = end.answered && end.ranMs >= STABLE_MS ? 0 : quickRestarts + 1;
      const delay = Math.min(o.restartDelayMax, o.restartDelay * 2 ** (quickRestarts - 1));
      o.log(
        `The server ${describe(end.status)}; starting it again in ${
          Math.round(delay / 100) / 10
        }s.`,
      );
      await this.#sleep(delay);
    }
    return 0;
  }

  /**
   * Asks the server to shut down (the `shutdown` line), terminates it when it has not stopped
   * after `stopTimeout`, and makes {@link run} return. A second call kills the server at once.
   */
  async stop(): Promise<void> {
    const child = this.#child;
    if (this.#stopping) {
      this.#kill(child, "SIGKILL");
      return;
    }
    this.#stopping = true;
    this.#wake?.();
    if (!child) return;
    await this.#send("shutdown");
    const stopped = await Promise.race([
      child.status.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), this.opts.stopTimeout)),
    ]);
    if (stopped) return;
    this.opts.log("The server did not stop in time; terminating it.");
    this.#kill(child, "SIGTERM");
    const gone = await Promise.race([
      child.status.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 5000)),
    ]);
    if (!gone) this.#kill(child, "SIGKILL");
  }

  async #runOnce(): Promise<RunEnd> {
    const o = this.opts;
    const started = Date.now();
    const child = new Deno.Command(o.server.command, {
      args: o.server.args,
      env: o.server.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#starts++;
    o.log(`Started the server (process ${child.pid}).`);

    let answered = false;
    let exited = false;
    let pongWaiter: (() => void) | undefined;
    const reading = (async () => {
      let rest = "";
      const dec = new TextDecoder();
      for await (const chunk of child.stdout) {
        const lines = (rest + dec.decode(chunk, { stream: true })).split(/\r?\n/);
        rest = lines.pop()!;
        for (const line of lines) {
          if (line.trim().toLowerCase() === "pong") {
            answered = true;
            pongWaiter?.();
          } else o.output(line);
        }
      }
      if (rest) o.output(rest);
    })().catch(() => {});
    const status = child.status.then((s) => {
      exited = true;
      pongWaiter?.();
      return s;
    });

    const ping = async (timeout: number): Promise<boolean> => {
      const answer = new Promise<void>((r) => pongWaiter = r);
      await this.#send("ping");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ok = await Promise.race([
        answer.then(() => !exited),
        new Promise<boolean>((r) => timer = setTimeout(() => r(false), timeout)),
      ]);
      clearTimeout(timer);
      pongWaiter = undefined;
      return ok;
    };

    const watching = (async () => {
      if (!await ping(o.startTimeout)) {
        if (exited || this.#stopping) return;
        o.log(
          `The server did not answer within ${o.startTimeout / 1000}s of starting; killing it.`,
        );
        this.#kill(child, "SIGKILL");
        return;
      }
      let missed = 0;
      while (!exited && !this.#stopping) {
        await Promise.race([status, new Promise((r) => setTimeout(r, o.pingInterval))]);
        if (exited || this.#stopping) return;
        if (await ping(o.pingTimeout)) {
          missed = 0;
          continue;
        }
        if (exited || this.#stopping) return;
        missed++;
        if (missed >= o.pingAttempts) {
          o.log(`The server did not answer ${missed} pings in a row; killing it.`);
          this.#kill(child, "SIGKILL");
          return;
        }
      }
    })();

    const st = await status;
    await Promise.all([reading, watching]);
    this.#writer.releaseLock();
    await child.stdin.close().catch(() => {});
    this.#child = undefined;
    this.#writer = undefined;
    return { answered, status: st, ranMs: Date.now() - started };
  }

  async #send(line: string): Promise<void> {
    try {
      await this.#writer?.write(new TextEncoder().encode(line + "\n"));
    } catch {
      // The server is gone; its exit is handled where its status is awaited.
    }
  }

  #kill(child: Deno.ChildProcess | undefined, signal: Deno.Signal): void {
    try {
      child?.kill(signal);
    } catch {
      // Already gone.
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
