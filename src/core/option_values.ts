/**
 * Typed, validated access to option values. Wraps the raw `name -> value` record the command line
 * parser (or the server) produced and applies the registry's defaults, units and allowed values.
 */

import { ArgumentError } from "./errors.ts";
import { findOption, type OptionDef } from "./options.ts";
import { parseSize, type SizeUnit } from "./sizes.ts";
import { parseRetentionPolicy, parseTimespan } from "./timespan.ts";
import { parseTimeValue, parseVersionList } from "./timeparse.ts";

/** Raw option values as parsed: canonical name -> value (or values, for repeatable options). */
export type RawOptions = Record<string, string | string[]>;

const TRUE_WORDS = new Set(["", "1", "on", "true", "yes"]);
const FALSE_WORDS = new Set(["0", "off", "false", "no"]);

/**
 * Reads a Duplicati boolean: bare flag or "" = true; `1 on true yes` = true; `0 off false no` =
 * false (case-insensitive). Returns undefined for anything else.
 */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  return undefined;
}

function bad(name: string, value: string, why: string): ArgumentError {
  return new ArgumentError(`Invalid value '${value}' for --${name}: ${why}`, "InvalidOptionValue");
}

/** Re-throws a parser's ArgumentError with the option name in front. */
function named<T>(name: string, value: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ArgumentError) throw bad(name, value, e.message);
    throw e;
  }
}

/**
 * Typed option getters. Names may be given as canonical names or aliases. Every getter applies
 * the registry default when the option is absent and throws ArgumentError naming the option
 * (`--name`) when the value is invalid. Getters taking a `fallback` use it when there is neither
 * a value nor a registry default.
 */
export class OptionValues {
  readonly #raw: RawOptions;

  /** Wraps `raw` (copied; keys should be canonical option names). */
  constructor(raw: RawOptions = {}) {
    this.#raw = { ...raw };
  }

  #key(name: string): string {
    return findOption(name)?.name ?? name.replace(/^--/, "").toLowerCase();
  }

  #def(name: string): OptionDef | undefined {
    return findOption(name);
  }

  /** The last given value, else the registry default, else undefined. */
  #value(name: string): string | undefined {
    const v = this.#raw[this.#key(name)];
    if (Array.isArray(v)) return v.length ? v[v.length - 1] : undefined;
    if (v !== undefined) return v;
    return this.#def(name)?.default;
  }

  /** True when the option was given (defaults do not count). */
  has(name: string): boolean {
    return this.#raw[this.#key(name)] !== undefined;
  }

  /** Boolean option; absent without a default = false. */
  bool(name: string): boolean {
    const v = this.#value(name);
    if (v === undefined) return false;
    const b = parseBoolean(v);
    if (b === undefined) {
      throw bad(
        this.#key(name),
        v,
        "use true/false, yes/no, on/off or 1/0 (a bare --flag is true)",
      );
    }
    return b;
  }

  /** String value (last one if repeated). */
  str(name: string): string | undefined;
  str(name: string, fallback: string): string;
  str(name: string, fallback?: string): string | undefined {
    return this.#value(name) ?? fallback;
  }

  /** Whole number, checked against the registry's min/max. */
  int(name: string): number | undefined;
  int(name: string, fallback: number): number;
  int(name: string, fallback?: number): number | undefined {
    const v = this.#value(name);
    if (v === undefined || v.trim() === "") return fallback;
    const key = this.#key(name);
    if (!/^\s*[+-]?\d+\s*$/.test(v)) throw bad(key, v, "expected a whole number");
    return this.#bounded(key, v, Number(v), (s) => Number(s));
  }

  /** Decimal number (`.` separator), checked against min/max. */
  decimal(name: string): number | undefined;
  decimal(name: string, fallback: number): number;
  decimal(name: string, fallback?: number): number | undefined {
    const v = this.#value(name);
    if (v === undefined || v.trim() === "") return fallback;
    const key = this.#key(name);
    if (!/^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(v)) {
      throw bad(key, v, "expected a number such as 0.5 (use . as decimal separator)");
    }
    return this.#bounded(key, v, Number(v), (s) => Number(s));
  }

  /** Size in bytes; a bare number uses the option's `defaultUnit`. Checked against min/max. */
  size(name: string): number | undefined;
  size(name: string, fallback: number): number;
  size(name: string, fallback?: number): number | undefined {
    const v = this.#value(name);
    if (v === undefined || v.trim() === "") return fallback;
    const key = this.#key(name);
    const unit = (this.#def(name)?.defaultUnit ?? "b") as SizeUnit;
    const n = named(key, v, () => parseSize(v, unit));
    return this.#bounded(key, v, n, (s) => parseSize(s, unit));
  }

  /** Timespan in milliseconds (a bare number is in the option's unit, seconds by default). */
  timespan(name: string): number | undefined;
  timespan(name: string, fallback: number): number;
  timespan(name: string, fallback?: number): number | undefined {
    const v = this.#value(name);
    if (v === undefined || v.trim() === "") return fallback;
    const key = this.#key(name);
    const n = named(key, v, () => parseTimespan(v, "s"));
    return this.#bounded(key, v, n, (s) => parseTimespan(s, "s"));
  }

  /**
   * Enum value in its canonical spelling (matched case-insensitively). Unknown values throw
   * ArgumentError "Invalid value 'x' for --name. Allowed values: A, B, C".
   */
  enumValue(name: string): string | undefined;
  enumValue(name: string, fallback: string): string;
  enumValue(name: string, fallback?: string): string | undefined {
    let v = this.#value(name);
    if (v === undefined) return fallback;
    const def = this.#def(name);
    const values = def?.values;
    if (!values) return v;
    // A bare flag on a True/False style enum (`--full-remote-verification`) means True.
    if (v === "" && values.some((x) => x.toLowerCase() === "true")) v = "true";
    const hit = values.find((x) => x.toLowerCase() === v!.trim().toLowerCase());
    if (hit === undefined) {
      throw new ArgumentError(
        `Invalid value '${v}' for --${def!.name}. Allowed values: ${values.join(", ")}`,
        "InvalidOptionValue",
      );
    }
    return hit;
  }

  /** Comma-separated flags, each in canonical spelling; unknown flags throw. Absent = []. */
  flags(name: string): string[] {
    const v = this.#value(name);
    if (v === undefined || v.trim() === "") return [];
    const def = this.#def(name);
    const out: string[] = [];
    for (const part of v.split(/[,;|]/).map((s) => s.trim()).filter((s) => s !== "")) {
      const hit = def?.values
        ? def.values.find((x) => x.toLowerCase() === part.toLowerCase())
        : part;
      if (hit === undefined) {
        throw new ArgumentError(
          `Invalid value '${part}' for --${def!.name}. Allowed values: ${def!.values!.join(", ")}`,
          "InvalidOptionValue",
        );
      }
      if (!out.includes(hit)) out.push(hit);
    }
    return out;
  }

  /**
   * Every value given for a repeatable option, in order (the default as one item when absent and
   * there is one). With `split`, each value is also split on that separator and empty parts dropped.
   */
  list(name: string, split?: string | RegExp): string[] {
    const raw = this.#raw[this.#key(name)];
    let vals: string[];
    if (raw === undefined) {
      const d = this.#def(name)?.default;
      vals = d === undefined || d === "" ? [] : [d];
    } else {
      vals = Array.isArray(raw) ? [...raw] : [raw];
    }
    if (split === undefined) return vals;
    return vals.flatMap((v) => v.split(split)).filter((s) => s !== "");
  }

  /** A point in time (`--time` syntax), relative values counted back from `now`. */
  time(name: string, now: Date = new Date()): Date | undefined {
    const v = this.#value(name);
    if (v === undefined || v.trim() === "") return undefined;
    return named(this.#key(name), v, () => parseTimeValue(v, now));
  }

  /** A `--version` style list (`0,2-4`) as sorted numbers; absent = []. */
  versions(name = "version"): number[] {
    const v = this.#value(name);
    if (v === undefined) return [];
    return named(this.#key(name), v, () => parseVersionList(v));
  }

  /** A copy of the raw values. */
  raw(): RawOptions {
    const out: RawOptions = {};
    for (const [k, v] of Object.entries(this.#raw)) out[k] = Array.isArray(v) ? [...v] : v;
    return out;
  }

  /** A new OptionValues with `overrides` applied on top; an `undefined` override removes a value. */
  with(overrides: Record<string, string | string[] | undefined>): OptionValues {
    const next = this.raw();
    for (const [k, v] of Object.entries(overrides)) {
      const key = this.#key(k);
      if (v === undefined) delete next[key];
      else next[key] = v;
    }
    return new OptionValues(next);
  }

  /**
   * Checks the value of every given option that the registry knows, by its type. Unknown options
   * are left alone (the parser warns about them). Throws the first ArgumentError found.
   */
  validate(now: Date = new Date()): void {
    for (const key of Object.keys(this.#raw)) {
      const def = findOption(key);
      if (!def) continue;
      switch (def.type) {
        case "boolean":
          this.bool(key);
          break;
        case "integer":
          this.int(key);
          break;
        case "decimal":
          this.decimal(key);
          break;
        case "size":
          this.size(key);
          break;
        case "timespan":
          this.timespan(key);
          break;
        case "enum":
          this.enumValue(key);
          break;
        case "flags":
          this.flags(key);
          break;
        case "time":
          this.time(key, now);
          break;
        default:
          break;
      }
      if (def.name === "version") this.versions(key);
      if (def.name === "retention-policy") {
        const v = this.str(key);
        if (v) named(def.name, v, () => parseRetentionPolicy(v));
      }
    }
  }

  #bounded(key: string, text: string, n: number, parse: (s: string) => number): number {
    const def = findOption(key);
    if (def?.min !== undefined && n < parse(def.min)) {
      throw bad(key, text, `must be at least ${def.min}`);
    }
    if (def?.max !== undefined && n > parse(def.max)) {
      throw bad(key, text, `must be at most ${def.max}`);
    }
    return n;
  }
}
