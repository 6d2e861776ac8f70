import assert from "node:assert/strict";
import {
  DEFAULT_EVENT_LOOP_BUDGET_MS,
  eventLoopBudget,
  eventLoopTurn,
  setEventLoopBudget,
} from "../../src/core/event_loop.ts";

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* hold the event loop */ }
}

/** Runs `body` with a budget, restoring the one in force afterwards. */
async function withBudget(ms: number, body: () => Promise<void>): Promise<void> {
  const before = eventLoopBudget();
  setEventLoopBudget(ms);
  try {
    await body();
  } finally {
    setEventLoopBudget(before);
  }
}

Deno.test("a loop that only awaits settled promises lets a timer run once it calls eventLoopTurn", async () => {
  await withBudget(10, async () => {
    let fired = false;
    setTimeout(() => fired = true, 0);
    const start = performance.now();
    // Awaiting settled promises alone never lets the timer run.
    while (performance.now() - start < 30) {
      busy(1);
      await Promise.resolve();
    }
    assert.ok(!fired, "microtasks alone gave the event loop a turn");
    for (let i = 0; i < 100 && !fired; i++) {
      busy(1);
      await eventLoopTurn();
    }
    assert.ok(fired, "eventLoopTurn never gave the event loop a turn");
  });
});

Deno.test("eventLoopTurn lets an HTTP request in while a loop holds the event loop", async () => {
  await withBudget(10, async () => {
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      () => new Response("ok"),
    );
    try {
      // The client runs in its own process so that only the server needs this event loop.
      const client = new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          `const t = performance.now();
           const r = await fetch("http://127.0.0.1:${server.addr.port}/");
           await r.text();
           console.log(Math.round(performance.now() - t));`,
        ],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      let answered = false;
      const done = client.output().then((o) => {
        answered = true;
        return o;
      });
      // Work in 1 ms slices until the client has its answer (bounded: at most 60 s).
      const start = performance.now();
      while (!answered && performance.now() - start < 60_000) {
        busy(1);
        await eventLoopTurn();
      }
      const answeredWhileBusy = answered;
      const out = await done;
      assert.ok(out.success);
      assert.ok(answeredWhileBusy, "the request was never answered while the loop ran");
    } finally {
      await server.shutdown();
    }
  });
});

Deno.test("eventLoopTurn costs nothing while the budget is not spent", async () => {
  await withBudget(60_000, async () => {
    await eventLoopTurn(); // may wait once: the budget counts from the last turn
    let waits = 0;
    for (let i = 0; i < 1000; i++) if (eventLoopTurn() !== undefined) waits++;
    assert.equal(waits, 0);
  });
});

Deno.test("setEventLoopBudget refuses a budget that is not positive", () => {
  assert.throws(() => setEventLoopBudget(0), { name: "RangeError", message: /positive/ });
  assert.throws(() => setEventLoopBudget(NaN), { name: "RangeError", message: /positive/ });
  assert.equal(eventLoopBudget(), DEFAULT_EVENT_LOOP_BUDGET_MS);
});
