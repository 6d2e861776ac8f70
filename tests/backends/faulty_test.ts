/** The test-only fault-injecting backend: its rules, and that it is off unless enabled. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FaultyBackend, InjectedFault, parseFaultRules } from "../../src/backends/faulty.ts";
import { openBackend } from "../../src/backends/registry.ts";
import type { Backend } from "../../src/backends/backend.ts";
import { ArgumentError } from "../../src/core/errors.ts";
import { tempDir } from "../helpers/tree.ts";
import { runMain } from "../helpers/cli.ts";

Deno.test("faulty: rules are parsed; unknown ones are refused", () => {
  assert.deepEqual(parseFaultRules(new URLSearchParams("fail=put:3,get:1&kill-after=list:2")), [
    { action: "fail", op: "put", n: 3 },
    { action: "fail", op: "get", n: 1 },
    { action: "kill-after", op: "list", n: 2 },
  ]);
  assert.throws(() => parseFaultRules(new URLSearchParams("explode=put:1")), /unknown rule/);
  assert.throws(() => parseFaultRules(new URLSearchParams("fail=put")), /must look like/);
});

Deno.test("faulty: fails the Nth call of an operation and truncates an upload", async () => {
  const [dir, cleanup] = await tempDir("dup-faulty-");
  try {
    const remote = join(dir, "remote");
    await Deno.mkdir(remote);
    const src = join(dir, "file");
    await Deno.writeFile(src, new Uint8Array(1000).fill(7));
    const b = new FaultyBackend(
      remote,
      parseFaultRules(new URLSearchParams("fail=put:2&truncate=put:3&fail=get:1&fail=delete:1")),
    );
    await b.put("a", src);
    await assert.rejects(() => b.put("b", src), InjectedFault);
    await assert.rejects(() => b.put("c", src), InjectedFault);
    await b.put("d", src);
    const sizes = Object.fromEntries((await b.list()).map((e) => [e.name, e.size]));
    assert.deepEqual(sizes, { a: 1000, c: 500, d: 1000 });
    await assert.rejects(() => b.get("a", join(dir, "x")), InjectedFault);
    await b.get("a", join(dir, "x"));
    assert.equal((await Deno.stat(join(dir, "x"))).size, 1000);
    await assert.rejects(() => b.delete("a"), InjectedFault);
    await b.delete("a");
    assert.equal((b as Backend).localPath, undefined, "downloads always go through get");
  } finally {
    await cleanup();
  }
});

Deno.test("faulty: the scheme does not exist unless DUPLICATI_TEST_FAULTS=1", async () => {
  if (Deno.env.get("DUPLICATI_TEST_FAULTS") !== "1") {
    assert.throws(() => openBackend("faulty:///tmp/x"), ArgumentError);
  }
  const r = await runMain(["repair", "faulty:///nonexistent/x", "--no-encryption"], {
    env: { DUPLICATI_TEST_FAULTS: "0" },
  });
  assert.equal(r.code, 200);
  assert.match(r.err, /faulty/);
});

Deno.test("faulty: kill-after ends the process with SIGKILL right after the Nth put", async () => {
  const [dir, cleanup] = await tempDir("dup-faulty-kill-");
  try {
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeFile(join(dir, "src", "a"), new Uint8Array(5000).fill(1));
    const r = await runMain([
      "backup",
      `faulty://${join(dir, "remote")}?kill-after=put:1`,
      join(dir, "src"),
      "--no-encryption",
      `--dbpath=${join(dir, "db.sqlite")}`,
    ], { env: { DUPLICATI_TEST_FAULTS: "1" } });
    assert.equal(r.code, 137);
    assert.equal([...Deno.readDirSync(join(dir, "remote"))].length, 1, "exactly one upload");
  } finally {
    await cleanup();
  }
});
