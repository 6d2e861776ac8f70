import assert from "node:assert/strict";
import {
  addTimespan,
  formatDotNetTimeSpan,
  formatDuration,
  parseRetentionPolicy,
  parseTimespan,
  parseTimespanParts,
  subtractTimespan,
} from "../../src/core/timespan.ts";
import { ArgumentError } from "../../src/core/errors.ts";

const S = 1000, MIN = 60 * S, H = 60 * MIN, D = 24 * H;

Deno.test("parseTimespan: single units", () => {
  assert.equal(parseTimespan("10s"), 10 * S);
  assert.equal(parseTimespan("5m"), 5 * MIN);
  assert.equal(parseTimespan("2h"), 2 * H);
  assert.equal(parseTimespan("30D"), 30 * D);
  assert.equal(parseTimespan("1W"), 7 * D);
  assert.equal(parseTimespan("1M"), 30 * D);
  assert.equal(parseTimespan("1Y"), 365 * D);
  assert.equal(parseTimespan("250ms"), 250);
  assert.equal(parseTimespan("1d"), D);
});

Deno.test("parseTimespan: composite, negative parts and bare numbers", () => {
  assert.equal(parseTimespan("1M4D3m"), 30 * D + 4 * D + 3 * MIN);
  assert.equal(parseTimespan("1D-1s"), D - S);
  assert.equal(parseTimespan("1h 30m"), 90 * MIN);
  assert.equal(parseTimespan("-2D"), -2 * D);
  assert.equal(parseTimespan("90"), 90 * S);
  assert.equal(parseTimespan("1.5h"), 90 * MIN);
  assert.equal(parseTimespan("5", "m"), 5 * MIN);
  assert.equal(parseTimespan("01:30:00"), 90 * MIN);
  assert.equal(parseTimespan("2.04:00:00"), 2 * D + 4 * H);
});

Deno.test("parseTimespan: M is months, m is minutes", () => {
  const parts = parseTimespanParts("1M1m");
  assert.deepEqual(parts, [{ value: 1, unit: "M" }, { value: 1, unit: "m" }]);
});

Deno.test("parseTimespan: junk throws ArgumentError", () => {
  for (const bad of ["", "abc", "1x", "1D junk", "D", "1D2"]) {
    assert.throws(() => parseTimespan(bad), ArgumentError, bad);
  }
});

Deno.test("subtractTimespan: calendar months and years", () => {
  const from = new Date(2024, 2, 31, 12, 0, 0); // 31 March 2024, local
  assert.deepEqual(subtractTimespan(from, "1M"), new Date(2024, 1, 29, 12, 0, 0));
  assert.deepEqual(subtractTimespan(from, "1Y1M"), new Date(2023, 1, 28, 12, 0, 0));
  assert.deepEqual(subtractTimespan(from, "13M"), new Date(2023, 1, 28, 12, 0, 0));
  assert.deepEqual(subtractTimespan(new Date(2024, 0, 15), "2M"), new Date(2023, 10, 15));
  assert.deepEqual(subtractTimespan(from, "1D-1s"), new Date(2024, 2, 30, 12, 0, 1));
  assert.deepEqual(subtractTimespan(from, "2W"), new Date(2024, 2, 17, 12, 0, 0));
  assert.deepEqual(subtractTimespan(from, "90"), new Date(2024, 2, 31, 11, 58, 30));
  assert.deepEqual(addTimespan(new Date(2024, 0, 31), "1M"), new Date(2024, 1, 29));
  assert.deepEqual(subtractTimespan(new Date(2024, 1, 29), "1Y"), new Date(2023, 1, 28));
});

Deno.test("parseRetentionPolicy", () => {
  const p = parseRetentionPolicy("3M:1D,7D:0s,U:2M");
  assert.deepEqual(p.map((b) => b.timeframe), ["7D", "3M", "U"]);
  assert.equal(p[0].intervalMs, 0);
  assert.equal(p[1].intervalMs, D);
  assert.equal(p[2].timeframeMs, Infinity);
  assert.equal(parseRetentionPolicy("1W:U")[0].intervalMs, 0);
  assert.throws(() => parseRetentionPolicy("7D"), ArgumentError);
  assert.throws(() => parseRetentionPolicy("7D:xx"), ArgumentError);
});

Deno.test("formatDuration", () => {
  assert.equal(formatDuration(850), "850ms");
  assert.equal(formatDuration(4200), "4.2s");
  assert.equal(formatDuration(45 * S), "45s");
  assert.equal(formatDuration(2 * MIN + 3 * S), "2m 03s");
  assert.equal(formatDuration(H + 2 * MIN + 3 * S), "1h 02m 03s");
  assert.equal(formatDuration(3 * D + 4 * H + 5 * MIN), "3d 04h 05m");
  assert.equal(formatDuration(Infinity), "?");
  assert.equal(formatDuration(-65 * S), "-1m 05s");
});

Deno.test("formatDotNetTimeSpan: .NET TimeSpan.ToString() as Duplicati stores durations", () => {
  assert.equal(formatDotNetTimeSpan(0), "00:00:00");
  assert.equal(formatDotNetTimeSpan(62_123.4567), "00:01:02.1234567");
  assert.equal(formatDotNetTimeSpan(1500), "00:00:01.5000000");
  assert.equal(formatDotNetTimeSpan(H + 2 * MIN + 3 * S), "01:02:03");
  assert.equal(formatDotNetTimeSpan(D + 2 * H + 3 * MIN + 4 * S), "1.02:03:04");
  assert.equal(formatDotNetTimeSpan(-1500), "-00:00:01.5000000");
});
