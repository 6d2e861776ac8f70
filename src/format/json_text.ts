/**
 * JSON text helpers shared by the remote-format writers and readers.
 *
 * Writers reproduce Newtonsoft.Json's compact output byte for byte (spec §2.3); readers are
 * lenient (optional BOM, any property order).
 */

import { type Bytes, utf8 } from "../core/bytes.ts";
import { IntegrityError } from "../core/errors.ts";

/** The UTF-8 byte order mark `EF BB BF` that `new StreamWriter(s, Encoding.UTF8)` writes. */
export const UTF8_BOM: Bytes = new Uint8Array([0xef, 0xbb, 0xbf]);

// Characters Newtonsoft escapes with the default StringEscapeHandling and `"` as the quote:
// control chars < 0x20, `"`, `\`, and U+0085 / U+2028 / U+2029. `/`, `'`, `<`, `>`, `&` and all
// other non-ASCII characters are written raw.
// deno-lint-ignore no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u0085\u2028\u2029]/;

/**
 * Returns `s` as a quoted JSON string literal, escaped exactly like Newtonsoft.Json's default
 * writer: `\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r`, other chars < 0x20 and U+0085/U+2028/U+2029 as
 * `\uXXXX` with lower-case hex; everything else raw.
 */
export function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string;
    if (c < 0x20) {
      switch (c) {
        case 0x08:
          esc = "\\b";
          break;
        case 0x09:
          esc = "\\t";
          break;
        case 0x0a:
          esc = "\\n";
          break;
        case 0x0c:
          esc = "\\f";
          break;
        case 0x0d:
          esc = "\\r";
          break;
        default:
          esc = "\\u00" + c.toString(16).padStart(2, "0");
      }
    } else if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = "\\\\";
    else if (c === 0x85 || c === 0x2028 || c === 0x2029) {
      esc = "\\u" + c.toString(16).padStart(4, "0");
    } else continue;
    if (i > last) out += s.slice(last, i);
    out += esc;
    last = i + 1;
  }
  if (last < s.length) out += s.slice(last);
  return out + '"';
}

/** Returns `json` UTF-8 encoded with a leading BOM (what Duplicati's BOM-writing entries contain). */
export function withBom(json: string): Bytes {
  // U+FEFF encodes as the BOM's three bytes: one allocation instead of two and a copy.
  return utf8("\uFEFF" + json);
}

/** True when `b` starts with the UTF-8 BOM. */
export function hasBom(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
}

// Keeps a BOM in the text so that exactly one is stripped below, whatever the caller passed.
const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Decodes UTF-8 JSON text (invalid sequences become U+FFFD), dropping one optional leading BOM. */
export function decodeJsonText(b: Uint8Array): string {
  return textDecoder.decode(hasBom(b) ? b.subarray(3) : b);
}

/**
 * Parses UTF-8 JSON bytes (optional BOM) with `JSON.parse`; throws IntegrityError naming `what`
 * when the text is not valid JSON.
 */
export function parseJsonBytes(b: Uint8Array, what: string): unknown {
  const text = decodeJsonText(b);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new IntegrityError(`Malformed JSON in ${what}: ${(e as Error).message}`);
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
