import assert from "node:assert/strict";
import { compareVersions, isVersion, programTarget } from "../../src/core/version.ts";

Deno.test("compareVersions: numeric parts, pre-releases before releases", () => {
  const ordered = [
    "0.1.0-alpha",
    "0.1.0-alpha.1",
    "0.1.0-alpha.beta",
    "0.1.0-beta.2",
    "0.1.0-beta.11",
    "0.1.0-rc.1",
    "0.1.0",
    "0.1.1",
    "0.9.9",
    "0.10.0",
    "1.0.0",
    "2.1.0.5",
  ];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      assert.equal(
        Math.sign(compareVersions(ordered[i], ordered[j])),
        Math.sign(i - j),
        `${ordered[i]} vs ${ordered[j]}`,
      );
    }
  }
  assert.equal(compareVersions("1.2", "1.2.0"), 0);
  assert.equal(compareVersions("v1.2.3", "1.2.3+build.7"), 0);
  assert.ok(isVersion("2.1.0.5"));
  assert.ok(!isVersion("latest"));
  assert.throws(() => compareVersions("1.x", "1.0"), /not a version/);
  assert.match(programTarget(), /^(linux|windows|macos)-(x64|arm64)$/);
});
