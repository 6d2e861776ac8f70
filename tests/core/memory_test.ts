import assert from "node:assert/strict";
import { V8_FLAGS } from "../../src/core/memory.ts";

Deno.test("deno tasks start and cli run with the program's V8 flags", async () => {
  const cfg = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  for (const task of ["start", "cli"]) {
    const m = String(cfg.tasks[task]).match(/--v8-flags=(\S+)/);
    assert.ok(m, `task ${task} passes --v8-flags`);
    assert.deepEqual(m[1].split(","), [...V8_FLAGS], `task ${task}`);
  }
});
