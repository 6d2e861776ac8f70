/** The task queue's two-level cancellation: what a task sees and the status it ends with. */
import assert from "node:assert/strict";
import { Cancellation } from "../../src/core/cancellation.ts";
import { CancelledError } from "../../src/core/errors.ts";
import { ServerEvents } from "../../src/server/events.ts";
import { type TaskContext, TaskQueue } from "../../src/server/task_queue.ts";

Deno.test("Cancellation: stop sets only the stop level; abort sets both", () => {
  const c = new Cancellation();
  assert.equal(c.stopping, false);
  c.stop();
  assert.equal(c.stopping, true);
  assert.equal(c.aborted, false);
  assert.equal(c.signal.aborted, false);
  assert.ok(c.stopSignal.reason instanceof CancelledError);
  c.abort();
  assert.equal(c.aborted, true);
  assert.equal(c.signal.aborted, true);
  const d = new Cancellation();
  d.abort();
  assert.equal(d.stopping, true, "an abort is also a stop");
});

/** A task that runs until stopped or aborted, and records what it saw. */
function waitingTask(seen: string[], onStop: "return" | "throw") {
  return {
    operation: "Backup",
    backupId: "1",
    run: (ctx: TaskContext) =>
      new Promise((resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          seen.push("abort");
          reject(ctx.signal.reason);
        });
        ctx.stopSignal.addEventListener("abort", () => {
          seen.push("stop");
          // A backup ends normally after a stop, with what it finished.
          if (onStop === "return") setTimeout(() => resolve({ interrupted: true }), 10);
          else setTimeout(() => reject(new CancelledError("gave up")), 10);
        });
      }),
  };
}

Deno.test("task queue: stop lets the task end by itself (Stopped); abort ends it (Aborted)", async () => {
  const q = new TaskQueue(new ServerEvents());
  const seen: string[] = [];
  const stopped = q.add(waitingTask(seen, "return"));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(q.info(stopped)?.Status, "Running");
  assert.equal(q.cancel(stopped, "stop"), true);
  const s = await q.wait(stopped);
  assert.equal(s?.Status, "Stopped");
  assert.deepEqual(s?.Result, { interrupted: true });
  assert.match(String(s?.ErrorMessage), /Stopped on request/);
  assert.deepEqual(seen, ["stop"]);

  seen.length = 0;
  const aborted = q.add(waitingTask(seen, "return"));
  await new Promise((r) => setTimeout(r, 20));
  q.cancel(aborted, "abort");
  const a = await q.wait(aborted);
  assert.equal(a?.Status, "Aborted");
  assert.deepEqual(seen.sort(), ["abort", "stop"]);

  // A task without a partial result that gives up on stop also ends as Stopped.
  const gaveUp = q.add(waitingTask([], "throw"));
  await new Promise((r) => setTimeout(r, 20));
  q.cancel(gaveUp, "stop");
  assert.equal((await q.wait(gaveUp))?.Status, "Stopped");

  // A waiting task is removed at once; unknown tasks are refused.
  const first = q.add(waitingTask([], "return"));
  const queued = q.add(waitingTask([], "return"));
  assert.equal(q.cancel(queued, "stop"), true);
  assert.equal(q.info(queued)?.Status, "Stopped");
  assert.equal(q.cancel(4242, "abort"), false);
  await q.close();
  assert.equal(q.info(first)?.Status, "Aborted");
});
