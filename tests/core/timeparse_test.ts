import assert from "node:assert/strict";
import { parseTimeValue, parseVersionList } from "../../src/core/timeparse.ts";
import { ArgumentError } from "../../src/core/errors.ts";

const now = new Date(2024, 4, 17, 12, 30, 0); // 17 May 2024 12:30 local

Deno.test("parseTimeValue: now and Unix seconds", () => {
  assert.deepEqual(parseTimeValue("now", now), now);
  assert.deepEqual(parseTimeValue("NOW", now), now);
  assert.deepEqual(parseTimeValue("1715950000", now), new Date(1715950000 * 1000));
  assert.deepEqual(parseTimeValue("1715950000123", now), new Date(1715950000123));
});

Deno.test("parseTimeValue: ISO-8601 with and without zone", () => {
  assert.deepEqual(parseTimeValue("2024-05-17"), new Date(2024, 4, 17));
  assert.deepEqual(parseTimeValue("2024-05-17T13:45"), new Date(2024, 4, 17, 13, 45));
  assert.deepEqual(parseTimeValue("2024-05-17 13:45:10"), new Date(2024, 4, 17, 13, 45, 10));
  assert.deepEqual(parseTimeValue("2024-05-17T13:45:10.5"), new Date(2024, 4, 17, 13, 45, 10, 500));
  assert.deepEqual(parseTimeValue("2024-05-17T13:45:00Z"), new Date(Date.UTC(2024, 4, 17, 13, 45)));
  assert.deepEqual(
    parseTimeValue("2024-05-17T13:45:00+02:00"),
    new Date(Date.UTC(2024, 4, 17, 11, 45)),
  );
  assert.deepEqual(
    parseTimeValue("2024-05-17T13:45:00-0130"),
    new Date(Date.UTC(2024, 4, 17, 15, 15)),
  );
});

Deno.test("parseTimeValue: Duplicati file stamp", () => {
  assert.deepEqual(parseTimeValue("20240517T134500Z"), new Date(Date.UTC(2024, 4, 17, 13, 45)));
  assert.deepEqual(parseTimeValue("20240517T134500"), new Date(2024, 4, 17, 13, 45));
});

Deno.test("parseTimeValue: common date formats", () => {
  assert.deepEqual(parseTimeValue("2024/05/17"), new Date(2024, 4, 17));
  assert.deepEqual(parseTimeValue("17.05.2024 13:45"), new Date(2024, 4, 17, 13, 45));
  assert.deepEqual(parseTimeValue("05/17/2024"), new Date(2024, 4, 17));
  assert.deepEqual(parseTimeValue("17/05/2024"), new Date(2024, 4, 17));
  assert.deepEqual(parseTimeValue("05/17/2024 1:45 PM"), new Date(2024, 4, 17, 13, 45));
  assert.deepEqual(parseTimeValue("17 May 2024 13:45"), new Date(2024, 4, 17, 13, 45));
  assert.deepEqual(parseTimeValue("09:15", now), new Date(2024, 4, 17, 9, 15));
});

Deno.test("parseTimeValue: relative timespans mean 'that long ago'", () => {
  assert.deepEqual(parseTimeValue("2D", now), new Date(2024, 4, 15, 12, 30));
  assert.deepEqual(parseTimeValue("-2D", now), new Date(2024, 4, 15, 12, 30));
  assert.deepEqual(parseTimeValue("1M", now), new Date(2024, 3, 17, 12, 30));
  assert.deepEqual(parseTimeValue("1h30m", now), new Date(2024, 4, 17, 11, 0));
});

Deno.test("parseTimeValue: junk gives a helpful ArgumentError", () => {
  for (const bad of ["", "yesterday-ish", "2024-13-01", "2024-02-30", "1.5", "25:00"]) {
    assert.throws(() => parseTimeValue(bad, now), (e: unknown) => {
      assert.ok(e instanceof ArgumentError, bad);
      assert.match((e as Error).message, /2024-05-17/);
      return true;
    });
  }
});

Deno.test("parseVersionList", () => {
  assert.deepEqual(parseVersionList("0"), [0]);
  assert.deepEqual(parseVersionList("0,2-4"), [0, 2, 3, 4]);
  assert.deepEqual(parseVersionList(" 3 , 1 , 3 "), [1, 3]);
  assert.deepEqual(parseVersionList("4-2"), [2, 3, 4]);
  assert.deepEqual(parseVersionList(""), []);
  for (const bad of ["a", "-1", "1-", "1.5", "0-9999999"]) {
    assert.throws(() => parseVersionList(bad), ArgumentError, bad);
  }
});
