/**
 * Version selection of `delete` with fixed clocks: --keep-versions, --keep-time, --version and
 * --retention-policy, with full and partial versions, as Duplicati's DeleteHandler decides.
 */
import assert from "node:assert/strict";
import { selectVersionsToDelete } from "../../src/engine/retention.ts";
import type { RetentionRules, RetentionVersion } from "../../src/engine/retention.ts";
import { retentionRules } from "../../src/engine/retention.ts";
import { OptionValues } from "../../src/core/option_values.ts";

const DAY = 86_400_000;
const NOW = new Date("2024-06-01T12:00:00Z");

/** Versions `k` days before NOW (newest first), all full unless listed in `partial`. */
function daily(days: number[], partial: number[] = []): RetentionVersion[] {
  return [...days].sort((a, b) => a - b).map((k) => ({
    time: NOW.getTime() - k * DAY,
    isFullBackup: !partial.includes(k),
  }));
}

/** The day offsets that are kept. */
function kept(versions: RetentionVersion[], rules: RetentionRules): number[] {
  const del = new Set(selectVersionsToDelete(versions, rules, NOW));
  return versions.filter((v) => !del.has(v.time)).map((v) => (NOW.getTime() - v.time) / DAY);
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

Deno.test("--keep-versions keeps the newest N full versions", () => {
  assert.deepEqual(kept(daily(range(0, 9)), { keepVersions: 3 }), [0, 1, 2]);
  assert.deepEqual(kept(daily(range(0, 9)), { keepVersions: 0 }), range(0, 9));
  assert.deepEqual(kept(daily(range(0, 2)), { keepVersions: 5 }), [0, 1, 2]);
});

Deno.test("--keep-versions counts only full versions and keeps partials newer than the next full", () => {
  // Days 1 and 4 are partial: the 3 full ones kept are 0, 2, 3; partial 1 lies between them;
  // partial 4 precedes the next full version (5), so it is kept too; 5.. are deleted.
  assert.deepEqual(kept(daily(range(0, 7), [1, 4]), { keepVersions: 3 }), [0, 1, 2, 3, 4]);
});

Deno.test("--keep-time deletes versions older than the span, with Duplicati's 1% tolerance", () => {
  const v = daily([0, 1, 2, 5, 9, 10, 11, 30]);
  assert.deepEqual(kept(v, { keepTime: "10D" }), [0, 1, 2, 5, 9, 10]);
  // Tolerance is 1% of the span, at most 1 h: 10 days and 50 minutes old is still kept (and
  // goes without tolerance); 10 days and 2 hours old goes.
  const edge = [{ time: NOW.getTime(), isFullBackup: true }, {
    time: NOW.getTime() - 10 * DAY - 50 * 60_000,
    isFullBackup: true,
  }];
  const older = [edge[0], { time: NOW.getTime() - 10 * DAY - 2 * 3600_000, isFullBackup: true }];
  assert.equal(selectVersionsToDelete(older, { keepTime: "10D" }, NOW).length, 1);
  assert.equal(selectVersionsToDelete(edge, { keepTime: "10D" }, NOW).length, 0);
  assert.equal(
    selectVersionsToDelete(edge, { keepTime: "10D", disableTimeTolerance: true }, NOW).length,
    1,
  );
});

Deno.test("--version deletes the named versions; the newest survives unless --allow-full-removal", () => {
  const v = daily(range(0, 4));
  assert.deepEqual(kept(v, { versions: [1, 3, 9] }), [0, 2, 4]);
  assert.deepEqual(kept(v, { versions: [0, 1, 2, 3, 4] }), [0]);
  assert.deepEqual(kept(v, { versions: [0, 1, 2, 3, 4], allowFullRemoval: true }), []);
  assert.deepEqual(kept(v, { versions: [0] }), [1, 2, 3, 4]);
});

Deno.test("rules combine: deleted when any rule says so", () => {
  assert.deepEqual(kept(daily(range(0, 9)), { keepVersions: 5, keepTime: "3D" }), [0, 1, 2, 3]);
  assert.deepEqual(kept(daily(range(0, 9)), { keepVersions: 2, versions: [0] }), [1, 2]);
});

Deno.test("--retention-policy 1W:1D,4W:1W,12M:1M on 400 daily versions", () => {
  const rules: RetentionRules = {
    policy: [
      { timeframe: "1W", interval: "1D" },
      { timeframe: "4W", interval: "1W" },
      { timeframe: "12M", interval: "1M" },
    ],
  };
  // Newest kept; last week one a day; weeks 2-4 one a week counted from the oldest in the frame;
  // up to 12 months (365 days from 2024-06-01) one per month (30 days) from the oldest; older
  // versions are outside every frame and go.
  const expected = [0, ...range(1, 7), 14, 21, 28, ...range(0, 11).map((j) => 365 - 30 * j)]
    .sort((a, b) => a - b);
  assert.deepEqual(kept(daily(range(0, 399)), rules), expected);
});

Deno.test("--retention-policy: U timeframe, keep-all interval, partials inside frames kept", () => {
  // U:1W keeps one a week forever (from the oldest).
  assert.deepEqual(
    kept(daily(range(0, 20)), { policy: [{ timeframe: undefined, interval: "1W" }] }),
    [0, 6, 13, 20],
  );
  // 2D:U keeps everything within 2 days; older ones go.
  assert.deepEqual(
    kept(daily(range(0, 5)), { policy: [{ timeframe: "2D", interval: undefined }] }),
    [0, 1, 2],
  );
  // A partial version inside a frame is kept and does not count as the kept one of its interval.
  assert.deepEqual(
    kept(daily(range(0, 6), [5]), { policy: [{ timeframe: "1W", interval: "3D" }] }),
    [0, 3, 5, 6],
  );
});

Deno.test("--retention-policy: the newest is deleted only with --allow-full-removal and outside every frame", () => {
  const old = [{ time: NOW.getTime() - 10 * DAY, isFullBackup: true }, {
    time: NOW.getTime() - 11 * DAY,
    isFullBackup: true,
  }];
  const policy = [{ timeframe: "1D", interval: "1h" }];
  assert.equal(selectVersionsToDelete(old, { policy }, NOW).length, 1);
  assert.equal(selectVersionsToDelete(old, { policy, allowFullRemoval: true }, NOW).length, 2);
});

Deno.test("options are read and bad policies are refused with a clear message", () => {
  const r = retentionRules(
    new OptionValues({ "retention-policy": "1W:1D,U:1M", "keep-versions": "4" }),
  );
  assert.deepEqual(r.policy, [
    { timeframe: "1W", interval: "1D" },
    { timeframe: undefined, interval: "1M" },
  ]);
  assert.equal(r.keepVersions, 4);
  assert.throws(
    () => retentionRules(new OptionValues({ "retention-policy": "1W-1D" })),
    /timeframe:interval/,
  );
});
