/** The busybox names and `duplicati --help` / `--version`, run as a user would. */
import assert from "node:assert/strict";
import { runMain } from "../helpers/cli.ts";
import { PROGRAMS } from "../../src/tools/programs.ts";
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
    ]
  ) {
    assert.match(h.out, new RegExp(`^  ${name} `, "m"), name);
  }
  const v = await runMain(["--version"]);
  assert.equal(v.code, 0);
  assert.equal(v.out.trim(), `Duplicati, portable edition ${VERSION}`);
});

Deno.test("programs not in this version answer honestly with exit code 200", async () => {
  const missing = PROGRAMS.filter((p) => !hasProgram(p.name));
  assert.ok(missing.length > 0);
  for (const p of missing) {
    const byArg = await runMain([p.name, "--help"]);
    assert.equal(byArg.code, 200, p.name);
    assert.match(byArg.err, new RegExp(`duplicati-${p.name} is not available in this version yet`));
  }
  const p = missing[0];
  const byName = await runMain(["x"], { env: { DUPLICATI_CALLED_AS: `duplicati-${p.name}` } });
  assert.equal(byName.code, 200);
  assert.match(byName.err, /not available in this version yet/);
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
  const launcher = await runMain(["--help-launcher"]);
  assert.equal(launcher.code, 0, launcher.err);
  assert.match(launcher.out, /--browser-command/);
  assert.match(launcher.out, /--webservice-port/);
});
