/**
 * Seeded pseudo-random content for the benchmark data sets: a fast PRNG (xoshiro128**, seeded
 * through splitmix32) and generators for text-like, "structured" binary, sparse and random bytes.
 * Everything is a pure function of the seed, so a data set is reproducible byte for byte.
 */

/** A byte array backed by a plain ArrayBuffer (what Deno's file APIs want under TypeScript 6). */
export type Bytes = Uint8Array<ArrayBuffer>;

/** 32-bit hash of strings and numbers (FNV-1a, finished with murmur3's fmix32). */
export function hash32(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    const s = typeof p === "number" ? `#${p}` : p;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** xoshiro128** seeded via splitmix32. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const sm = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = (this.u32() + 1) / 4294967297;
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Lognormal with the given median and sigma (of the underlying normal). */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
    return xs;
  }

  /** Fills `out` with random bytes, 32 bits at a time. */
  fill(out: Uint8Array): void {
    const words = out.length >>> 2;
    let w: Uint32Array;
    if ((out.byteOffset & 3) === 0) {
      w = new Uint32Array(out.buffer, out.byteOffset, words);
    } else {
      w = new Uint32Array(words);
    }
    let a = this.a, b = this.b, c = this.c, d = this.d;
    for (let i = 0; i < words; i++) {
      const bm = Math.imul(b, 5);
      w[i] = Math.imul((bm << 7) | (bm >>> 25), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    if ((out.byteOffset & 3) !== 0) out.set(new Uint8Array(w.buffer, 0, words * 4));
    for (let i = words * 4; i < out.length; i++) out[i] = this.u32() & 0xff;
  }

  /** A new buffer of n random bytes. */
  bytes(n: number): Bytes {
    const out = new Uint8Array(n);
    this.fill(out);
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// ---------------------------------------------------------------------------------------------
// Text: words drawn from a Zipf-like distribution over a fixed vocabulary.

const COMMON = (
  "the of and to a in is that for it as was with be by on not he this are or his from at which " +
  "but have an they you were her she there been one all we their has would when if so no will " +
  "can more who about what its some into then them these other than only time could new also " +
  "after two may first any like our over such where most very through just how even back well " +
  "because good each those people should between still under last while never same another " +
  "value file data error return list user system state number name size block index table"
).split(" ");

const SYLLABLES = (
  "ka ri to mo na shi be lo ve ter an en in on ar er or ur al el il ol st tr pr gr br cl pl " +
  "qu th ch sh ph wh ing ent ion ous ive ize ate ble man der per con pro dis com sub inter trans " +
  "ex re un de mi la po sa ne fa gu ho zi xe yo"
).split(" ");

const enc = new TextEncoder();

interface Vocab {
  words: Uint8Array[];
  caps: Uint8Array[];
  /** 2^20 entries mapping a uniform draw to a word index (Zipf s = 1.15). */
  table: Uint16Array;
  /** Recurring multi-word phrases (real text repeats itself; LZ77 finds these). */
  phrases: Uint8Array[];
}

let vocabCache: Vocab | null = null;

function vocab(): Vocab {
  if (vocabCache) return vocabCache;
  const rng = new Rng(0x5eed);
  const seen = new Set<string>(COMMON);
  const list = [...COMMON];
  while (list.length < 4000) {
    const n = 1 + Math.min(3, Math.floor(-Math.log(1 - rng.float()) * 1.3));
    let w = "";
    for (let i = 0; i < n; i++) w += rng.pick(SYLLABLES);
    if (w.length < 2 || seen.has(w)) continue;
    seen.add(w);
    list.push(w);
  }
  const weights = list.map((_, i) => 1 / Math.pow(i + 2, 1.15));
  const total = weights.reduce((x, y) => x + y, 0);
  const table = new Uint16Array(1 << 20);
  let acc = 0;
  let j = 0;
  for (let i = 0; i < list.length; i++) {
    acc += weights[i] / total;
    const end = i === list.length - 1 ? table.length : Math.round(acc * table.length);
    for (; j < end; j++) table[j] = i;
  }
  const phrases: Uint8Array[] = [];
  for (let i = 0; i < 1000; i++) {
    const n = rng.range(2, 5);
    const ws: string[] = [];
    for (let k = 0; k < n; k++) ws.push(list[table[rng.u32() >>> 12]]);
    phrases.push(enc.encode(ws.join(" ")));
  }
  vocabCache = {
    words: list.map((w) => enc.encode(w)),
    caps: list.map((w) => enc.encode(w[0].toUpperCase() + w.slice(1))),
    table,
    phrases,
  };
  return vocabCache;
}

/** Text styles. */
export type TextStyle = "prose" | "code" | "data" | "log";

/** Appends bytes to a fixed-size buffer; stops silently when full. */
class Writer {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  get full(): boolean {
    return this.pos >= this.buf.length;
  }
  put(b: Uint8Array): void {
    const buf = this.buf;
    let p = this.pos;
    const n = Math.min(b.length, buf.length - p);
    for (let i = 0; i < n; i++) buf[p++] = b[i];
    this.pos = p;
  }
  byte(c: number): void {
    if (this.pos < this.buf.length) this.buf[this.pos++] = c;
  }
  str(s: string): void {
    const buf = this.buf;
    let p = this.pos;
    const n = Math.min(s.length, buf.length - p);
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }
  num(x: number): void {
    this.str(String(x));
  }
}

const SP = 32, NL = 10;

/** Fills `out` with text of the given style. */
export function fillText(rng: Rng, out: Uint8Array, style: TextStyle, t0 = 1_700_000_000): void {
  const v = vocab();
  const w = new Writer(out);
  const word = () => v.words[v.table[rng.u32() >>> 12]];
  const ident = () => v.words[40 + (v.table[rng.u32() >>> 12] % 1500)];
  if (style === "prose") {
    let col = 0;
    while (!w.full) {
      const n = rng.range(4, 18);
      for (let i = 0; i < n && !w.full; i++) {
        const b = i === 0
          ? v.caps[v.table[rng.u32() >>> 12]]
          : rng.chance(0.3)
          ? v.phrases[v.table[rng.u32() >>> 12] % v.phrases.length]
          : word();
        w.put(b);
        col += b.length + 1;
        if (i === n - 1) w.byte(46);
        else if (rng.chance(0.07)) w.byte(44);
        if (col > 72) {
          w.byte(NL);
          col = 0;
        } else w.byte(SP);
      }
      if (rng.chance(0.15)) {
        w.byte(NL);
        w.byte(NL);
        col = 0;
        if (rng.chance(0.3)) {
          w.str("## ");
          w.put(v.caps[v.table[rng.u32() >>> 12]]);
          w.byte(SP);
          w.put(word());
          w.byte(NL);
          w.byte(NL);
        }
      }
    }
  } else if (style === "code") {
    let depth = 0;
    while (!w.full) {
      const r = rng.u32() % 10;
      const closing = r >= 5 && r < 7 && depth > 0;
      for (let i = 0; i < (closing ? depth - 1 : depth) * 4; i++) w.byte(SP);
      if (r < 3) {
        w.str("int ");
        w.put(ident());
        w.byte(95);
        w.put(ident());
        w.str(" = ");
        w.put(ident());
        w.byte(40);
        w.put(ident());
        w.str(", ");
        w.num(rng.int(1000));
        w.str(");\n");
      } else if (r < 5 && depth < 4) {
        w.str("if (");
        w.put(ident());
        w.str(rng.chance(0.5) ? " > " : " == ");
        w.num(rng.int(256));
        w.str(") {\n");
        depth++;
      } else if (closing) {
        w.str("}\n");
        depth--;
      } else if (r < 8) {
        w.str("// ");
        const n = rng.range(3, 10);
        for (let i = 0; i < n; i++) {
          w.put(word());
          w.byte(SP);
        }
        w.byte(NL);
      } else {
        w.str("return ");
        w.put(ident());
        w.str("->");
        w.put(ident());
        w.str(";\n");
      }
    }
  } else if (style === "data") {
    let id = rng.int(100000);
    while (!w.full) {
      w.num(id++);
      w.byte(44);
      w.put(word());
      w.byte(44);
      w.put(ident());
      w.byte(44);
      w.num(rng.int(10000) / 100);
      w.byte(44);
      w.num(rng.int(1000));
      w.byte(NL);
    }
  } else {
    let t = t0 * 1000;
    const levels = ["INFO ", "INFO ", "INFO ", "DEBUG", "WARN ", "ERROR"];
    while (!w.full) {
      t += rng.int(2000);
      w.str(new Date(t).toISOString());
      w.byte(SP);
      w.str(levels[rng.int(levels.length)]);
      w.str(" [worker-");
      w.num(rng.int(8));
      w.str("] ");
      const n = rng.range(3, 12);
      for (let i = 0; i < n; i++) {
        w.put(rng.chance(0.3) ? v.phrases[v.table[rng.u32() >>> 12] % v.phrases.length] : word());
        w.byte(SP);
      }
      w.str("id=");
      w.num(rng.int(1 << 24));
      w.str(" took ");
      w.num(rng.int(500));
      w.str("ms\n");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Binary content.

/** Maps a random byte to a skewed byte value (a few values dominate). */
const SKEW = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    // geometric-like: value k with probability ~ 2^-(k/4)
    const u = (i + 0.5) / 256;
    t[i] = Math.min(255, Math.floor(-Math.log(1 - u) * 9));
  }
  return t;
})();

/**
 * "Structured" binary (executables, databases, documents): skewed bytes, zero runs, repeats of
 * earlier content, integer tables and some random stretches; deflates about 1.5-2x.
 */
export function fillStructured(rng: Rng, out: Uint8Array): void {
  let p = 0;
  const n = out.length;
  while (p < n) {
    const len = Math.min(n - p, rng.range(256, 12288));
    const r = rng.u32() % 100;
    if (r < 32) {
      // skewed bytes
      const tmp = out.subarray(p, p + len);
      rng.fill(tmp);
      for (let i = 0; i < len; i++) tmp[i] = SKEW[tmp[i]];
    } else if (r < 54) {
      rng.fill(out.subarray(p, p + len));
    } else if (r < 61) {
      out.fill(0, p, p + len);
    } else if (r < 80 && p > 1024) {
      // repeat an earlier stretch with a few mutations
      const back = rng.range(1, Math.min(p, 30000));
      const src = p - back;
      for (let i = 0; i < len; i++) out[p + i] = out[src + i];
      for (let k = len >>> 7; k > 0; k--) out[p + rng.int(len)] = rng.u32() & 0xff;
    } else {
      // little-endian integer table with small increments
      let v = rng.u32() >>> 8;
      const step = 1 + rng.int(200);
      for (let i = 0; i + 4 <= len; i += 4) {
        v = (v + rng.int(step)) >>> 0;
        out[p + i] = v & 0xff;
        out[p + i + 1] = (v >>> 8) & 0xff;
        out[p + i + 2] = (v >>> 16) & 0xff;
        out[p + i + 3] = v >>> 24;
      }
      for (let i = len & ~3; i < len; i++) out[p + i] = 0;
    }
    p += len;
  }
}

/** Sparse file content: zeros with a few random 4 KiB blocks (about 6 %). */
export function fillSparse(rng: Rng, out: Uint8Array): void {
  out.fill(0);
  const blocks = Math.ceil(out.length / 4096);
  for (let i = 0; i < blocks; i++) {
    if (i === 0 || rng.chance(0.06)) {
      const s = i * 4096;
      rng.fill(out.subarray(s, Math.min(out.length, s + 4096)));
    }
  }
}

/** Content kinds of a generated file. */
export type Kind = "text" | "code" | "data" | "log" | "random" | "structured" | "sparse" | "image";

/** A new buffer of `size` bytes of the given kind. */
export function makeContent(rng: Rng, kind: Kind, size: number): Bytes {
  const out = new Uint8Array(size);
  fillContent(rng, kind, out);
  return out;
}

/** Fills `out` with content of the given kind. */
export function fillContent(rng: Rng, kind: Kind, out: Uint8Array): void {
  switch (kind) {
    case "text":
      return fillText(rng, out, "prose");
    case "code":
      return fillText(rng, out, "code");
    case "data":
      return fillText(rng, out, "data");
    case "log":
      return fillText(rng, out, "log");
    case "random":
      return rng.fill(out);
    case "structured":
      return fillStructured(rng, out);
    case "sparse":
      return fillSparse(rng, out);
    case "image":
      return fillImage(rng, out);
  }
}

/** A "disk image": segments of 64 KiB-4 MiB of zeros, random, structured and text content. */
export function fillImage(rng: Rng, out: Uint8Array): void {
  let p = 0;
  while (p < out.length) {
    const len = Math.min(out.length - p, rng.range(64, 4096) * 1024);
    const seg = out.subarray(p, p + len);
    const r = rng.u32() % 100;
    if (r < 25) seg.fill(0);
    else if (r < 55) rng.fill(seg);
    else if (r < 80) fillStructured(rng, seg);
    else fillText(rng, seg, rng.chance(0.5) ? "prose" : "code");
    p += len;
  }
}
