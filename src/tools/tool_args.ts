/** Command line of the stand-alone tools: positionals and `--name=value` options, as Duplicati. */
import { findOption } from "../core/options.ts";
import { OptionValues } from "../core/option_values.ts";
import type { Backend } from "../backends/backend.ts";
import { openBackend } from "../backends/registry.ts";
import type { Logger } from "../core/log.ts";
import { ArgumentError } from "../core/errors.ts";
import { FilterList, parseFilterExpression } from "../core/filters.ts";

/** The parsed arguments of a tool. */
export interface ToolArgs {
  positionals: string[];
  options: OptionValues;
}

/**
 * Splits `argv` into positionals and options (`--opt` alone means true; names are
 * case-insensitive and aliases resolve to the registry's names). Throws ArgumentError for an
 * invalid value of a known option.
 */
export function parseToolArgs(argv: string[]): ToolArgs {
  const positionals: string[] = [];
  const raw: Record<string, string> = {};
  for (const a of argv) {
    if (a.startsWith("--") && a.length > 2) {
      const eq = a.indexOf("=");
      const name = (eq >= 0 ? a.slice(2, eq) : a.slice(2)).toLowerCase();
      raw[findOption(name)?.name ?? name] = eq >= 0 ? a.slice(eq + 1) : "true";
    } else positionals.push(a);
  }
  const options = new OptionValues(raw);
  options.validate();
  return { positionals, options };
}

/**
 * Opens a backend for a tool: decorated like the engine's, but without retries unless
 * `--number-of-retries` is given (a tool should show a failure as it happens).
 */
export function openToolBackend(url: string, opts: OptionValues, logger?: Logger): Backend {
  const o = opts.has("number-of-retries") ? opts : opts.with({ "number-of-retries": "0" });
  return openBackend(url, o, logger);
}

/**
 * The `--include` / `--exclude` filters of `argv` in command-line order (first match wins, as
 * Duplicati). Throws ArgumentError for a filter without a pattern, a bad regex or group.
 */
export function toolFilters(argv: string[]): FilterList {
  const rules = [];
  for (const a of argv) {
    const m = /^--(include|exclude)(?:=(.*))?$/is.exec(a);
    if (!m) continue;
    const kind = m[1].toLowerCase();
    if (!m[2]) throw new ArgumentError(`--${kind} needs a pattern, e.g. --${kind}=*.txt`);
    rules.push(...parseFilterExpression(m[2], kind === "include"));
  }
  return FilterList.fromArgs(rules);
}
