/**
 * The two ways to end a running operation early, as Duplicati offers them:
 * - stop: finish what is in hand, keep the work done (a backup uploads a partial version), end;
 * - abort: end at once; what was not committed is cleaned up by the next run.
 * An abort is also a stop, so code that only checks `stopping` ends on either.
 */
import { CancelledError } from "./errors.ts";

/** A cancellation token with two levels. Create one per operation run. */
export class Cancellation {
  #stop = new AbortController();
  #abort = new AbortController();

  /** Aborted on `stop()` and on `abort()`: check between units of work (files). */
  get stopSignal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Aborted only on `abort()`: check inside long units of work (between blocks). */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** True once stop or abort was asked for. */
  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  /** True once abort was asked for. */
  get aborted(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Asks the operation to end after the work in hand, keeping what is done. */
  stop(reason: unknown = new CancelledError("Stopped on request")): void {
    if (!this.#stop.signal.aborted) this.#stop.abort(reason);
  }

  /** Asks the operation to end at once. */
  abort(reason: unknown = new CancelledError("Aborted on request")): void {
    this.stop(reason);
    if (!this.#abort.signal.aborted) this.#abort.abort(reason);
  }
}
