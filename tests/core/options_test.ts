import assert from "node:assert/strict";
import { allOptions, findOption, OPTIONS, registerOptions } from "../../src/core/options.ts";
import { OptionValues } from "../../src/core/option_values.ts";

Deno.test("options: names and aliases are unique and lower case", () => {
  const seen = new Set<string>();
  for (const o of OPTIONS) {
    for (const n of [o.name, ...(o.aliases ?? [])]) {
      assert.equal(n, n.toLowerCase(), n);
      assert.ok(!seen.has(n), `duplicate ${n}`);
      seen.add(n);
    }
    assert.ok(o.summary.length > 15, `summary of ${o.name}`);
    if (o.type === "enum" || o.type === "flags") assert.ok(o.values?.length, o.name);
  }
});

Deno.test("options: every default parses with its own type", () => {
  for (const o of OPTIONS) {
    if (o.default === undefined) continue;
    const v = new OptionValues({ [o.name]: o.default });
    assert.doesNotThrow(() => v.validate(), `default of --${o.name}`);
  }
});

Deno.test("options: key defaults", () => {
  const d = (n: string) => findOption(n)?.default;
  assert.equal(d("blocksize"), "1mb");
  assert.equal(d("dblock-size"), "50mb");
  assert.equal(findOption("remote-volume-size")?.name, "dblock-size");
  assert.equal(d("zip-compression-level"), "2");
  assert.match(findOption("zip-compression-level")!.description!, /faster/);
  assert.equal(d("encryption-module"), "aes");
  assert.equal(d("compression-module"), "zip");
  assert.equal(d("prefix"), "duplicati");
  assert.equal(d("ignore-filenames"), "CACHEDIR.TAG");
  assert.equal(d("threshold"), "25");
  assert.equal(d("index-file-policy"), "Full");
  assert.equal(findOption("dryrun")?.name, "dry-run");
  assert.equal(findOption("--PARAMETERFILE")?.name, "parameters-file");
  assert.equal(findOption("nope"), undefined);
  for (
    const n of [
      "passphrase",
      "keep-versions",
      "keep-time",
      "retention-policy",
      "allow-full-removal",
      "small-file-size",
      "small-file-max-count",
      "no-auto-compact",
      "auto-compact-interval",
      "auto-cleanup",
      "no-backend-verification",
      "backup-test-samples",
      "backup-test-percentage",
      "full-remote-verification",
      "upload-verification-file",
      "number-of-retries",
      "retry-delay",
      "asynchronous-upload-limit",
      "throttle-upload",
      "read-write-timeout",
      "symlink-policy",
      "hardlink-policy",
      "exclude-files-attributes",
      "skip-files-larger-than",
      "exclude-empty-folders",
      "allow-missing-source",
      "check-filetime-only",
      "disable-filetime-check",
      "upload-unchanged-backups",
      "time",
      "version",
      "all-versions",
      "restore-path",
      "overwrite",
      "restore-permissions",
      "skip-metadata",
      "skip-restore-verification",
      "no-local-db",
      "log-file",
      "log-file-log-level",
      "console-log-level",
      "debug-output",
      "quota-size",
      "backup-name",
      "backup-id",
      "machine-id",
      "machine-name",
      "run-script-before",
      "run-script-after",
      "send-mail-to",
      "send-http-url",
      "include",
      "exclude",
      "full-result",
      "list-sets-only",
      "server-datafolder",
      "portable-mode",
      "quiet-console",
      "control-files",
      "dont-compress-restore-paths",
      "block-hash-algorithm",
      "file-hash-algorithm",
      "auth-username",
      "auth-password",
      "progress",
      "dbpath",
      "tempdir",
    ]
  ) assert.ok(findOption(n), n);
});

Deno.test("options: registerOptions adds pluggable options", () => {
  const before = allOptions().length;
  registerOptions([{
    name: "test-only-ssh-fingerprint",
    type: "string",
    category: "remote",
    summary: "Fingerprint used only by this test.",
  }]);
  assert.equal(allOptions().length, before + 1);
  assert.equal(findOption("test-only-ssh-fingerprint")?.type, "string");
  assert.throws(() =>
    registerOptions([{ name: "prefix", type: "string", category: "remote", summary: "dup" }])
  );
});
