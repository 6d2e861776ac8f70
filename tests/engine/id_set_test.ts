import assert from "node:assert/strict";
import { IdSet } from "../../src/engine/id_set.ts";

Deno.test("IdSet: members, non-members and growth far past the first allocation", () => {
  const s = new IdSet();
  const ids = [0, 1, 7, 8, 9, 8191, 8192, 100_003, 2_500_000];
  for (const id of ids) s.add(id);
  for (const id of ids) assert.ok(s.has(id), `has ${id}`);
  for (const id of [2, 6, 10, 8190, 8193, 100_002, 100_004, 2_499_999, 2_500_001, 9_999_999]) {
    assert.ok(!s.has(id), `lacks ${id}`);
  }
  assert.equal(s.size, ids.length);
  s.add(2);
  assert.ok(s.has(2) && s.has(1) && !s.has(3));
  s.add(2);
  s.add(2_500_000);
  assert.equal(s.size, ids.length + 1, "adding a member again does not count");
});
