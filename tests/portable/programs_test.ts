/** The busybox names and `duplicati --help` / `--version`, run as a user would. */
import assert from "node:assert/strict";
import { runMain } from "../helpers/cli.ts";
import { notAvailable, PROGRAMS } from "../../src/tools/programs.ts";
import { VERSION } from "../../src/core/version.ts";
import { hasProgram } from "../../main.ts";

Deno.test("duplicati --help lists every program; --version prints the version", async () => {
  const h = await runMain(["--help"]);
  assert.equal(h.code, 0, h.err);
  for (
    const name of [
      "cli",
      "server",
      "server-util",
      "recovery-tool",
      "backend-tool",
      "backend-tester",
      "aescrypt",
      "service",
      "update",
    ]
  ) {
    assert.match(h.out, new RegExp(`^  ${name} `, "m"), name);
  }
  const v = await runMain(["--version"]);
  assert.equal(v.code, 0);
  assert.equal(v.out.trim(), `Duplicati, portable edition ${VERSION}`);
});

Deno.test("every listed program is in this version; a missing one would answer with exit 200", () => {
  assert.deepEqual(PROGRAMS.filter((p) => !hasProgram(p.name)).map((p) => p.name), []);
  const na = notAvailable("example");
  assert.equal(na.exitCode, 200);
  assert.match(na.message, /duplicati-example is not available in this version yet/);
});

Deno.test("busybox names run their program", async () => {
  const server = await runMain(["--help"], { env: { DUPLICATI_CALLED_AS: "duplicati-server" } });
  assert.equal(server.code, 0, server.err);
  assert.match(server.out, /Usage: duplicati-server/);
  const cli = await runMain(["help"], { env: { DUPLICATI_CALLED_AS: "duplicati-cli.exe" } });
  assert.equal(cli.code, 0, cli.err);
  const sub = await runMain(["server", "--help"]);
  assert.match(sub.out, /Usage: duplicati-server/);
  const util = await runMain(["help"], { env: { DUPLICATI_CALLED_AS: "duplicati-server-util" } });
  assert.equal(util.code, 0, util.err);
  assert.match(util.out, /Usage: duplicati-server-util <command>/);
  const utilSub = await runMain(["server-util", "help", "run"]);
  assert.match(utilSub.out, /Usage: duplicati-server-util run/);
  const rec = await runMain(["help"], { env: { DUPLICATI_CALLED_AS: "duplicati-recovery-tool" } });
  assert.equal(rec.code, 0, rec.err);
  assert.match(rec.out, /Usage: duplicati-recovery-tool <command>/);
  const recSub = await runMain(["recovery-tool", "help", "index"]);
  assert.match(recSub.out, /Usage: duplicati-recovery-tool index/);
  const launcher = await runMain(["--help-launcher"]);
  assert.equal(launcher.code, 0, launcher.err);
  assert.match(launcher.out, /--browser-command/);
  assert.match(launcher.out, /--webservice-port/);
});
