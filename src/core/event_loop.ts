/**
 * A fair share of the event loop for long operations.
 *
 * The engine does much of its work synchronously (file reads, hashing, SQLite) and awaits only
 * promises that are often already settled, which run as microtasks: the event loop may not get a
 * turn for seconds. In the server that loop also answers HTTP requests, so a backup would freeze
 * the API. Hot loops therefore call {@link eventLoopTurn} once per item and await what it returns:
 * when the loop has not turned for the budget, it waits for one timer tick (one to three
 * milliseconds), in which pending I/O, requests and timers run. (Other ways to give the loop a turn
 * are cheaper but not fair: a message to oneself or `setImmediate` starve I/O, and an operation that
 * finishes at once leaves timers waiting.)
 *
 * To keep that wait rare, a turn is also noticed when it happens on its own (the operation awaited
 * a worker, a file or the network): half-way through the budget a zero-delay probe timer is set,
 * and when it fires the budget starts again without any explicit wait.
 */

/** The default budget: programs without a server only need timely signals and progress. */
export const DEFAULT_EVENT_LOOP_BUDGET_MS = 200;

let budgetMs = DEFAULT_EVENT_LOOP_BUDGET_MS;
let lastTurn = performance.now();
let probing = false;

function probe(): void {
  probing = false;
  lastTurn = performance.now();
}

/**
 * Sets how long (ms) synchronous work may hold the event loop before {@link eventLoopTurn} makes
 * it wait for a turn. The server sets a small one so that its API stays responsive.
 */
export function setEventLoopBudget(ms: number): void {
  if (!(ms > 0)) throw new RangeError(`The event loop budget must be positive, got ${ms}`);
  budgetMs = ms;
}

/** The budget in force (ms). */
export function eventLoopBudget(): number {
  return budgetMs;
}

/**
 * Call between two units of work and await the result: a promise that resolves after one turn of
 * the event loop when the loop has been held for the budget, otherwise undefined (so the usual
 * call costs a clock read).
 */
export function eventLoopTurn(): Promise<void> | undefined {
  const since = performance.now() - lastTurn;
  if (since < budgetMs / 2) return undefined;
  if (since < budgetMs) {
    if (!probing) {
      probing = true;
      setTimeout(probe, 0);
    }
    return undefined;
  }
  return new Promise((resolve) =>
    setTimeout(() => {
      lastTurn = performance.now();
      resolve();
    }, 0)
  );
}
