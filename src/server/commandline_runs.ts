/**
 * The "Commandline" page: runs a command of the command line tool as a child process of this same
 * program (`<program> cli <args>`), keeps its output lines, and can abort it. A child process keeps
 * the server's rooms apart (the server never imports the CLI) and a crashing command cannot take
 * the server down.
 */
import { selfCommand } from "../core/self_command.ts";

/** Commands offered on the page (Duplicati's list). */
export const COMMANDLINE_COMMANDS = [
  "backup",
  "find",
  "restore",
  "delete",
  "compact",
  "test",
  "compare",
  "purge",
  "vacuum",
  "repair",
  "affected",
  "list-broken-files",
  "purge-broken-files",
  "list-filesets",
  "list-folder-contents",
  "list-file-versions",
  "search",
];

interface Run {
  id: string;
  lines: string[];
  started: boolean;
  finished: boolean;
  exitCode?: number;
  child?: Deno.ChildProcess;
}

/** The argv that runs the command line tool with `args`. */
export function defaultLauncher(args: string[]): string[] {
  const self = selfCommand(["cli", ...args]);
  return [self.command, ...self.args];
}

/** Running and finished command line runs. */
export class CommandlineRuns {
  #runs = new Map<string, Run>();
  constructor(private launcher: (args: string[]) => string[] = defaultLauncher) {}

  /** Starts a run; returns its ID. */
  start(args: string[]): string {
    const id = crypto.randomUUID();
    const run: Run = { id, lines: [], started: false, finished: false };
    this.#runs.set(id, run);
    const argv = this.launcher(args);
    try {
      run.child = new Deno.Command(argv[0], {
        args: argv.slice(1),
        env: { DUPLICATI_CALLED_AS: "" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      run.started = true;
    } catch (e) {
      run.lines.push(`Failed to start: ${(e as Error).message}`);
      run.finished = true;
      return id;
    }
    const pump = async (s: ReadableStream<Uint8Array>) => {
      let rest = "";
      for await (
        const chunk of s.pipeThrough(
          new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>,
        )
      ) {
        const parts = (rest + chunk).split(/\r?\n/);
        rest = parts.pop()!;
        run.lines.push(...parts);
      }
      if (rest) run.lines.push(rest);
    };
    Promise.all([pump(run.child.stdout), pump(run.child.stderr), run.child.status]).then(
      ([, , st]) => {
        run.exitCode = st.code;
        run.lines.push(`Return code: ${st.code}`);
        run.finished = true;
      },
    ).catch(() => run.finished = true);
    if (this.#runs.size > 50) this.#runs.delete(this.#runs.keys().next().value!);
    return id;
  }

  /** A page of a run's output, or undefined for an unknown run. */
  page(id: string, offset: number, pageSize: number): Record<string, unknown> | undefined {
    const r = this.#runs.get(id);
    if (!r) return undefined;
    return {
      Pagesize: pageSize,
      Offset: offset,
      Count: r.lines.length,
      Items: r.lines.slice(offset, offset + pageSize),
      Finished: r.finished,
      Started: r.started,
    };
  }

  /** Kills a run; false for an unknown one. */
  abort(id: string): boolean {
    const r = this.#runs.get(id);
    if (!r) return false;
    if (!r.finished) {
      try {
        r.child?.kill("SIGTERM");
      } catch {
        // Already gone.
      }
    }
    return true;
  }

  /** Kills every unfinished run (server shutdown). */
  async close(): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const r of this.#runs.values()) {
      if (!r.finished && r.child) {
        try {
          r.child.kill("SIGTERM");
        } catch {
          // Already gone.
        }
        waits.push(r.child.status.catch(() => {}));
      }
    }
    await Promise.all(waits);
  }
}
