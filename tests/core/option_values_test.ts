import assert from "node:assert/strict";
import { OptionValues, parseBoolean } from "../../src/core/option_values.ts";
import { ArgumentError } from "../../src/core/errors.ts";

function throwsNaming(fn: () => unknown, option: string, re?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ArgumentError, `expected ArgumentError, got ${e}`);
    assert.equal((e as ArgumentError).exitCode, 200);
    assert.match((e as Error).message, new RegExp(`--${option}\\b`));
    if (re) assert.match((e as Error).message, re);
    return true;
  });
}

Deno.test("OptionValues: booleans", () => {
  for (const t of ["", "1", "on", "true", "yes", "TRUE", "Yes"]) {
    assert.equal(parseBoolean(t), true, t);
  }
  for (const f of ["0", "off", "false", "no", "NO"]) assert.equal(parseBoolean(f), false, f);
  assert.equal(parseBoolean("maybe"), undefined);
  const o = new OptionValues({ "dry-run": "", "no-encryption": "true", overwrite: "off" });
  assert.equal(o.bool("dry-run"), true);
  assert.equal(o.bool("dryrun"), true); // alias
  assert.equal(o.bool("no-encryption"), true);
  assert.equal(o.bool("overwrite"), false);
  assert.equal(o.bool("allow-full-removal"), false); // default
  assert.equal(o.bool("progress"), false); // no default at all
  throwsNaming(() => new OptionValues({ overwrite: "maybe" }).bool("overwrite"), "overwrite");
});

Deno.test("OptionValues: defaults from the registry", () => {
  const o = new OptionValues({});
  assert.equal(o.has("blocksize"), false);
  assert.equal(o.size("blocksize"), 1024 * 1024);
  assert.equal(o.size("dblock-size"), 50 * 1024 * 1024);
  assert.equal(o.int("zip-compression-level"), 2);
  assert.equal(o.str("prefix"), "duplicati");
  assert.equal(o.enumValue("encryption-module"), "aes");
  assert.equal(o.timespan("retry-delay"), 10_000);
  assert.equal(o.decimal("backup-test-percentage"), 0.1);
  assert.equal(o.int("keep-versions"), 0);
  assert.equal(o.size("small-file-size"), undefined); // computed default
  assert.equal(o.size("small-file-size", 123), 123);
  assert.equal(o.str("passphrase"), undefined);
  assert.deepEqual(o.list("ignore-filenames"), ["CACHEDIR.TAG"]);
  assert.deepEqual(o.flags("exclude-files-attributes"), []);
  assert.deepEqual(o.versions(), []);
});

Deno.test("OptionValues: size units per option", () => {
  const o = new OptionValues({
    blocksize: "100",
    "dblock-size": "25",
    "throttle-upload": "500",
    "skip-files-larger-than": "1.5gb",
  });
  assert.equal(o.size("blocksize"), 100 * 1024); // bare number = kb
  assert.equal(o.size("dblock-size"), 25 * 1024 * 1024); // bare number = mb
  assert.equal(o.size("remote-volume-size"), 25 * 1024 * 1024); // alias
  assert.equal(o.size("throttle-upload"), 500 * 1024);
  assert.equal(o.size("skip-files-larger-than"), 1.5 * 1024 ** 3);
  throwsNaming(() => new OptionValues({ blocksize: "abc" }).size("blocksize"), "blocksize");
  throwsNaming(
    () => new OptionValues({ "dblock-size": "100kb" }).size("dblock-size"),
    "dblock-size",
    /at least 1mb/,
  );
});

Deno.test("OptionValues: integers and ranges", () => {
  assert.equal(new OptionValues({ "zip-compression-level": "9" }).int("zip-compression-level"), 9);
  throwsNaming(
    () => new OptionValues({ "zip-compression-level": "10" }).int("zip-compression-level"),
    "zip-compression-level",
    /at most 9/,
  );
  throwsNaming(() => new OptionValues({ threshold: "1.5" }).int("threshold"), "threshold");
  throwsNaming(() => new OptionValues({ threshold: "-1" }).int("threshold"), "threshold");
});

Deno.test("OptionValues: enums are case-insensitive and canonical", () => {
  const o = new OptionValues({ "symlink-policy": "follow", "full-remote-verification": "true" });
  assert.equal(o.enumValue("symlink-policy"), "Follow");
  assert.equal(o.enumValue("full-remote-verification"), "True");
  assert.equal(
    new OptionValues({ "full-remote-verification": "" }).enumValue("full-remote-verification"),
    "True",
  );
  assert.equal(o.enumValue("hardlink-policy"), "All");
  assert.throws(
    () => new OptionValues({ "symlink-policy": "x" }).enumValue("symlink-policy"),
    (e: unknown) => {
      assert.ok(e instanceof ArgumentError);
      assert.equal(
        (e as Error).message,
        "Invalid value 'x' for --symlink-policy. Allowed values: Store, Follow, Ignore",
      );
      return true;
    },
  );
});

Deno.test("OptionValues: flags, lists, time, versions", () => {
  const o = new OptionValues({
    "exclude-files-attributes": "hidden, temporary,Hidden",
    include: ["*.txt", "*.doc"],
    "ignore-filenames": "a:b",
    time: "2024-05-17",
    version: "0,2-3",
  });
  assert.deepEqual(o.flags("exclude-files-attributes"), ["Hidden", "Temporary"]);
  assert.deepEqual(o.list("include"), ["*.txt", "*.doc"]);
  assert.equal(o.str("include"), "*.doc");
  assert.deepEqual(o.list("ignore-filenames", ":"), ["a", "b"]);
  assert.deepEqual(o.time("time"), new Date(2024, 4, 17));
  assert.deepEqual(o.versions(), [0, 2, 3]);
  const now = new Date(2024, 0, 10);
  assert.deepEqual(new OptionValues({}).time("time", now), now); // default "now"
  throwsNaming(
    () =>
      new OptionValues({ "exclude-files-attributes": "Hidden,Bogus" }).flags(
        "exclude-files-attributes",
      ),
    "exclude-files-attributes",
    /Allowed values: ReadOnly/,
  );
  throwsNaming(() => new OptionValues({ time: "soon" }).time("time"), "time");
  throwsNaming(() => new OptionValues({ version: "x" }).versions(), "version");
});

Deno.test("OptionValues: with() and raw() do not alias", () => {
  const a = new OptionValues({ prefix: "a", include: ["x"] });
  const b = a.with({ prefix: "b", "remote-volume-size": "10mb", include: undefined });
  assert.equal(a.str("prefix"), "a");
  assert.equal(b.str("prefix"), "b");
  assert.equal(b.size("dblock-size"), 10 * 1024 * 1024);
  assert.equal(b.has("include"), false);
  const r = a.raw();
  (r.include as string[]).push("y");
  assert.deepEqual(a.list("include"), ["x"]);
});

Deno.test("OptionValues: validate() checks every known option", () => {
  new OptionValues({ blocksize: "1mb", "keep-time": "30D", "some-unknown": "zzz" }).validate();
  throwsNaming(() => new OptionValues({ "keep-time": "forever" }).validate(), "keep-time");
  throwsNaming(() => new OptionValues({ "retention-policy": "7D" }).validate(), "retention-policy");
  throwsNaming(
    () => new OptionValues({ "log-file-log-level": "loud" }).validate(),
    "log-file-log-level",
  );
});
