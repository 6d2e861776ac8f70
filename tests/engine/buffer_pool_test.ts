import assert from "node:assert/strict";
import { BufferPool } from "../../src/engine/buffer_pool.ts";

Deno.test("BufferPool: reuses the smallest buffer that fits, allocates when none does", () => {
  const pool = new BufferPool(1024, 3);
  const a = pool.take(10);
  assert.equal(a.length, 1024, "new buffers have at least the pool size");
  const big = pool.take(70_000);
  assert.equal(big.length, 131_072, "larger requests are rounded up to 64 KiB");
  pool.give(big);
  pool.give(a.subarray(5, 9)); // any view hands back the whole buffer
  assert.equal(pool.free, 2);
  const again = pool.take(100);
  assert.equal(again.buffer, a.buffer, "the smallest fitting buffer is taken");
  assert.equal(again.length, 1024);
  assert.equal(pool.take(2000).buffer, big.buffer);
  assert.equal(pool.free, 0);
  assert.notEqual(pool.take(1).buffer, a.buffer, "an empty pool allocates");
});

Deno.test("BufferPool: drops detached buffers, duplicates and buffers beyond its limit", () => {
  const pool = new BufferPool(16, 2);
  const moved = pool.take(1);
  structuredClone(moved.buffer, { transfer: [moved.buffer] });
  pool.give(moved);
  assert.equal(pool.free, 0, "a transferred (detached) buffer is not kept");
  const a = pool.take(1);
  pool.give(a);
  pool.give(a);
  assert.equal(pool.free, 1, "the same buffer is kept once");
  pool.give(pool.take(100));
  pool.give(new Uint8Array(16));
  assert.equal(pool.free, 2, "at most `keep` buffers are kept");
});
