/**
 * File tree helpers for the benchmark: walking, sizing, and comparing a restored tree with its
 * source (size + SHA-256 of every file, symlink targets, directories).
 */

import { createHash } from "node:crypto";

/** One entry of a walked tree; `rel` uses "/" and has no leading slash. */
export interface Entry {
  rel: string;
  type: "file" | "dir" | "symlink";
  size: number;
  /** Symlink target (symlinks only). */
  target?: string;
}

/** Walks `root` depth first (no symlink following). Entries are sorted by path. */
export function walk(root: string): Entry[] {
  const out: Entry[] = [];
  const rec = (dir: string, rel: string) => {
    const names: string[] = [];
    for (const e of Deno.readDirSync(dir)) names.push(e.name);
    names.sort();
    for (const name of names) {
      const p = `${dir}/${name}`;
      const r = rel ? `${rel}/${name}` : name;
      const st = Deno.lstatSync(p);
      if (st.isSymlink) {
        out.push({ rel: r, type: "symlink", size: 0, target: Deno.readLinkSync(p) });
      } else if (st.isDirectory) {
        out.push({ rel: r, type: "dir", size: 0 });
        rec(p, r);
      } else if (st.isFile) out.push({ rel: r, type: "file", size: st.size });
    }
  };
  rec(root, "");
  return out;
}

/** Total size of the regular files below `path` (apparent size), and their count. */
export function treeSize(path: string): { bytes: number; files: number } {
  let bytes = 0, files = 0;
  try {
    const st = Deno.lstatSync(path);
    if (st.isFile) return { bytes: st.size, files: 1 };
  } catch {
    return { bytes: 0, files: 0 };
  }
  for (const e of walk(path)) {
    if (e.type === "file") {
      bytes += e.size;
      files++;
    }
  }
  return { bytes, files };
}

const CHUNK = 4 << 20;
let chunkBuf: Uint8Array<ArrayBuffer> | null = null;

/** SHA-256 (hex) of a file's content. */
export function hashFile(path: string): string {
  const h = createHash("sha256");
  const f = Deno.openSync(path, { read: true });
  try {
    chunkBuf ??= new Uint8Array(CHUNK);
    for (;;) {
      const n = f.readSync(chunkBuf);
      if (n === null || n === 0) break;
      h.update(chunkBuf.subarray(0, n));
    }
  } finally {
    f.close();
  }
  return h.digest("hex");
}

/** Fingerprint of a tree: per path, "file:<size>:<sha256>", "symlink:<target>" or "dir". */
export type Fingerprint = Map<string, string>;

export function fingerprint(root: string): Fingerprint {
  const fp: Fingerprint = new Map();
  for (const e of walk(root)) {
    if (e.type === "file") fp.set(e.rel, `file:${e.size}:${hashFile(`${root}/${e.rel}`)}`);
    else if (e.type === "symlink") fp.set(e.rel, `symlink:${e.target}`);
    else fp.set(e.rel, "dir");
  }
  return fp;
}

/** Result of comparing a restored tree with its source. */
export interface Comparison {
  ok: boolean;
  root: string;
  checkedFiles: number;
  checkedBytes: number;
  missing: number;
  extra: number;
  different: number;
  /** The first few differences, human readable. */
  examples: string[];
}

export function compareTrees(expected: Fingerprint, actualRoot: string): Comparison {
  const actual = fingerprint(actualRoot);
  let missing = 0, extra = 0, different = 0, checkedFiles = 0, checkedBytes = 0;
  const examples: string[] = [];
  const note = (s: string) => {
    if (examples.length < 12) examples.push(s);
  };
  for (const [rel, want] of expected) {
    const got = actual.get(rel);
    if (got === undefined) {
      missing++;
      note(`missing: ${rel} (${want.slice(0, 40)})`);
    } else if (got !== want) {
      different++;
      note(`different: ${rel}: expected ${want.slice(0, 40)}, got ${got.slice(0, 40)}`);
    } else if (want.startsWith("file:")) {
      checkedFiles++;
      checkedBytes += Number(want.split(":")[1]);
    }
  }
  for (const rel of actual.keys()) {
    if (!expected.has(rel)) {
      extra++;
      note(`extra: ${rel}`);
    }
  }
  return {
    ok: missing + extra + different === 0,
    root: actualRoot,
    checkedFiles,
    checkedBytes,
    missing,
    extra,
    different,
    examples,
  };
}

/**
 * Finds where a restore put the source tree's top level inside `out`: `out` itself (paths with
 * the common prefix stripped, Duplicati's default), `out/<absolute source path>` (restic), or
 * `out/<source folder name>`. Returns `out` when none matches (the comparison then fails).
 */
export function locateRestoredRoot(out: string, sourceAbs: string, expected: Fingerprint): string {
  const topLevel = [...expected.keys()].filter((k) => !k.includes("/"));
  const base = sourceAbs.split("/").filter(Boolean).pop() ?? "";
  const candidates = [out, out + sourceAbs, `${out}/${base}`];
  let best = out, bestHits = 0;
  for (const c of candidates) {
    let hits = 0;
    for (const name of topLevel.slice(0, 50)) {
      try {
        Deno.lstatSync(`${c}/${name}`);
        hits++;
      } catch { /* not here */ }
    }
    if (hits > bestHits) {
      best = c;
      bestHits = hits;
    }
  }
  return best;
}

/** Removes a path recursively; no error when it does not exist. */
export function rmrf(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** Relative path from directory `fromDir` to `to` (both relative to the same root, "/"-separated). */
export function relativePath(fromDir: string, to: string): string {
  const a = fromDir ? fromDir.split("/") : [];
  const b = to.split("/");
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  const up = a.length - i;
  return [...Array(up).fill(".."), ...b.slice(i)].join("/") || ".";
}
