import assert from "node:assert/strict";
import { COMMANDS, findCommand, helpText } from "../../src/cli/help.ts";
import { describeDefault, OPTIONS } from "../../src/core/options.ts";
import { ArgumentError } from "../../src/core/errors.ts";

Deno.test("help: general usage lists every command", () => {
  const t = helpText();
  assert.match(t, /Usage: duplicati-cli <command>/);
  for (const c of COMMANDS) assert.ok(t.includes(c.name), c.name);
  assert.equal(helpText(""), t);
});

Deno.test("help: every command and alias has help", () => {
  for (const c of COMMANDS) {
    for (const n of [c.name, ...c.aliases]) {
      const t = helpText(n);
      assert.ok(t.includes(`Usage: duplicati-cli ${c.name}`), n);
      assert.ok(t.includes(c.summary), n);
    }
    assert.equal(findCommand(c.name.toUpperCase()), c);
  }
  const b = helpText("backup");
  assert.ok(b.includes("--blocksize=<size>  (default: 1mb)"));
  assert.match(b, /--exclude=<filter>/);
  assert.match(helpText("restore"), /--restore-path=<path>/);
  assert.match(helpText("verify"), /Usage: duplicati-cli test/);
});

Deno.test("help: every option's help shows its default", () => {
  for (const o of OPTIONS) {
    for (const n of [o.name, `--${o.name}`, ...(o.aliases ?? [])]) {
      if (n === "time") continue; // the "time" topic wins; --time is checked below
      const t = helpText(n);
      assert.ok(t.includes(`--${o.name}`), n);
      assert.ok(t.includes(`Default: ${describeDefault(o)}`), n);
      assert.ok(t.includes(o.summary.split(" ")[0]), n);
    }
  }
  const z = helpText("zip-compression-level");
  assert.match(z, /Default: 2/);
  assert.match(z, /Minimum: 0/);
  assert.match(z, /Maximum: 9/);
  assert.match(helpText("symlink-policy"), /Allowed values: Store, Follow, Ignore/);
  assert.match(helpText("remote-volume-size"), /--dblock-size/);
  assert.match(helpText("--time"), /Default: now/);
});

Deno.test("help: topics", () => {
  assert.match(helpText("returncodes"), /200/);
  assert.match(helpText("filter"), /first/i);
  assert.equal(helpText("filters"), helpText("filter"));
  assert.match(helpText("filter-groups"), /CacheFiles/);
  assert.match(helpText("size"), /kb/);
  assert.match(helpText("time"), /2024-05-17/);
  assert.equal(helpText("date"), helpText("time"));
  const all = helpText("options");
  for (const o of OPTIONS) assert.ok(all.includes(`--${o.name}`), o.name);
  assert.equal(helpText("advanced"), all);
  assert.match(helpText("encryption"), /--passphrase/);
  assert.match(helpText("compression"), /--zip-compression-level/);
  assert.match(helpText("BACKUP extra words"), /Usage: duplicati-cli backup/);
});

Deno.test("help: unknown topic suggests close matches", () => {
  assert.throws(() => helpText("bakcup"), (e: unknown) => {
    assert.ok(e instanceof ArgumentError);
    assert.equal((e as ArgumentError).exitCode, 200);
    assert.match((e as Error).message, /Did you mean: .*backup/);
    return true;
  });
  assert.throws(() => helpText("blocksise"), /blocksize/);
  assert.throws(() => helpText("zzzzzzzzzzzz"), ArgumentError);
});
