/**
 * Duplicati's command line syntax: `<command> [positional...] [--option[=value]...]`.
 *
 * - Options may appear anywhere; `--opt` alone means "true"; values are never taken from the next
 *   argument (`--opt value` makes `value` a positional, as in Duplicati).
 * - Option names are case-insensitive and aliases resolve to the registry's canonical name.
 * - Repeated options: the last one wins, except repeatable ones (`--include`, `--exclude`,
 *   `--default-filters`), which keep every value in command-line order.
 * - `--parameters-file=<path>` adds options from a file (explicit arguments win).
 * - `PASSPHRASE`, `AUTH_USERNAME` and `AUTH_PASSWORD` fill in the matching options when unset.
 */

import { ArgumentError, ExitCode, UserError } from "../core/errors.ts";
import {
  expandEnvironmentVariables,
  type FilterRule,
  parseFilterExpression,
  parseFilterRule,
  parseSerializedFilters,
  pathListSeparator,
} from "../core/filters.ts";
import { findOption } from "../core/options.ts";
import { OptionValues } from "../core/option_values.ts";

/** The result of {@link parseCommandLine}. */
export interface ParsedCommandLine {
  /** First positional, lower case; `help` when there is none or `--help` was given. */
  command: string;
  /** The positionals after the command (storage URL, sources, patterns...). */
  positionals: string[];
  /** Canonical option name -> value; repeatable options hold every value in order. */
  options: Record<string, string | string[]>;
  /** `--include`/`--exclude`/`--default-filters` rules in command-line order. */
  filters: FilterRule[];
  /** Unknown or deprecated options, ignored parameter-file lines. */
  warnings: string[];
}

const ENV_FALLBACKS: ReadonlyArray<[string, string]> = [
  ["PASSPHRASE", "passphrase"],
  ["AUTH_USERNAME", "auth-username"],
  ["AUTH_PASSWORD", "auth-password"],
];

const FILE_SPECIAL = new Set([
  "source",
  "target",
  "append-filter",
  "prepend-filter",
  "replace-filter",
]);

function safeEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}

interface Sink {
  options: Record<string, string | string[]>;
  filters: FilterRule[];
  special: Record<string, string[]>;
  help: boolean;
}

function newSink(): Sink {
  return { options: {}, filters: [], special: {}, help: false };
}

/** Splits `--name=value` / `--name` into name, value and "bare"; undefined for non-options. */
function splitOption(arg: string): [string, string, boolean] | undefined {
  if (!arg.startsWith("--") || arg.length <= 2) return undefined;
  const eq = arg.indexOf("=");
  const key = (eq >= 0 ? arg.slice(2, eq) : arg.slice(2)).toLowerCase();
  let value = eq >= 0 ? arg.slice(eq + 1) : "true";
  if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  return [key, value, eq < 0];
}

function addOption(
  sink: Sink,
  key: string,
  value: string,
  env: Record<string, string>,
  warnings: string[],
  inFile: boolean,
  bare = false,
): void {
  if (key === "help" || key === "?") {
    sink.help = true;
    return;
  }
  if (key === "main-action") {
    throw new ArgumentError(
      "The option --main-action was supplied, but it is reserved for internal use and may not " +
        "be set on the command line.",
      "InternalOptionUsed",
    );
  }
  if (inFile && FILE_SPECIAL.has(key)) {
    (sink.special[key] ??= []).push(value);
    return;
  }
  const def = findOption(key);
  if (!def) {
    warnings.push(`The supplied option --${key} is not supported and will be ignored`);
    sink.options[key] = value;
    return;
  }
  if (def.deprecated) warnings.push(`The option --${key} is deprecated: ${def.deprecated}`);
  const name = def.name;
  if (name === "include" || name === "exclude") {
    if (value === "" || bare) {
      // Duplicati silently ignores a filter without a pattern, which hides typos. Say so.
      throw new ArgumentError(`--${key} needs a pattern, e.g. --${key}=*.txt`, "MissingFilter");
    }
    const expanded = expandEnvironmentVariables(value, env);
    sink.filters.push(...parseFilterExpression(expanded, name === "include"));
  } else if (name === "default-filters") {
    const groups = value === "true" || value === "" ? "DefaultExcludes" : value;
    sink.filters.push(parseFilterRule(`{${groups}}`, false));
  }
  if (def.repeatable) {
    const prev = sink.options[name];
    sink.options[name] = prev === undefined
      ? [value]
      : [...(Array.isArray(prev) ? prev : [prev]), value];
  } else {
    sink.options[name] = value;
  }
}

function readParametersFile(
  path: string,
  env: Record<string, string>,
  warnings: string[],
): Sink {
  const expanded = expandEnvironmentVariables(path, env);
  let text: string;
  try {
    text = Deno.readTextFileSync(expanded);
  } catch (e) {
    throw new UserError(
      `Unable to read the parameters file "${expanded}", reason: ${(e as Error).message}`,
      { exitCode: ExitCode.Fatal, code: "ParametersFileError" },
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const sink = newSink();
  let lineNo = 0;
  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    lineNo++;
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const kv = splitOption(line);
    if (!kv) {
      warnings.push(
        `Line ${lineNo} of the parameters file "${expanded}" is not an --option=value line and is ignored: ${line}`,
      );
      continue;
    }
    if (kv[0] === "parameters-file" || findOption(kv[0])?.name === "parameters-file") {
      warnings.push(`A parameters file cannot include another one; --${kv[0]} is ignored`);
      continue;
    }
    addOption(sink, kv[0], kv[1], env, warnings, true, kv[2]);
  }
  return sink;
}

function serializedFilters(value: string): FilterRule[] {
  try {
    return parseSerializedFilters(value);
  } catch (e) {
    throw new UserError(
      `Invalid filter list in the parameters file: ${(e as Error).message}`,
      { exitCode: ExitCode.Fatal, code: "ParametersFileError" },
    );
  }
}

/**
 * Parses a command line in Duplicati's syntax (see the module comment). Unknown options are kept
 * and reported in `warnings`. Every known option's value is validated against the registry.
 * Throws ArgumentError (exit 200) for invalid values, `--main-action` or bad filters, and
 * UserError (exit 100) when the parameters file cannot be read or filters are given both there
 * and on the command line.
 */
export function parseCommandLine(
  argv: string[],
  env: Record<string, string> = safeEnv(),
): ParsedCommandLine {
  const warnings: string[] = [];
  const cli = newSink();
  const positionals: string[] = [];
  for (const arg of argv) {
    const kv = splitOption(arg);
    if (kv) addOption(cli, kv[0], kv[1], env, warnings, false, kv[2]);
    else positionals.push(arg);
  }

  let command = (positionals.shift() ?? "help").toLowerCase();
  let options = cli.options;
  let filters = cli.filters;

  const paramFile = options["parameters-file"];
  if (typeof paramFile === "string" && paramFile !== "" && paramFile !== "true") {
    const file = readParametersFile(paramFile, env, warnings);
    if (file.filters.length > 0 && filters.length > 0) {
      const sep = pathListSeparator();
      throw new UserError(
        "Filters cannot be specified on the command line if filters are also present in the " +
          "parameter file. Use the special --replace-filter, --append-filter, or --prepend-filter " +
          "options to specify filters inside the parameter file. Each filter must be prefixed " +
          `with either a + or a -, and multiple filters must be joined with ${sep}`,
        { exitCode: ExitCode.Fatal, code: "FiltersCannotBeUsedOnCommandLineAndInParameterFile" },
      );
    }
    options = { ...file.options, ...options };
    if (file.filters.length > 0) filters = file.filters;
    const sp = file.special;
    for (const v of sp["prepend-filter"] ?? []) filters = [...serializedFilters(v), ...filters];
    for (const v of sp["append-filter"] ?? []) filters = [...filters, ...serializedFilters(v)];
    for (const v of sp["replace-filter"] ?? []) filters = serializedFilters(v);
    const target = sp["target"]?.at(-1);
    if (target !== undefined && target !== "" && positionals.length === 0) positionals.push(target);
    const sources = (sp["source"] ?? []).filter((s) => s !== "");
    if (sources.length > 0) {
      if (command === "backup") positionals.push(...sources);
      else {
        warnings.push(`The source= lines of the parameters file are ignored for "${command}"`);
      }
    }
  }

  for (const [envName, opt] of ENV_FALLBACKS) {
    const v = env[envName];
    if (options[opt] === undefined && v !== undefined && v !== "") options[opt] = v;
  }

  if (cli.help && command !== "help") {
    positionals.unshift(command);
    command = "help";
  } else if (cli.help) {
    command = "help";
  }

  new OptionValues(options).validate();

  return { command, positionals, options, filters, warnings };
}
