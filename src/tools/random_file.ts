/** Random test files with their SHA-256, for the backend tester (and the backend tests). */
import { createHash } from "node:crypto";
import { join } from "node:path";

/** Writes `size` random bytes to a new file in `dir`; returns its path and SHA-256 (hex). */
export async function randomFile(
  dir: string,
  size: number,
): Promise<{ path: string; sha256: string }> {
  const path = join(dir, crypto.randomUUID());
  const h = createHash("sha256");
  const f = await Deno.open(path, { write: true, create: true });
  try {
    const buf = new Uint8Array(64 * 1024);
    for (let left = size; left > 0;) {
      const n = Math.min(left, buf.length);
      crypto.getRandomValues(buf.subarray(0, n));
      h.update(buf.subarray(0, n));
      let o = 0;
      while (o < n) o += await f.write(buf.subarray(o, n));
      left -= n;
    }
  } finally {
    f.close();
  }
  return { path, sha256: h.digest("hex") };
}

/** SHA-256 (hex) of a local file. */
export async function hashFile(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const c of (await Deno.open(path)).readable) h.update(c);
  return h.digest("hex");
}
