/**
 * Micro-benchmark of the volume formats on 64 MiB: AESCrypt encryptFile/decryptFile and the zip
 * writer/reader. Prints the median of a few rounds in MB/s (10^6 bytes of plaintext per second)
 * and MB per CPU-second (robust against a busy machine).
 *
 *   deno run -A bench/crypto_micro.ts [rounds]
 */

import { cpuUsage } from "node:process";
import { decryptFile, encryptFile } from "../src/format/aescrypt.ts";
import { ZipReader, ZipWriter } from "../src/format/zip.ts";

const SIZE = 64 << 20;
const ROUNDS = Number(Deno.args[0] ?? 5);

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

/** Text-like data (deflates to about 1/5) built from /usr/include when available. */
function textBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let o = 0;
  const sources: Uint8Array[] = [];
  try {
    for (const e of Deno.readDirSync("/usr/include")) {
      if (e.isFile && e.name.endsWith(".h")) {
        sources.push(Deno.readFileSync(`/usr/include/${e.name}`));
      }
      if (sources.length > 200) break;
    }
  } catch { /* no headers */ }
  if (sources.length === 0) sources.push(new TextEncoder().encode("lorem ipsum dolor sit amet "));
  for (let i = 0; o < n; i++) {
    const s = sources[i % sources.length];
    const k = Math.min(s.length, n - o);
    out.set(s.subarray(0, k), o);
    o += k;
  }
  return out;
}

async function measure(label: string, bytes: number, fn: () => Promise<void> | void) {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = cpuUsage();
    const t0 = performance.now();
    await fn();
    const dt = (performance.now() - t0) / 1000;
    const c = cpuUsage(c0);
    wall.push(bytes / 1e6 / dt);
    cpu.push(bytes / 1e6 / ((c.user + c.system) / 1e6));
  }
  const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(
    `${label.padEnd(44)} ${med(wall).toFixed(0).padStart(6)} MB/s   ` +
      `${med(cpu).toFixed(0).padStart(6)} MB/CPU-s`,
  );
}

const dir = await Deno.makeTempDir({ prefix: "crypto_micro_" });
try {
  const random = randomBytes(SIZE);
  Deno.writeFileSync(`${dir}/plain`, random);
  console.log(`${SIZE / (1 << 20)} MiB, median of ${ROUNDS} rounds`);

  await measure("aescrypt encryptFile", SIZE, async () => {
    await encryptFile(`${dir}/plain`, `${dir}/enc`, "benchmark password");
  });
  await measure("aescrypt decryptFile", SIZE, async () => {
    await decryptFile(`${dir}/enc`, `${dir}/dec`, "benchmark password");
  });

  const entry = 100 * 1024;
  const text = textBytes(SIZE);
  const cases = [
    ["text (deflate-6)", text, true],
    ["random (stored, compress off)", random, false],
    ["random (deflate tried, stored)", random, true],
  ] as const;
  for (const [kind, data, compress] of cases) {
    await measure(`zip write ${kind}`, SIZE, () => {
      const w = ZipWriter.create(`${dir}/z.zip`);
      for (let o = 0, i = 0; o < SIZE; o += entry, i++) {
        w.add(`e${i}`, data.subarray(o, Math.min(SIZE, o + entry)), { compress });
      }
      w.close();
    });
    await measure(`zip read all ${kind}`, SIZE, () => {
      using r = ZipReader.openSync(`${dir}/z.zip`);
      for (const e of r.entries()) r.read(e);
    });
    const t0 = performance.now();
    {
      using r = ZipReader.openSync(`${dir}/z.zip`);
      r.read("e321");
    }
    console.log(`zip open + read one entry ${kind}: ${(performance.now() - t0).toFixed(2)} ms`);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
