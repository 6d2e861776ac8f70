/** Time limits for remote operations: whole-call limits and an idle watchdog for transfers. */

/** A remote operation took too long; retrying may help. */
export class BackendTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendTimeoutError";
  }
}

/**
 * Runs `op` with a time limit (`ms` <= 0 means none). On expiry calls `onTimeout` (to drop the
 * connection) and rejects with BackendTimeoutError(`what`); the late result is ignored.
 */
export async function withTimeout<T>(
  op: () => Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => Promise<void> | void,
): Promise<T> {
  if (!(ms > 0)) return await op();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      Promise.resolve(onTimeout?.()).catch(() => {}).finally(() =>
        reject(new BackendTimeoutError(`${what} timed out after ${fmtMs(ms)}`))
      );
    }, ms);
  });
  const p = op();
  try {
    return await Promise.race([p, expired]);
  } finally {
    clearTimeout(timer);
    p.catch(() => {});
  }
}

/**
 * Fails a transfer that moved no data for `ms`: `pass` wraps the data stream and counts each
 * chunk as progress; `run` races the transfer against the watchdog.
 */
export class IdleWatchdog {
  #last = performance.now();
  #timer: ReturnType<typeof setInterval> | undefined;
  #fired: Promise<never>;
  #reject!: (e: Error) => void;
  #streams: TransformStreamDefaultController<Uint8Array>[] = [];

  constructor(readonly ms: number, private what: string) {
    this.#fired = new Promise<never>((_, reject) => (this.#reject = reject));
    this.#fired.catch(() => {});
  }

  /** Marks progress. */
  kick(): void {
    this.#last = performance.now();
  }

  /** `data` with every chunk counted as progress. */
  pass(data: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    return data.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        start: (ctl) => {
          this.#streams.push(ctl);
        },
        transform: (chunk, ctl) => {
          this.kick();
          ctl.enqueue(chunk);
        },
      }),
    );
  }

  /** Runs `op`; rejects with BackendTimeoutError after `ms` without progress (calls `onIdle`). */
  async run<T>(op: () => Promise<T>, onIdle?: () => Promise<void> | void): Promise<T> {
    if (!(this.ms > 0)) return await op();
    this.kick();
    const every = Math.max(20, Math.min(1000, this.ms / 4));
    this.#timer = setInterval(() => {
      if (performance.now() - this.#last < this.ms) return;
      clearInterval(this.#timer);
      const err = new BackendTimeoutError(`${this.what}: no data moved for ${fmtMs(this.ms)}`);
      // Erroring the passed streams ends both sides: the reader fails, the source is cancelled.
      for (const c of this.#streams) {
        try {
          c.error(err);
        } catch { /* already closed */ }
      }
      Promise.resolve(onIdle?.()).catch(() => {}).finally(() => this.#reject(err));
    }, every);
    const p = op();
    try {
      return await Promise.race([p, this.#fired]);
    } finally {
      clearInterval(this.#timer);
      p.catch(() => {});
    }
  }
}

function fmtMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
