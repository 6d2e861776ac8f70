/** Shared parts of the backend benchmarks: timing, the test file, our side and the raw client. */
import { openBackend } from "../src/backends/registry.ts";

/** One line of a backend benchmark: MB/s up and down for one client. */
export interface Row {
  backend: string;
  client: string;
  up: number;
  down: number;
}

/** Timing for files of `size` bytes, best of `runs`. */
export function measure(size: number, runs: number) {
  /** MB/s (10^6 bytes) of the fastest of `runs` calls of `fn`. */
  async function best(fn: () => Promise<void>): Promise<number> {
    let bestS = Infinity;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await fn();
      bestS = Math.min(bestS, (performance.now() - t) / 1000);
    }
    return size / 1e6 / bestS;
  }
  /** Our backend through `openBackend` (with its decorators): upload then download of `file`. */
  async function ours(
    backend: string,
    url: string,
    opts: Record<string, string>,
    file: string,
    out: string,
  ): Promise<Row> {
    const b = openBackend(url, opts);
    await b.createFolder();
    const up = await best(() => b.put("ours.bin", file));
    const down = await best(() => b.get("ours.bin", out));
    await b.delete("ours.bin");
    await b.close();
    return { backend, client: "ours", up, down };
  }
  return { best, ours };
}

/**
 * Runs a raw client; throws with its stderr when it fails. With `env`, the child gets only PATH
 * and `env` (a CA bundle from the environment makes rclone's S3 client refuse its own transport).
 */
export async function sh(
  cmd: string,
  args: string[],
  env?: Record<string, string>,
  stdin?: string,
): Promise<void> {
  const c = new Deno.Command(cmd, {
    args,
    env: env ? { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...env } : undefined,
    clearEnv: env !== undefined,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = c.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const r = await c.output();
  if (!r.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(r.stderr)}`);
}

/** Writes `size` random (incompressible) bytes to `path`. */
export async function writeBenchFile(path: string, size: number): Promise<void> {
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  const buf = new Uint8Array(1 << 20);
  for (let left = size; left > 0; left -= buf.length) {
    for (let o = 0; o < buf.length; o += 65536) crypto.getRandomValues(buf.subarray(o, o + 65536));
    await f.write(buf.subarray(0, Math.min(left, buf.length)));
  }
  f.close();
}

/** Prints the result table (markdown). */
export function printRows(rows: Row[], size: number, runs: number): void {
  console.log(`\n${size / 1e6} MB file, best of ${runs}, loopback, MB/s (10^6 B/s)\n`);
  console.log("| backend | client | upload MB/s | download MB/s |");
  console.log("|---|---|---|---|");
  for (const r of rows) {
    console.log(`| ${r.backend} | ${r.client} | ${r.up.toFixed(0)} | ${r.down.toFixed(0)} |`);
  }
}
