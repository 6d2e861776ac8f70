import assert from "node:assert/strict";
import { parseCommandLine } from "../../src/cli/args.ts";
import { ArgumentError, UserError } from "../../src/core/errors.ts";
import { pathListSeparator } from "../../src/core/filters.ts";

const noEnv = {};

Deno.test("args: command, positionals and options anywhere", () => {
  const r = parseCommandLine(
    ["--dry-run", "BACKUP", "file:///mnt/b", "--blocksize=500kb", "/home/me", "/etc"],
    noEnv,
  );
  assert.equal(r.command, "backup");
  assert.deepEqual(r.positionals, ["file:///mnt/b", "/home/me", "/etc"]);
  assert.deepEqual(r.options, { "dry-run": "true", blocksize: "500kb" });
  assert.deepEqual(r.filters, []);
  assert.deepEqual(r.warnings, []);
});

Deno.test("args: no space-separated values, quotes stripped, names case-insensitive", () => {
  const r = parseCommandLine(
    ["restore", "url", "--overwrite", "x", '--Restore-Path="/tmp/a b"'],
    noEnv,
  );
  assert.deepEqual(r.positionals, ["url", "x"]);
  assert.equal(r.options.overwrite, "true");
  assert.equal(r.options["restore-path"], "/tmp/a b");
});

Deno.test("args: empty argv and --help mean help", () => {
  assert.equal(parseCommandLine([], noEnv).command, "help");
  const r = parseCommandLine(["backup", "--help"], noEnv);
  assert.equal(r.command, "help");
  assert.deepEqual(r.positionals, ["backup"]);
});

Deno.test("args: aliases resolve to canonical names; last value wins", () => {
  const r = parseCommandLine(
    ["backup", "u", "--remote-volume-size=10mb", "--dryrun", "--prefix=a", "--prefix=b"],
    noEnv,
  );
  assert.equal(r.options["dblock-size"], "10mb");
  assert.equal(r.options["dry-run"], "true");
  assert.equal(r.options.prefix, "b");
  assert.equal(r.options["remote-volume-size"], undefined);
});

Deno.test("args: include/exclude keep command-line order", () => {
  const r = parseCommandLine(
    [
      "backup",
      "u",
      "/src",
      "--exclude=*.tmp",
      "--include=*/keep.tmp",
      "--exclude=[.*\\.bak]",
      "--default-filters=CacheFiles",
      "--include=@/x?y",
    ],
    noEnv,
  );
  assert.deepEqual(r.filters, [
    { include: false, kind: "glob", pattern: "*.tmp" },
    { include: true, kind: "glob", pattern: "*/keep.tmp" },
    { include: false, kind: "regex", pattern: ".*\\.bak" },
    { include: false, kind: "group", pattern: "CacheFiles" },
    { include: true, kind: "literal", pattern: "/x?y" },
  ]);
  assert.deepEqual(r.options.exclude, ["*.tmp", "[.*\\.bak]"]);
  assert.deepEqual(r.options.include, ["*/keep.tmp", "@/x?y"]);
});

Deno.test("args: filters expand environment variables", () => {
  const r = parseCommandLine(["backup", "u", "/s", "--exclude=$HOME/.cache/"], {
    HOME: "/home/me",
  });
  assert.deepEqual(r.filters, [{ include: false, kind: "glob", pattern: "/home/me/.cache/" }]);
});

Deno.test("args: unknown options warn and are kept", () => {
  const r = parseCommandLine(["backup", "u", "/s", "--frobnicate=3", "--ssh-fingerprint=x"], noEnv);
  assert.deepEqual(r.warnings, [
    "The supplied option --frobnicate is not supported and will be ignored",
    "The supplied option --ssh-fingerprint is not supported and will be ignored",
  ]);
  assert.equal(r.options.frobnicate, "3");
});

Deno.test("args: deprecated options warn", () => {
  const r = parseCommandLine(["backup", "u", "/s", "--log-level=Information"], noEnv);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /deprecated/);
});

Deno.test("args: environment fallbacks for secrets", () => {
  const env = { PASSPHRASE: "s3cret", AUTH_USERNAME: "bob", AUTH_PASSWORD: "pw" };
  const r = parseCommandLine(["backup", "u", "/s"], env);
  assert.equal(r.options.passphrase, "s3cret");
  assert.equal(r.options["auth-username"], "bob");
  assert.equal(r.options["auth-password"], "pw");
  const explicit = parseCommandLine(["backup", "u", "/s", "--passphrase=given"], env);
  assert.equal(explicit.options.passphrase, "given");
});

Deno.test("args: bad values fail with ArgumentError (exit 200) naming the option", () => {
  const cases: Array<[string, string]> = [
    ["--blocksize=abc", "blocksize"],
    ["--keep-time=soon", "keep-time"],
    ["--zip-compression-level=11", "zip-compression-level"],
    ["--symlink-policy=maybe", "symlink-policy"],
    ["--overwrite=perhaps", "overwrite"],
    ["--version=x", "version"],
    ["--time=whenever", "time"],
  ];
  for (const [arg, name] of cases) {
    assert.throws(() => parseCommandLine(["backup", "u", "/s", arg], noEnv), (e: unknown) => {
      assert.ok(e instanceof ArgumentError, arg);
      assert.equal((e as ArgumentError).exitCode, 200);
      assert.match((e as Error).message, new RegExp(`--${name}`));
      return true;
    });
  }
  assert.throws(() => parseCommandLine(["backup", "u", "--exclude=[(bad]"], noEnv), ArgumentError);
  assert.throws(() => parseCommandLine(["backup", "u", "--include"], noEnv), ArgumentError);
});

Deno.test("args: --main-action is rejected", () => {
  assert.throws(
    () => parseCommandLine(["backup", "u", "--main-action=Restore"], noEnv),
    (e: unknown) => e instanceof ArgumentError && (e as ArgumentError).exitCode === 200,
  );
});

Deno.test("args: parameters file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sep = pathListSeparator();
    const file = `${dir}/params.txt`;
    await Deno.writeTextFile(
      file,
      [
        "# my backup",
        "--target=file:///mnt/backup",
        "--source=/home/me",
        "--source=/etc",
        "--dblock-size=20mb",
        "--prefix=fromfile",
        "--exclude=*.tmp",
        `--append-filter=+*.keep${sep}-*.bak`,
        "",
        "stray line",
      ].join("\r\n"),
    );
    const r = parseCommandLine(["backup", `--parameters-file=${file}`, "--prefix=explicit"], noEnv);
    assert.equal(r.command, "backup");
    assert.deepEqual(r.positionals, ["file:///mnt/backup", "/home/me", "/etc"]);
    assert.equal(r.options["dblock-size"], "20mb");
    assert.equal(r.options.prefix, "explicit"); // explicit arguments win
    assert.deepEqual(r.filters, [
      { include: false, kind: "glob", pattern: "*.tmp" },
      { include: true, kind: "glob", pattern: "*.keep" },
      { include: false, kind: "glob", pattern: "*.bak" },
    ]);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /stray line/);

    // explicit URL wins over target=, alias parameterfile works
    const r2 = parseCommandLine(["backup", "ssh://h/p", `--parameterfile=${file}`], noEnv);
    assert.deepEqual(r2.positionals, ["ssh://h/p", "/home/me", "/etc"]);

    // sources are ignored for other commands
    const r3 = parseCommandLine(["list-filesets", `--parameters-file=${file}`], noEnv);
    assert.deepEqual(r3.positionals, ["file:///mnt/backup"]);

    // filters in both places are refused (exit 100)
    assert.throws(
      () => parseCommandLine(["backup", `--parameters-file=${file}`, "--include=*.x"], noEnv),
      (e: unknown) => e instanceof UserError && (e as UserError).exitCode === 100,
    );

    // bad values in the file are still validated
    await Deno.writeTextFile(file, "--blocksize=huge\n");
    assert.throws(
      () => parseCommandLine(["backup", "u", "/s", `--parameters-file=${file}`], noEnv),
      ArgumentError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.throws(
    () => parseCommandLine(["backup", "--parameters-file=/nonexistent/params.txt"], noEnv),
    (e: unknown) => e instanceof UserError && (e as UserError).exitCode === 100,
  );
});
