/** Test helpers: build source trees and compare folders entry by entry. */
import { createHash } from "node:crypto";
import { join } from "node:path";

/** What a tree entry looks like, for comparisons. */
export interface EntryState {
  type: "file" | "dir" | "symlink";
  size?: number;
  sha?: string;
  mode?: number;
  mtime?: number;
  link?: string;
}

/** Snapshot of a folder: relative path -> state. */
export function snapshot(root: string, o: { mtimes?: boolean; modes?: boolean } = {}) {
  const out = new Map<string, EntryState>();
  const walk = (dir: string, rel: string) => {
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
      const p = join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = Deno.lstatSync(p);
      if (st.isSymlink) out.set(r, { type: "symlink", link: Deno.readLinkSync(p) });
      else if (st.isDirectory) {
        out.set(r, { type: "dir", ...(o.modes ? { mode: st.mode! & 0o777 } : {}) });
        walk(p, r);
      } else {
        out.set(r, {
          type: "file",
          size: st.size,
          sha: createHash("sha256").update(Deno.readFileSync(p)).digest("hex"),
          ...(o.modes ? { mode: st.mode! & 0o777 } : {}),
          ...(o.mtimes ? { mtime: Math.floor(st.mtime!.getTime() / 1000) } : {}),
        });
      }
    }
  };
  walk(root, "");
  return out;
}

/** Deterministic pseudo-random bytes. */
export function prng(seed: number, n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Writes a file, creating parent folders. */
export function put(root: string, rel: string, data: Uint8Array | string, mtime?: Date) {
  const p = join(root, rel);
  Deno.mkdirSync(join(p, ".."), { recursive: true });
  if (typeof data === "string") Deno.writeTextFileSync(p, data);
  else Deno.writeFileSync(p, data);
  if (mtime) Deno.utimeSync(p, mtime, mtime);
}

/** Makes a temp folder removed by the returned function. */
export async function tempDir(prefix = "dup-test-"): Promise<[string, () => Promise<void>]> {
  const d = await Deno.makeTempDir({ prefix });
  return [d, () => Deno.remove(d, { recursive: true }).catch(() => {})];
}

/** Asserts two snapshots are equal, with a readable message listing the differences. */
export function diffSnapshots(a: Map<string, EntryState>, b: Map<string, EntryState>): string[] {
  const diffs: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w) diffs.push(`missing: ${k}`);
    else if (JSON.stringify(v) !== JSON.stringify(w)) {
      diffs.push(`differs: ${k}: ${JSON.stringify(v)} vs ${JSON.stringify(w)}`);
    }
  }
  for (const k of b.keys()) if (!a.has(k)) diffs.push(`extra: ${k}`);
  return diffs;
}

/** Writes `mb` MiB of random bytes (incompressible) to `path`. */
export async function writeRandomFile(path: string, mb: number): Promise<void> {
  const buf = new Uint8Array(1 << 20);
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    for (let i = 0; i < mb; i++) {
      // getRandomValues fills at most 64 KiB per call.
      for (let o = 0; o < buf.length; o += 65536) {
        crypto.getRandomValues(buf.subarray(o, o + 65536));
      }
      await f.write(buf);
    }
  } finally {
    f.close();
  }
}
