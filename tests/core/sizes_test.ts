import assert from "node:assert/strict";
import { formatSize, parseSize } from "../../src/core/sizes.ts";
import { ArgumentError } from "../../src/core/errors.ts";

Deno.test("parseSize: units are binary and case-insensitive", () => {
  assert.equal(parseSize("0"), 0);
  assert.equal(parseSize("100"), 100);
  assert.equal(parseSize("100b"), 100);
  assert.equal(parseSize("1kb"), 1024);
  assert.equal(parseSize("1KB"), 1024);
  assert.equal(parseSize("50mb"), 50 * 1024 * 1024);
  assert.equal(parseSize("50MB"), 50 * 1024 * 1024);
  assert.equal(parseSize("2gb"), 2 * 1024 ** 3);
  assert.equal(parseSize("1tb"), 1024 ** 4);
  assert.equal(parseSize(" 100 kb "), 102400);
  assert.equal(parseSize("1MiB"), 1024 * 1024);
  assert.equal(parseSize("4k"), 4096);
});

Deno.test("parseSize: decimals and default unit", () => {
  assert.equal(parseSize("1.5mb"), 1.5 * 1024 * 1024);
  assert.equal(parseSize(".5kb"), 512);
  assert.equal(parseSize("0.1b"), 0);
  assert.equal(parseSize("50", "mb"), 50 * 1024 * 1024);
  assert.equal(parseSize("100", "kb"), 102400);
  assert.equal(parseSize("100b", "mb"), 100);
});

Deno.test("parseSize: junk throws ArgumentError (exit 200)", () => {
  for (const bad of ["", "abc", "mb", "-1mb", "1.2.3kb", "10 xb", "1e3", "5 m b"]) {
    assert.throws(() => parseSize(bad), (e: unknown) => {
      assert.ok(e instanceof ArgumentError, bad);
      assert.equal((e as ArgumentError).exitCode, 200);
      return true;
    });
  }
});

Deno.test("formatSize: binary units with two decimals", () => {
  assert.equal(formatSize(0), "0 bytes");
  assert.equal(formatSize(1023), "1023 bytes");
  assert.equal(formatSize(1024), "1.00 KB");
  assert.equal(formatSize(1536), "1.50 KB");
  assert.equal(formatSize(1.23 * 1024 * 1024), "1.23 MB");
  assert.equal(formatSize(50 * 1024 ** 3), "50.00 GB");
  assert.equal(formatSize(2 * 1024 ** 4), "2.00 TB");
  assert.equal(formatSize(1024 * 1024 - 1), "1.00 MB");
  assert.equal(formatSize(-2048), "-2.00 KB");
});
