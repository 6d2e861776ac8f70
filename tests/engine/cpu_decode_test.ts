import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { type DecodeItem, runCpuJob } from "../../src/engine/cpu_worker.ts";
import { CpuPool } from "../../src/engine/cpu_pool.ts";
import { crc32 } from "../../src/format/zip.ts";
import type { Bytes } from "../../src/core/bytes.ts";

/** A stored, a deflated and a corrupt block, all read into one buffer as a restore does. */
function batch(): { items: DecodeItem[]; contents: Uint8Array[]; raw: Bytes } {
  const stored = crypto.getRandomValues(new Uint8Array(5000));
  const text = new TextEncoder().encode("a compressible block ".repeat(400));
  const deflated = new Uint8Array(deflateRawSync(text));
  const raw: Bytes = new Uint8Array(stored.length + deflated.length * 2);
  raw.set(stored, 0);
  raw.set(deflated, stored.length);
  raw.set(deflated, stored.length + deflated.length);
  raw[stored.length + deflated.length + 3] ^= 0xff; // the third block is damaged
  const at = (o: number, n: number) => raw.subarray(o, o + n);
  const entry = (name: string, method: number, data: Uint8Array) => ({
    name,
    method,
    flags: 0,
    compressedSize: method === 0 ? data.length : deflated.length,
    uncompressedSize: data.length,
    crc32: crc32(data),
  });
  return {
    items: [
      { entry: entry("s", 0, stored), raw: at(0, stored.length), hash: true },
      { entry: entry("d", 8, text), raw: at(stored.length, deflated.length), hash: true },
      {
        entry: entry("x", 8, text),
        raw: at(stored.length + deflated.length, deflated.length),
        hash: false,
      },
    ],
    contents: [stored, text],
    raw,
  };
}

const sha = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());

function check(r: Awaited<ReturnType<typeof runCpuJob>>, contents: Uint8Array[]) {
  if (r.op !== "decode") throw new Error("not a decode result");
  const [s, d, x] = r.decoded;
  assert.deepEqual(s.data, contents[0]);
  assert.deepEqual(new Uint8Array(s.hash!), sha(contents[0]));
  assert.deepEqual(d.data, contents[1]);
  assert.deepEqual(new Uint8Array(d.hash!), sha(contents[1]));
  assert.match(x.error ?? "", /corrupt/);
  return r;
}

Deno.test("decode jobs place inflated blocks and hashes in the given output buffer", async () => {
  const { items, contents, raw } = batch();
  const out = new Uint8Array(64 << 10);
  const r = check(await runCpuJob({ op: "decode", label: "v", items, out }), contents);
  if (r.op !== "decode") return;
  const [s, d] = r.decoded;
  assert.equal(s.data!.buffer, raw.buffer, "a stored block is a view of the input");
  assert.equal(d.data!.buffer, out.buffer, "an inflated block is a view of the output buffer");
  assert.equal(s.hash!.buffer, out.buffer);
  assert.deepEqual(r.buffers.map((b) => b.buffer), [raw.buffer, out.buffer]);
  // Without room in the output buffer the results are still right, in their own memory.
  const small = new Uint8Array(16);
  check(await runCpuJob({ op: "decode", label: "v", items, out: small }), contents);
  check(await runCpuJob({ op: "decode", label: "v", items }), contents);
});

Deno.test("decode jobs in a worker hand both buffers back by transfer", async () => {
  const pool = new CpuPool(1);
  try {
    await pool.ready();
    assert.equal(pool.size, 1);
    const { items, contents, raw } = batch();
    const out = new Uint8Array(64 << 10);
    const sizes = [raw.length, out.length];
    const r = check(
      await pool.run({ op: "decode", label: "v", items, out }, [raw.buffer, out.buffer]),
      contents,
    );
    assert.equal(raw.buffer.byteLength, 0, "the input went to the worker");
    if (r.op !== "decode") return;
    assert.deepEqual(r.buffers.map((b) => b.length), sizes);
    assert.equal(r.decoded[1].data!.buffer, r.buffers[1].buffer);
  } finally {
    pool.close();
  }
});
