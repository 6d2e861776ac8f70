/**
 * The dlist `filelist.json` and `fileset` entries (spec §6).
 *
 * Writing follows Duplicati's mandatory property order exactly; reading is lenient (any property
 * order, unknown properties and entry types skipped) and streams entry by entry.
 */

import { type Bytes, concatBytes, utf8 } from "../core/bytes.ts";
import { IntegrityError } from "../core/errors.ts";
import { isJsonObject, jsonString, parseJsonBytes, UTF8_BOM, withBom } from "./json_text.ts";

/** Entry types of filelist.json (canonical capitalization). */
export type FilelistEntryType = "File" | "Folder" | "Symlink" | "AlternateStream";

/** One filelist.json entry; see spec §6.3 for which properties each type carries. */
export type FilelistEntry = {
  type: FilelistEntryType;
  path: string;
  hash?: string;
  size?: number;
  time?: string;
  metahash?: string;
  metasize?: number;
  metablockhash?: string;
  metablocklists?: string[];
  blocklists?: string[];
  blockhash?: string;
  blocksize?: number;
};

const TYPES: Record<string, FilelistEntryType> = {
  file: "File",
  folder: "Folder",
  symlink: "Symlink",
  alternatestream: "AlternateStream",
};

function checkSize(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new TypeError(`filelist entry: ${what} must be a non-negative integer, got ${v}`);
  }
  return v;
}

function checkStr(v: unknown, what: string): string {
  if (typeof v !== "string") throw new TypeError(`filelist entry: ${what} is required`);
  return v;
}

function stringArray(a: string[]): string {
  return "[" + a.map(jsonString).join(",") + "]";
}

/**
 * Encodes one entry as compact JSON in Duplicati's mandatory property order:
 * File/AlternateStream: type, path, hash, size, time, [metahash, metasize,
 * [metablocklists | metablockhash]], [blocklists | blockhash, blocksize];
 * Folder/Symlink: type, path, [metahash, metasize, [metablocklists | metablockhash]].
 * Like Duplicati, `metablockhash` is written only when it differs from `metahash`, empty arrays
 * are omitted, and `blockhash`/`blocksize` only when there are no blocklists and `blockhash`
 * differs from `hash`. Throws TypeError for missing required properties.
 */
export function encodeFilelistEntry(e: FilelistEntry): string {
  const isFile = e.type === "File" || e.type === "AlternateStream";
  if (!isFile && e.type !== "Folder" && e.type !== "Symlink") {
    throw new TypeError(`filelist entry: unknown type "${e.type as string}"`);
  }
  let s = '{"type":' + jsonString(e.type) + ',"path":' + jsonString(checkStr(e.path, "path"));
  if (isFile) {
    s += ',"hash":' + jsonString(checkStr(e.hash, "hash")) + ',"size":' +
      checkSize(e.size, "size") + ',"time":' + jsonString(checkStr(e.time, "time"));
  }
  if (e.metahash !== undefined) {
    s += ',"metahash":' + jsonString(e.metahash) + ',"metasize":' +
      checkSize(e.metasize, "metasize");
    if (e.metablocklists && e.metablocklists.length > 0) {
      s += ',"metablocklists":' + stringArray(e.metablocklists);
    } else if (e.metablockhash !== undefined && e.metablockhash !== e.metahash) {
      s += ',"metablockhash":' + jsonString(e.metablockhash);
    }
  }
  if (isFile) {
    if (e.blocklists && e.blocklists.length > 0) {
      s += ',"blocklists":' + stringArray(e.blocklists);
    } else if (e.blockhash !== undefined && e.blockhash !== e.hash) {
      s += ',"blockhash":' + jsonString(e.blockhash) + ',"blocksize":' +
        checkSize(e.blocksize, "blocksize");
    }
  }
  return s + "}";
}

const FLUSH_CHARS = 64 * 1024;

/**
 * Builds filelist.json incrementally. Entries are encoded on `add` and only their UTF-8 text is
 * kept (in ~1 MiB chunks), so large lists are cheap. Entries appear in the order added; Duplicati
 * adds all Folder and Symlink entries sorted by path, then all File entries sorted by path
 * (binary order) — callers should do the same. `finish()` returns BOM + `[...]` once.
 *
 * With a `sink`, the text is not kept at all: each ~1 MiB chunk (the BOM first) goes to the sink
 * as soon as it is encoded, so memory stays flat however many entries there are, and `finish()`
 * sends the rest and returns an empty array.
 */
export class FilelistWriter {
  #chunks: Bytes[] = [UTF8_BOM];
  #sink?: (chunk: Bytes) => void;

  constructor(opts: { sink?: (chunk: Bytes) => void } = {}) {
    this.#sink = opts.sink;
  }

  #pending: string[] = [];
  #pendingChars = 0;
  #count = 0;
  #done = false;

  /** Appends one entry (see {@link encodeFilelistEntry} for the property order and checks). */
  add(entry: FilelistEntry): void {
    if (this.#done) throw new Error("FilelistWriter: add() after finish()");
    const s = (this.#count === 0 ? "[" : ",") + encodeFilelistEntry(entry);
    this.#count++;
    this.#pending.push(s);
    this.#pendingChars += s.length;
    if (this.#pendingChars >= FLUSH_CHARS) this.#flush();
  }

  /** Number of entries added so far. */
  get count(): number {
    return this.#count;
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#chunks.push(utf8(this.#pending.join("")));
    this.#pending = [];
    this.#pendingChars = 0;
    if (this.#sink) {
      for (const c of this.#chunks) this.#sink(c);
      this.#chunks = [];
    }
  }

  /** Closes the array and returns the whole entry: BOM + compact JSON array. Call once. */
  finish(): Bytes {
    if (this.#done) throw new Error("FilelistWriter: finish() called twice");
    this.#done = true;
    this.#pending.push(this.#count === 0 ? "[]" : "]");
    this.#flush();
    if (this.#sink) return new Uint8Array(0);
    const out = concatBytes(this.#chunks);
    this.#chunks = [];
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Streaming reader

const MAX_DEPTH = 256;

class Reader {
  i = 0;
  constructor(readonly s: string, readonly source: string) {}

  fail(msg: string): never {
    throw new IntegrityError(`Malformed ${this.source} at character ${this.i}: ${msg}`);
  }

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.i = i;
  }

  /** Skips whitespace and returns the next char code without consuming it (NaN at end). */
  peek(): number {
    this.ws();
    return this.s.charCodeAt(this.i);
  }

  expect(ch: string): void {
    if (this.peek() !== ch.charCodeAt(0)) {
      this.fail(`expected '${ch}' but found ${this.describe()}`);
    }
    this.i++;
  }

  describe(): string {
    return this.i >= this.s.length ? "end of input" : `'${this.s[this.i]}'`;
  }

  string(): string {
    if (this.peek() !== 0x22) this.fail(`expected a string but found ${this.describe()}`);
    const s = this.s;
    const start = ++this.i;
    const q = s.indexOf('"', start);
    if (q < 0) this.fail("unterminated string");
    const seg = s.slice(start, q);
    const bs = seg.indexOf("\\");
    if (bs < 0) {
      this.i = q + 1;
      return seg;
    }
    // Slow path: the string has escapes (Windows paths, quotes, control chars).
    let out = seg.slice(0, bs);
    let i = start + bs;
    for (;;) {
      let j = i;
      let c = s.charCodeAt(j);
      while (c !== 0x22 && c !== 0x5c && j < s.length) c = s.charCodeAt(++j);
      if (j > i) out += s.slice(i, j);
      i = j;
      if (i >= s.length) {
        this.i = i;
        this.fail("unterminated string");
      }
      if (c === 0x22) break;
      const e = s[i + 1];
      switch (e) {
        case '"':
        case "\\":
        case "/":
          out += e;
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "'":
          out += "'"; // Newtonsoft accepts \' (it writes it with single-quote delimiters)
          break;
        case "u": {
          const hex = s.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.i = i;
            this.fail("invalid \\u escape");
          }
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          this.i = i;
          this.fail("invalid escape sequence");
      }
      i += 2;
    }
    this.i = i + 1;
    return out;
  }

  /** Reads a number token; `integer` is false when it has a fraction or exponent. */
  number(): { value: number; integer: boolean } {
    this.ws();
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (!r) this.fail(`expected a number but found ${this.describe()}`);
    this.i += r[0].length;
    return { value: Number(r[0]), integer: r[1] === undefined && r[2] === undefined };
  }

  literal(): boolean | null {
    const s = this.s;
    if (s.startsWith("true", this.i)) {
      this.i += 4;
      return true;
    }
    if (s.startsWith("false", this.i)) {
      this.i += 5;
      return false;
    }
    if (s.startsWith("null", this.i)) {
      this.i += 4;
      return null;
    }
    this.fail(`unexpected ${this.describe()}`);
  }

  /** Skips any JSON value. */
  skip(depth = 0): void {
    if (depth > MAX_DEPTH) this.fail("nesting too deep");
    const c = this.peek();
    if (c === 0x22) this.string();
    else if (c === 0x7b) {
      this.i++;
      if (this.peek() === 0x7d) {
        this.i++;
        return;
      }
      for (;;) {
        this.string();
        this.expect(":");
        this.skip(depth + 1);
        if (this.peek() === 0x2c) this.i++;
        else return this.expect("}");
      }
    } else if (c === 0x5b) {
      this.i++;
      if (this.peek() === 0x5d) {
        this.i++;
        return;
      }
      for (;;) {
        this.skip(depth + 1);
        if (this.peek() === 0x2c) this.i++;
        else return this.expect("]");
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) this.number();
    else this.literal();
  }

  /** Reads `null` (returns undefined) or a value with `read`. */
  nullable<T>(read: () => T): T | undefined {
    if (this.peek() === 0x6e /* n */ && this.s.startsWith("null", this.i)) {
      this.i += 4;
      return undefined;
    }
    return read();
  }

  size(key: string): number | undefined {
    return this.nullable(() => {
      const c = this.peek();
      if (c !== 0x2d && !(c >= 0x30 && c <= 0x39)) {
        this.fail(`"${key}" must be an integer but found ${this.describe()}`);
      }
      const start = this.i;
      const n = this.number();
      if (!n.integer || !Number.isSafeInteger(n.value) || n.value < 0) {
        this.i = start;
        this.fail(
          `"${key}" must be a non-negative integer, got ${this.s.slice(start, start + 24)}`,
        );
      }
      return n.value;
    });
  }

  stringArray(key: string): string[] | undefined {
    return this.nullable(() => {
      if (this.peek() !== 0x5b) this.fail(`"${key}" must be an array of strings`);
      this.i++;
      const out: string[] = [];
      if (this.peek() === 0x5d) {
        this.i++;
        return out;
      }
      for (;;) {
        out.push(this.string());
        if (this.peek() === 0x2c) this.i++;
        else {
          this.expect("]");
          return out;
        }
      }
    });
  }

  /** Reads one entry object; returns undefined for an unknown type (skipped whole). */
  entry(): FilelistEntry | undefined {
    const objStart = this.i;
    this.expect("{");
    let rawType: string | undefined;
    const e: Partial<FilelistEntry> = {};
    if (this.peek() === 0x7d) this.i++;
    else {
      for (;;) {
        const key = this.string();
        this.expect(":");
        switch (key) {
          case "type":
            rawType = this.nullable(() => this.string());
            break;
          case "path":
          case "hash":
          case "time":
          case "metahash":
          case "metablockhash":
          case "blockhash":
            e[key] = this.nullable(() => this.string());
            break;
          case "size":
          case "metasize":
          case "blocksize":
            e[key] = this.size(key);
            break;
          case "blocklists":
          case "metablocklists":
            e[key] = this.stringArray(key);
            break;
          default:
            this.skip(1);
        }
        if (this.peek() === 0x2c) this.i++;
        else {
          this.expect("}");
          break;
        }
      }
    }
    const at = (msg: string): never => {
      this.i = objStart;
      this.fail(msg);
    };
    if (rawType === undefined) at('entry has no "type"');
    const type = TYPES[rawType!.toLowerCase()];
    if (!type) return undefined;
    if (e.path === undefined) at(`${type} entry has no "path"`);
    if (type === "File" || type === "AlternateStream") {
      if (e.hash === undefined) at(`${type} entry ${e.path} has no "hash"`);
      if (e.size === undefined) at(`${type} entry ${e.path} has no "size"`);
    }
    const out: FilelistEntry = { type, path: e.path! };
    for (
      const k of [
        "hash",
        "size",
        "time",
        "metahash",
        "metasize",
        "metablockhash",
        "metablocklists",
        "blocklists",
        "blockhash",
        "blocksize",
      ] as const
    ) {
      if (e[k] !== undefined) (out as Record<string, unknown>)[k] = e[k];
    }
    return out;
  }
}

/**
 * Streams the entries of a filelist.json (optional BOM), one at a time without materializing the
 * array. Lenient: any property order, unknown properties skipped, `type` matched
 * case-insensitively (result uses canonical capitalization), entries of unknown types skipped
 * whole, `null` treated as absent. Strict: well-formed JSON, sizes must be non-negative JSON
 * integers, `type`/`path` required, File/AlternateStream need `hash` and `size`; violations
 * throw IntegrityError naming `source` and the byte offset (entries before it are delivered).
 * `time` is returned as text, unparsed.
 */
export function* parseFilelist(
  bytes: Uint8Array,
  source = "filelist.json",
): Generator<FilelistEntry> {
  const split = new FilelistParser(source);
  yield* split.push(bytes);
  split.end();
}

/**
 * Parses a filelist.json that arrives in pieces (a zip entry being inflated): feed the pieces in
 * order to {@link push}, which yields the entries they complete, then call {@link end}. Only the
 * current piece and entry are in memory, never the whole list (tens of MB of text for 100,000
 * files). The top-level array is cut into its entry objects at the byte level (outside strings,
 * by bracket depth), and each entry is parsed alone; pieces may split the text anywhere, even
 * inside a UTF-8 sequence.
 */
export class FilelistParser {
  /** Where the splitter is: before the BOM, before `[`, before an entry (or `]` when `first`), inside one, after one, after `]`. */
  #state: "bom" | "open" | "before" | "entry" | "after" | "done" = "bom";
  #first = true;
  #bom = 0;
  /** Bytes seen before the current piece (for error positions). */
  #offset = 0;
  #entry = new Uint8Array(64 * 1024);
  #len = 0;
  #entryAt = 0;
  #depth = 0;
  #inString = false;
  #escape = false;

  constructor(readonly source = "filelist.json") {}

  #fail(at: number, msg: string): never {
    throw new IntegrityError(`Malformed ${this.source} at byte ${at}: ${msg}`);
  }

  #keep(piece: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (this.#len + n > this.#entry.length) {
      const grown = new Uint8Array(Math.max(this.#entry.length * 2, this.#len + n));
      grown.set(this.#entry.subarray(0, this.#len));
      this.#entry = grown;
    }
    this.#entry.set(piece.subarray(from, to), this.#len);
    this.#len += n;
  }

  /** Takes the next piece; yields the entries it completes (parse them before the next push). */
  *push(piece: Uint8Array): Generator<FilelistEntry> {
    let i = 0;
    const n = piece.length;
    while (i < n) {
      const c = piece[i];
      switch (this.#state) {
        case "bom":
          if (this.#bom < 3 && c === UTF8_BOM[this.#bom]) {
            this.#bom++;
            i++;
            continue;
          }
          if (this.#bom !== 0 && this.#bom !== 3) {
            this.#fail(this.#offset + i, "bad byte order mark");
          }
          this.#state = "open";
          continue;
        case "open":
          if (isSpace(c)) break;
          if (c !== 0x5b) this.#fail(this.#offset + i, "expected '['");
          this.#state = "before";
          break;
        case "before":
          if (isSpace(c)) break;
          if (c === 0x5d && this.#first) {
            this.#state = "done";
            break;
          }
          if (c !== 0x7b) this.#fail(this.#offset + i, "expected an entry object");
          this.#state = "entry";
          this.#entryAt = this.#offset + i;
          this.#len = 0;
          this.#depth = 0;
          this.#inString = false;
          this.#escape = false;
          continue; // the object's first byte is part of the entry
        case "entry": {
          // Scan to the end of the object (or of the piece), then keep that stretch.
          let j = i;
          let done = false;
          for (; j < n; j++) {
            const b = piece[j];
            if (this.#inString) {
              if (this.#escape) this.#escape = false;
              else if (b === 0x5c) this.#escape = true;
              else if (b === 0x22) this.#inString = false;
            } else if (b === 0x22) this.#inString = true;
            else if (b === 0x7b || b === 0x5b) {
              if (++this.#depth > MAX_DEPTH) this.#fail(this.#offset + j, "nesting too deep");
            } else if (b === 0x7d || b === 0x5d) {
              if (--this.#depth === 0) {
                done = true;
                j++;
                break;
              }
            }
          }
          this.#keep(piece, i, j);
          i = j;
          if (done) {
            const r = new Reader(
              entryDecoder.decode(this.#entry.subarray(0, this.#len)),
              this.source,
            );
            let e: FilelistEntry | undefined;
            try {
              e = r.entry();
              if (!isNaN(r.peek())) r.fail("unexpected data after the entry");
            } catch (err) {
              if (!(err instanceof IntegrityError)) throw err;
              throw new IntegrityError(
                err.message.replace(
                  / at character (\d+):/,
                  (_, k) => ` at byte ${this.#entryAt + Number(k)}:`,
                ),
              );
            }
            this.#state = "after";
            this.#first = false;
            if (this.#entry.length > 1 << 20) this.#entry = new Uint8Array(64 * 1024);
            if (e) yield e;
          }
          continue;
        }
        case "after":
          if (isSpace(c)) break;
          if (c === 0x2c) this.#state = "before";
          else if (c === 0x5d) this.#state = "done";
          else this.#fail(this.#offset + i, "expected ',' or ']' after an entry");
          break;
        case "done":
          if (!isSpace(c)) this.#fail(this.#offset + i, "unexpected data after the array");
          break;
      }
      i++;
    }
    this.#offset += n;
  }

  /** Checks that the array was complete; throws IntegrityError when it was not. */
  end(): void {
    if (this.#state === "done") return;
    const what = this.#state === "entry"
      ? (this.#inString ? "unterminated string" : "unterminated entry")
      : "unexpected end of input";
    this.#fail(this.#offset, what);
  }
}

const entryDecoder = new TextDecoder();

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The dlist `fileset` entry: BOM + `{"IsFullBackup":true|false}`. */
export function encodeFileset(isFull: boolean): Bytes {
  return withBom(`{"IsFullBackup":${isFull ? "true" : "false"}}`);
}

/**
 * Decodes a `fileset` entry (optional BOM). A missing `IsFullBackup` means full (as in dlists
 * without a fileset entry); malformed JSON or a non-boolean value throws IntegrityError.
 */
export function decodeFileset(bytes: Uint8Array): { isFullBackup: boolean } {
  const v = parseJsonBytes(bytes, "fileset");
  if (!isJsonObject(v)) throw new IntegrityError("Malformed fileset: not a JSON object");
  const f = v.IsFullBackup;
  if (f === undefined || f === null) return { isFullBackup: true };
  if (typeof f !== "boolean") {
    throw new IntegrityError("Malformed fileset: IsFullBackup is not a boolean");
  }
  return { isFullBackup: f };
}
