/**
 * Deterministic benchmark data sets (see /work/shared/docs/performance.md):
 *
 * - `mixed` (~975 MiB at scale 1): 15,500 small text-like files, 3,200 medium binaries (random,
 *   structured, sparse), 4 large files (random "video", a disk image, a second image = the first
 *   plus 20 small insertions and 10 overwrites, a log), 900 exact duplicates, 200 near-copies,
 *   50 empty files, 30 symlinks, 700 directories up to depth 5.
 * - `many-small`: 100,000 files of 1-8 KiB (75 % text, 15 % structured, 10 % random), 100 per
 *   directory.
 * - the `edit` step, applied in place to a copy of `mixed` before the incremental backup.
 *
 * Sets are generated once per (set, seed, scale, generator version) under bench/work/data/ and
 * reused. Run directly to pre-generate:
 *   deno run -A bench/datasets.ts [--sets=mixed,many-small] [--seed=1] [--scale=1]
 */

import { type Bytes, fillContent, hash32, type Kind, makeContent, Rng } from "./content.ts";
import { relativePath, rmrf, walk } from "./tree.ts";

/** Bump when the generators change so that old caches are not reused. */
export const GEN_VERSION = 1;

export type SetName = "mixed" | "many-small";
export const SET_NAMES: readonly SetName[] = ["mixed", "many-small"];

/** What a generated set looks like; written as manifest.json next to the tree. */
export interface Manifest {
  set: SetName;
  seed: number;
  scale: number;
  version: number;
  files: number;
  bytes: number;
  dirs: number;
  symlinks: number;
  emptyFiles: number;
  /** Bytes per content kind. */
  bytesByKind: Record<string, number>;
  generateSeconds: number;
}

export interface DataSet {
  name: SetName;
  /** Absolute path of the generated tree (treat as read-only). */
  root: string;
  manifest: Manifest;
  /** True when the set came from the cache. */
  cached: boolean;
  /** Seconds spent in this call (generation, or just reading the manifest). */
  seconds: number;
}

const MB = 1_000_000;
const KiB = 1024;
const MiB = 1024 * 1024;

const TEXT_EXT: Record<string, string[]> = {
  text: [".txt", ".md", ".html", ".rst", ".tex"],
  code: [".c", ".h", ".py", ".js", ".ts", ".go", ".java", ".rs"],
  data: [".csv", ".json", ".xml", ".tsv", ".yaml"],
};
const RANDOM_EXT = [".jpg", ".jpeg", ".png", ".zip", ".mp3", ".gz", ".7z", ".mp4"];
const STRUCT_EXT = [".bin", ".dat", ".db", ".exe", ".dll", ".so", ".o", ".sqlite", ".wasm"];
const SPARSE_EXT = [".img", ".vhd", ".raw", ".qcow"];
const TEXT_LIKE = new Set([
  ...TEXT_EXT.text,
  ...TEXT_EXT.code,
  ...TEXT_EXT.data,
  ".log",
]);

const NAME_WORDS = (
  "alpha beta gamma delta report notes draft final backup photo scan invoice summary project " +
  "config build cache assets docs src lib test data logs music video archive old new misc " +
  "shared home work tmp export import release module core util index main client server"
).split(" ");

interface PlannedFile {
  rel: string;
  kind: Kind;
  size: number;
  /** Copy (dup) or mutated copy (near) of another planned file. */
  copyOf?: number;
  near?: boolean;
  /** Second disk image: derived from the first. */
  imageOf?: number;
}

function pickExt(rng: Rng, kind: Kind): string {
  switch (kind) {
    case "text":
    case "code":
    case "data":
      return rng.pick(TEXT_EXT[kind]);
    case "random":
      return rng.pick(RANDOM_EXT);
    case "structured":
      return rng.pick(STRUCT_EXT);
    case "sparse":
      return rng.pick(SPARSE_EXT);
    case "log":
      return ".log";
    case "image":
      return ".img";
  }
}

function stemExt(name: string): [string, string] {
  const i = name.lastIndexOf(".");
  return i > 0 ? [name.slice(0, i), name.slice(i)] : [name, ""];
}

function textKind(rng: Rng): Kind {
  const r = rng.float();
  return r < 0.45 ? "text" : r < 0.8 ? "code" : "data";
}

/** Writes `size` bytes of a kind in chunks (large files are not held in memory at once). */
function writeLarge(path: string, rng: Rng, kind: Kind, size: number): void {
  const f = Deno.openSync(path, { write: true, create: true, truncate: true });
  try {
    const chunk = new Uint8Array(16 * MiB);
    for (let done = 0; done < size;) {
      const n = Math.min(chunk.length, size - done);
      const part = chunk.subarray(0, n);
      fillContent(rng, kind, part);
      writeAll(f, part);
      done += n;
    }
  } finally {
    f.close();
  }
}

function writeAll(f: Deno.FsFile, data: Uint8Array): void {
  for (let o = 0; o < data.length;) o += f.writeSync(data.subarray(o));
}

// ---------------------------------------------------------------------------------------------
// mixed

function generateMixed(
  root: string,
  seed: number,
  scale: number,
): Omit<Manifest, "generateSeconds"> {
  const rng = new Rng(hash32(seed, "mixed", scale));
  const count = (n: number, min = 1) => Math.max(min, Math.round(n * scale));

  // Directories: a random tree, at most 5 deep, biased towards shallower parents.
  const dirs: { rel: string; depth: number }[] = [{ rel: "", depth: 0 }];
  const nDirs = count(700, 3);
  for (let i = 1; i <= nDirs; i++) {
    const parents = dirs.filter((d) => d.depth < 5);
    const parent = parents[Math.floor(parents.length * Math.pow(rng.float(), 1.6))];
    const name = `${rng.pick(NAME_WORDS)}-${i}`;
    dirs.push({ rel: parent.rel ? `${parent.rel}/${name}` : name, depth: parent.depth + 1 });
  }
  const dirFor = () => dirs[rng.int(dirs.length)].rel;
  const join = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);

  const files: PlannedFile[] = [];
  let serial = 0;
  const add = (kind: Kind, size: number, name?: string) => {
    serial++;
    const n = name ?? `${rng.pick(NAME_WORDS)}-${serial}${pickExt(rng, kind)}`;
    files.push({ rel: join(dirFor(), n), kind, size: Math.round(size) });
    return files.length - 1;
  };

  // Small text-like files: lognormal, median 4 KB, at most 256 KB.
  const nSmall = count(15500);
  for (let i = 0; i < nSmall; i++) {
    add(textKind(rng), Math.min(256 * 1000, Math.max(24, rng.lognormal(4000, 1.15))));
  }
  // Medium binaries: median 60 KB, at most 8 MB: 45 % random, 40 % structured, 15 % sparse.
  const firstMedium = files.length;
  const nMedium = count(3200);
  for (let i = 0; i < nMedium; i++) {
    const r = rng.float();
    const kind: Kind = r < 0.45 ? "random" : r < 0.85 ? "structured" : "sparse";
    add(kind, Math.min(8 * MB, Math.max(1000, rng.lognormal(60_000, 1.25))));
  }
  const endMedium = files.length;
  // Large files.
  const large = [
    add("random", 160 * MB * scale, `video-${serial + 1}.mp4`),
    add("image", 110 * MB * scale, `disk-${serial + 1}.img`),
  ];
  const img2 = add("image", 0, `disk-${serial + 1}-snapshot.img`);
  files[img2].imageOf = large[1];
  large.push(img2, add("log", 64 * MB * scale, `server-${serial + 1}.log`));

  // Exact duplicates and near-copies of small and medium files.
  const copy = (near: boolean, k: number) => {
    const of = rng.int(endMedium);
    const [stem, ext] = stemExt(files[of].rel.split("/").pop()!);
    const name = near ? `${stem}-v${k}${ext}` : `${stem}-copy${k}${ext}`;
    files.push({ rel: join(dirFor(), name), kind: files[of].kind, size: 0, copyOf: of, near });
  };
  const nDup = count(900), nNear = count(200);
  for (let k = 0; k < nDup; k++) copy(false, k);
  for (let k = 0; k < nNear; k++) copy(true, k);
  // Empty files.
  const nEmpty = count(50);
  for (let k = 0; k < nEmpty; k++) {
    add("text", 0, `${rng.pick(NAME_WORDS)}-empty${k}${rng.pick([".lock", ".keep", ".txt"])}`);
  }

  // Scale the medium sizes so that the whole tree is ~975 MiB * scale.
  const target = 975 * MiB * scale;
  for (let iter = 0; iter < 3; iter++) {
    let fixed = 0, medium = 0;
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      const src = f.copyOf ?? i;
      const size = f.imageOf !== undefined ? files[f.imageOf].size : files[src].size;
      if (src >= firstMedium && src < endMedium) medium += size;
      else fixed += size;
    }
    const factor = Math.min(3, Math.max(0.3, (target - fixed) / Math.max(1, medium)));
    if (Math.abs(factor - 1) < 0.002) break;
    for (let i = firstMedium; i < endMedium; i++) {
      files[i].size = Math.min(8 * MB, Math.max(1000, Math.round(files[i].size * factor)));
    }
  }

  // Write everything.
  for (const d of dirs) Deno.mkdirSync(d.rel ? `${root}/${d.rel}` : root, { recursive: true });
  const bytesByKind: Record<string, number> = {};
  let bytes = 0;
  const account = (kind: string, n: number) => {
    bytesByKind[kind] = (bytesByKind[kind] ?? 0) + n;
    bytes += n;
  };
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    const path = `${root}/${f.rel}`;
    const frng = new Rng(hash32(seed, "mixed-file", i));
    if (f.copyOf !== undefined) {
      let data: Bytes = Deno.readFileSync(`${root}/${files[f.copyOf].rel}`);
      if (f.near) data = nearCopy(frng, data, f.kind);
      Deno.writeFileSync(path, data);
      account(f.near ? "near-copy" : "duplicate", data.length);
    } else if (f.imageOf !== undefined) {
      const n = writeImageVariant(`${root}/${files[f.imageOf].rel}`, path, frng);
      account("image", n);
    } else if (f.size >= 16 * MiB) {
      writeLarge(path, frng, f.kind, f.size);
      account(f.kind, f.size);
    } else {
      Deno.writeFileSync(path, makeContent(frng, f.kind, f.size));
      account(f.size === 0 ? "empty" : f.kind, f.size);
    }
  }

  // Symlinks (relative, to files and directories inside the tree).
  const nLinks = count(30);
  for (let k = 0; k < nLinks; k++) {
    const dir = dirFor();
    const target = rng.chance(0.8) ? files[rng.int(endMedium)].rel : dirs[1 + rng.int(nDirs)].rel;
    Deno.symlinkSync(relativePath(dir, target), `${root}/${join(dir, `link-${k}`)}`);
  }

  return {
    set: "mixed",
    seed,
    scale,
    version: GEN_VERSION,
    files: files.length,
    bytes,
    dirs: nDirs,
    symlinks: nLinks,
    emptyFiles: nEmpty,
    bytesByKind,
  };
}

/** A near-copy: a few bytes changed, or a small append, or a small insertion at the start. */
function nearCopy(rng: Rng, data: Bytes, kind: Kind): Bytes {
  const r = rng.int(3);
  if (r === 0 && data.length > 0) {
    const out = data.slice();
    for (let k = rng.range(1, 8); k > 0; k--) out[rng.int(out.length)] = rng.u32() & 0xff;
    return out;
  }
  const extra = makeContent(rng, kind === "sparse" ? "structured" : kind, rng.range(16, 2048));
  const out = new Uint8Array(data.length + extra.length);
  if (r === 1) {
    out.set(data);
    out.set(extra, data.length);
  } else {
    out.set(extra);
    out.set(data, extra.length);
  }
  return out;
}

/** The second disk image: the first plus 20 small insertions and 10 overwrites. */
function writeImageVariant(srcPath: string, dstPath: string, rng: Rng): number {
  const src = Deno.readFileSync(srcPath);
  const edits: { at: number; insert?: Bytes; overwrite?: Bytes }[] = [];
  for (let k = 0; k < 20; k++) {
    edits.push({ at: rng.int(src.length), insert: rng.bytes(rng.range(1, 4096)) });
  }
  for (let k = 0; k < 10; k++) {
    const len = rng.range(512, 65536);
    edits.push({ at: rng.int(Math.max(1, src.length - len)), overwrite: rng.bytes(len) });
  }
  const img = src.slice();
  for (const e of edits) {
    if (e.overwrite) img.set(e.overwrite.subarray(0, img.length - e.at), e.at);
  }
  const inserts = edits.filter((e) => e.insert).sort((a, b) => a.at - b.at);
  const f = Deno.openSync(dstPath, { write: true, create: true, truncate: true });
  let total = 0;
  try {
    let pos = 0;
    for (const e of inserts) {
      writeAll(f, img.subarray(pos, e.at));
      writeAll(f, e.insert!);
      total += e.at - pos + e.insert!.length;
      pos = e.at;
    }
    writeAll(f, img.subarray(pos));
    total += img.length - pos;
  } finally {
    f.close();
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// many-small

function generateManySmall(
  root: string,
  seed: number,
  scale: number,
): Omit<Manifest, "generateSeconds"> {
  const n = Math.max(1, Math.round(100_000 * scale));
  const nDirs = Math.ceil(n / 100);
  const bytesByKind: Record<string, number> = {};
  let bytes = 0;
  const rng = new Rng(hash32(seed, "many-small", scale));
  for (let d = 0; d < nDirs; d++) {
    const dir = `${root}/g${String(Math.floor(d / 100)).padStart(2, "0")}/d${
      String(d).padStart(4, "0")
    }`;
    Deno.mkdirSync(dir, { recursive: true });
    for (let i = d * 100; i < Math.min(n, (d + 1) * 100); i++) {
      const r = rng.float();
      const kind: Kind = r < 0.75 ? textKind(rng) : r < 0.9 ? "structured" : "random";
      const size = rng.range(1024, 8192);
      const frng = new Rng(hash32(seed, "many-small-file", i));
      Deno.writeFileSync(
        `${dir}/f${String(i).padStart(6, "0")}${pickExt(rng, kind)}`,
        makeContent(frng, kind, size),
      );
      bytesByKind[kind] = (bytesByKind[kind] ?? 0) + size;
      bytes += size;
    }
  }
  return {
    set: "many-small",
    seed,
    scale,
    version: GEN_VERSION,
    files: n,
    bytes,
    dirs: nDirs + Math.ceil(nDirs / 100),
    symlinks: 0,
    emptyFiles: 0,
    bytesByKind,
  };
}

// ---------------------------------------------------------------------------------------------
// cache

/** Default cache folder: bench/work/ next to this file. */
export function defaultWorkDir(): string {
  return new URL("./work", import.meta.url).pathname;
}

/**
 * Returns the generated set, generating it first when it is not cached. The tree is at
 * `<workDir>/data/<set>-seed<seed>-scale<scale>-g<version>/tree`; manifest.json beside it marks a
 * complete generation.
 */
export function ensureDataSet(
  name: SetName,
  seed: number,
  scale: number,
  workDir = defaultWorkDir(),
): DataSet {
  const t0 = performance.now();
  const dir = `${workDir}/data/${name}-seed${seed}-scale${scale}-g${GEN_VERSION}`;
  const root = `${dir}/tree`;
  const manifestPath = `${dir}/manifest.json`;
  try {
    const manifest = JSON.parse(Deno.readTextFileSync(manifestPath)) as Manifest;
    Deno.statSync(root);
    return { name, root, manifest, cached: true, seconds: (performance.now() - t0) / 1000 };
  } catch {
    // not cached (or incomplete): generate
  }
  rmrf(dir);
  Deno.mkdirSync(root, { recursive: true });
  const m = name === "mixed"
    ? generateMixed(root, seed, scale)
    : generateManySmall(root, seed, scale);
  const seconds = (performance.now() - t0) / 1000;
  const manifest: Manifest = { ...m, generateSeconds: Math.round(seconds * 100) / 100 };
  Deno.writeTextFileSync(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
  return { name, root, manifest, cached: false, seconds };
}

// ---------------------------------------------------------------------------------------------
// edit step

export interface EditSummary {
  modified: number;
  appended: number;
  touched: number;
  deleted: number;
  created: number;
  renamedDir: string;
  bytesWritten: number;
}

/**
 * Applies the edit step in place to a copy of `mixed`: 1.5 % of the files modified in place,
 * 0.5 % appended (always including the big log), 0.3 % only touched (mtime), 0.3 % deleted,
 * 0.5 % new files plus one new 8 MiB random file, one directory renamed. Deterministic for a
 * given tree and seed.
 */
export function applyEdit(root: string, seed: number): EditSummary {
  const rng = new Rng(hash32(seed, "edit"));
  const entries = walk(root);
  const files = entries.filter((e) => e.type === "file");
  const dirs = entries.filter((e) => e.type === "dir");
  const n = files.length;
  const big = 20 * MiB;
  const normal = rng.shuffle(files.filter((f) => f.size > 0 && f.size < big).map((f) => f.rel));
  const logs = files.filter((f) => f.size >= big && f.rel.endsWith(".log")).map((f) => f.rel);
  const take = (frac: number) => normal.splice(0, Math.max(1, Math.round(n * frac)));
  const kindOf = (rel: string): Kind => (TEXT_LIKE.has(stemExt(rel)[1]) ? "text" : "random");
  const s: EditSummary = {
    modified: 0,
    appended: 0,
    touched: 0,
    deleted: 0,
    created: 0,
    renamedDir: "",
    bytesWritten: 0,
  };

  for (const rel of take(0.015)) {
    const path = `${root}/${rel}`;
    const size = Deno.statSync(path).size;
    const len = Math.min(size, rng.range(1, 16 * KiB));
    const at = rng.int(size - len + 1);
    const f = Deno.openSync(path, { write: true });
    try {
      f.seekSync(at, Deno.SeekMode.Start);
      writeAll(f, makeContent(rng, kindOf(rel), len));
    } finally {
      f.close();
    }
    s.modified++;
    s.bytesWritten += len;
  }
  for (const rel of [...logs, ...take(0.005)]) {
    const len = rel.endsWith(".log") && logs.includes(rel) ? 256 * KiB : rng.range(100, 64 * KiB);
    const f = Deno.openSync(`${root}/${rel}`, { append: true });
    try {
      writeAll(f, makeContent(rng, rel.endsWith(".log") ? "log" : kindOf(rel), len));
    } finally {
      f.close();
    }
    s.appended++;
    s.bytesWritten += len;
  }
  for (const rel of take(0.003)) {
    const path = `${root}/${rel}`;
    const st = Deno.statSync(path);
    const m = (st.mtime ?? new Date()).getTime() + 3_600_000;
    Deno.utimeSync(path, new Date(m), new Date(m));
    s.touched++;
  }
  for (const rel of take(0.003)) {
    Deno.removeSync(`${root}/${rel}`);
    s.deleted++;
  }
  const dirRels = ["", ...dirs.map((d) => d.rel)];
  const nNew = Math.max(1, Math.round(n * 0.005));
  for (let k = 0; k < nNew; k++) {
    const dir = rng.pick(dirRels);
    const kind: Kind = rng.chance(0.6) ? textKind(rng) : rng.chance(0.5) ? "random" : "structured";
    const size = kind === "text" || kind === "code" || kind === "data"
      ? Math.min(256 * 1000, Math.max(24, rng.lognormal(4000, 1.15)))
      : Math.min(MiB, Math.max(1000, rng.lognormal(30_000, 1.0)));
    const data = makeContent(rng, kind, Math.round(size));
    const name = `new-${k}-${rng.pick(NAME_WORDS)}${pickExt(rng, kind)}`;
    Deno.writeFileSync(`${root}/${dir ? dir + "/" : ""}${name}`, data);
    s.created++;
    s.bytesWritten += data.length;
  }
  {
    const dir = rng.pick(dirRels);
    Deno.writeFileSync(`${root}/${dir ? dir + "/" : ""}new-big-archive.zip`, rng.bytes(8 * MiB));
    s.created++;
    s.bytesWritten += 8 * MiB;
  }
  // Rename one directory that holds files directly, preferably 2-3 levels deep.
  const fileDirs = new Set(files.map((f) => f.rel.split("/").slice(0, -1).join("/")));
  let cands = dirs.filter((d) => fileDirs.has(d.rel) && [2, 3].includes(d.rel.split("/").length));
  if (cands.length === 0) cands = dirs.filter((d) => fileDirs.has(d.rel));
  if (cands.length > 0) {
    const d = rng.pick(cands).rel;
    Deno.renameSync(`${root}/${d}`, `${root}/${d}-renamed`);
    s.renamedDir = d;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------

if (import.meta.main) {
  const opt = (name: string, def: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
  const sets = opt("sets", SET_NAMES.join(",")).split(",").filter(Boolean) as SetName[];
  const seed = Number(opt("seed", "1"));
  const scale = Number(opt("scale", "1"));
  for (const s of sets) {
    if (!SET_NAMES.includes(s)) throw new Error(`unknown set ${s}`);
    const ds = ensureDataSet(s, seed, scale);
    const m = ds.manifest;
    console.log(
      `${s}: ${m.files} files, ${(m.bytes / MiB).toFixed(1)} MiB, ${m.dirs} dirs, ` +
        `${m.symlinks} symlinks — ${
          ds.cached ? "cached" : `generated in ${ds.seconds.toFixed(1)} s`
        }` +
        `\n  ${ds.root}\n  ${JSON.stringify(m.bytesByKind)}`,
    );
  }
}
