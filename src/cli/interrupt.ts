/**
 * Ctrl-C on the command line, as Duplicati's command line handles it: the first asks the running
 * backup to stop after the current file (it then uploads what it finished as a partial version),
 * the second aborts it at once. Operations that cannot keep partial work abort on the first.
 */
import { Cancellation } from "../core/cancellation.ts";
import { CancelledError } from "../core/errors.ts";

/** Message printed on the first Ctrl-C. */
export const STOP_MESSAGE = "Stopping after the current file; press Ctrl-C again to abort";
/** Message printed on the second Ctrl-C. */
export const ABORT_MESSAGE = "Aborting at once";

/** Turns SIGINT into the two levels of a {@link Cancellation}. Install once per command run. */
export class CtrlC {
  readonly cancel = new Cancellation();
  #listener = () => this.press();
  #installed = false;

  /**
   * `say` tells the user what a Ctrl-C does (on standard error). `stoppable` is false for
   * operations that cannot stop after the current file (all but backup): they abort on the first.
   */
  constructor(private say: (message: string) => void, private stoppable = true) {}

  /** Starts listening for SIGINT (where the platform has it). */
  install(): this {
    try {
      Deno.addSignalListener("SIGINT", this.#listener);
      this.#installed = true;
    } catch { /* no SIGINT here: Ctrl-C keeps its default */ }
    return this;
  }

  /** One Ctrl-C: stop on the first, abort on the second, nothing more after that. */
  press(): void {
    if (!this.stoppable && !this.cancel.aborted) {
      this.cancel.abort(new CancelledError("Aborted by Ctrl-C"));
      this.say(ABORT_MESSAGE);
    } else if (!this.cancel.stopping) {
      this.cancel.stop(new CancelledError("Stopped by Ctrl-C"));
      this.say(STOP_MESSAGE);
    } else if (!this.cancel.aborted) {
      this.cancel.abort(new CancelledError("Aborted by Ctrl-C"));
      this.say(ABORT_MESSAGE);
    }
  }

  /** Stops listening. */
  dispose(): void {
    if (!this.#installed) return;
    this.#installed = false;
    try {
      Deno.removeSignalListener("SIGINT", this.#listener);
    } catch { /* ignore */ }
  }
}
