import assert from "node:assert/strict";
import { ABORT_MESSAGE, CtrlC, STOP_MESSAGE } from "../../src/cli/interrupt.ts";

Deno.test("Ctrl-C: a backup stops on the first press and aborts on the second", () => {
  const said: string[] = [];
  const c = new CtrlC((m) => said.push(m), true);
  c.press();
  assert.equal(c.cancel.stopping, true);
  assert.equal(c.cancel.aborted, false);
  c.press();
  assert.equal(c.cancel.aborted, true);
  c.press(); // nothing more after an abort
  assert.deepEqual(said, [STOP_MESSAGE, ABORT_MESSAGE]);
});

Deno.test("Ctrl-C: an operation that cannot stop after a file aborts on the first press", () => {
  const said: string[] = [];
  const c = new CtrlC((m) => said.push(m), false);
  c.press();
  assert.equal(c.cancel.aborted, true);
  c.press();
  assert.deepEqual(said, [ABORT_MESSAGE]);
});
