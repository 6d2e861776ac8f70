/**
 * Duplicati's path filters: an ordered list of include (`+`) and exclude (`-`) rules where the
 * first rule that matches a path decides.
 *
 * Rule syntax (as in `--include=` / `--exclude=`):
 *  - `*.txt`, `/home/*\/cache/` — wildcard: `*` matches any run of characters INCLUDING the path
 *    separator and `?` exactly one character (Duplicati's FilterExpression does the same; there is
 *    no `**`). A pattern without wildcards must equal the whole path.
 *  - `[.*\.tmp]` — regular expression (JavaScript syntax) that must match the WHOLE path.
 *  - `@/exact/path` — literal: `*` and `?` are ordinary characters.
 *  - `{CacheFiles}` — a built-in group; `{A,B}` joins groups (see {@link FILTER_GROUP_NAMES}).
 *
 * Folders are matched with a trailing separator (`/home/me/cache/`), so a pattern that ends in a
 * separator only matches folders and `*.txt` never matches a folder.
 *
 * When no rule matches, the path is included — except that a list made only of include rules
 * excludes unmatched files (it is a "back up only these" list, as in Duplicati). Unmatched folders
 * are still included then, so a walker descends into them to find matching files.
 *
 * Matching is case-insensitive on Windows and macOS and case-sensitive elsewhere (overridable).
 * On Windows `/` and `\` in a pattern match either separator.
 */

import { ArgumentError } from "./errors.ts";

/** How a rule's pattern is interpreted. */
export type FilterKind = "glob" | "regex" | "literal" | "group";

/** One filter rule. `pattern` is stored without its `[]`, `@` or `{}` decoration. */
export interface FilterRule {
  include: boolean;
  kind: FilterKind;
  pattern: string;
}

/** The outcome of {@link FilterList.evaluate}; `matched` is absent when no rule matched. */
export interface FilterDecision {
  include: boolean;
  matched?: FilterRule;
}

/** Platform knobs; the defaults follow the running system. */
export interface FilterPlatform {
  /** `Deno.build.os` style name; decides separators, case rules and group contents. */
  os?: string;
  /** Override the case rule (default: insensitive on windows/darwin). */
  caseSensitive?: boolean;
}

function currentOs(): string {
  try {
    return Deno.build.os;
  } catch {
    return "linux";
  }
}

/** The character that joins several filters (and paths) in one value: `;` on Windows, else `:`. */
export function pathListSeparator(os: string = currentOs()): string {
  return os === "windows" ? ";" : ":";
}

/** The directory separator used in paths on `os`. */
export function directorySeparator(os: string = currentOs()): string {
  return os === "windows" ? "\\" : "/";
}

/** Whether paths on `os` are compared without regard to case by default. */
export function isCaseInsensitiveOs(os: string = currentOs()): boolean {
  return os === "windows" || os === "darwin";
}

// ---------------------------------------------------------------------------------------------
// Built-in groups

/** Canonical names of the built-in filter groups. */
export const FILTER_GROUP_NAMES = [
  "SystemFiles",
  "OperatingSystem",
  "CacheFiles",
  "TemporaryFiles",
  "Applications",
] as const;
/** One of {@link FILTER_GROUP_NAMES}. */
export type FilterGroupName = typeof FILTER_GROUP_NAMES[number];

/** One-line descriptions of the groups, for help texts and the UI. */
export const FILTER_GROUP_DESCRIPTIONS: Readonly<Record<FilterGroupName, string>> = {
  SystemFiles:
    "Files owned by the system or not real files (device and process folders, swap and hibernation files).",
  OperatingSystem:
    "Files that belong to the operating system and come back when it is re-installed.",
  CacheFiles: "Known cache locations of the operating system and common applications.",
  TemporaryFiles: "Temporary files and folders, trash folders and editor backups.",
  Applications: "Installed programs and their libraries (not their settings).",
};

const GROUP_ALIASES: Record<string, readonly FilterGroupName[]> = {
  systemfiles: ["SystemFiles"],
  operatingsystem: ["OperatingSystem"],
  cachefiles: ["CacheFiles"],
  temporaryfiles: ["TemporaryFiles"],
  temporaryfolders: ["TemporaryFiles"],
  applications: ["Applications"],
  defaultexcludes: FILTER_GROUP_NAMES,
  default: FILTER_GROUP_NAMES,
  all: FILTER_GROUP_NAMES,
  none: [],
};

// Patterns are written with `/`; on Windows a `/` in a wildcard matches `\` as well.
// Regex entries are marked with [ ] like on the command line.
const COMMON: Partial<Record<FilterGroupName, string[]>> = {
  CacheFiles: [
    "*/Google/Chrome/*cache*",
    "*/Google/Chrome/Safe Browsing*",
    "*/Mozilla/Firefox/*cache*",
    "[.*[\\\\/](cookies|permissions)\\.sqlite(-.{3})?]",
  ],
};

const LINUX: Record<FilterGroupName, string[]> = {
  SystemFiles: ["/dev/", "/proc/", "/sys/", "/selinux/", "/run/"],
  OperatingSystem: ["/bin/", "/boot/", "/etc/", "/initrd/", "/sbin/", "/var/"],
  CacheFiles: [
    "*/.cache/",
    "*/.thumbnails/",
    "*/.config/google-chrome/Default/Cookies",
    "*/.config/google-chrome/Default/Cookies-journal",
  ],
  TemporaryFiles: ["/tmp/", "/var/tmp/", "*/lost+found/", "*~", "*/.local/share/Trash/"],
  Applications: ["/lib/", "/lib32/", "/lib64/", "/opt/", "/usr/", "/snap/"],
};

const DARWIN: Record<FilterGroupName, string[]> = {
  SystemFiles: [
    "/.vol/",
    "/dev/",
    "/net/",
    "/afs/",
    "/automount/",
    "/cores/",
    "/Network/",
    "/private/",
    "*/.fseventsd/",
    "*.dbfseventsd",
  ],
  OperatingSystem: [
    "/System/",
    "/bin/",
    "/sbin/",
    "/mach_kernel",
    "/mach.sym",
    "/Previous Systems*",
    "*/Library/Logs/",
  ],
  CacheFiles: [
    "*/.cache/",
    "*/Library/Caches/",
    "*/Library/Saved Application State/",
    "*/Library/Cookies/Cookies.binarycookies",
    "*/Library/Application Support/Google/Chrome/Default/Cookies",
    "*/Library/Application Support/Google/Chrome/Default/Cookies-journal",
    "*/Library/Safari/Icons.db",
    "*/Library/Safari/WebpageIcons.db",
    "*/Library/Safari/HistoryIndex.sk",
    "*/backups.backupdb/",
    "*MobileBackups/",
    "*.hotfiles.btree*",
    "*/.Spotlight-*/",
    "/Desktop DB",
    "/Desktop DF",
  ],
  TemporaryFiles: [
    "/tmp/",
    "/private/tmp/",
    "/private/var/folders/",
    "*/.Trash/",
    "*/.Trashes/",
    "*/Network Trash Folder/",
    "*/lost+found/",
    "*/Microsoft User Data/Entourage Temp/",
  ],
  Applications: ["/Applications/", "/Library/", "/usr/", "/opt/", "/sw/"],
};

const WINDOWS: Record<FilterGroupName, string[]> = {
  SystemFiles: [
    "?:/hiberfil.sys",
    "?:/pagefile.sys",
    "?:/swapfile.sys",
    "?:/System Volume Information/",
    "*/RECYCLER/",
    "*/NTUSER.DAT*",
    "*UsrClass.dat*",
    "*/Microsoft*/RecoveryStore*",
    "*/Microsoft*/Windows/*.edb",
    "*/MSOCache*",
    "?:/Windows/Installer*",
  ],
  OperatingSystem: [
    "?:/Windows/",
    "?:/Windows.old/",
    "?:/Config.Msi*",
    "?:/autoexec.bat",
    "*/Recent/",
  ],
  CacheFiles: [
    "*/AppData/Local/Microsoft/Windows/INetCache/",
    "*/AppData/Local/Microsoft/Windows/Explorer/thumbcache_*",
    "*/AppData/Local/Microsoft/Windows Store/",
    "*/AppData/Local/Packages/",
    "*/AppData/Local/CrashDumps/",
    "*/Temporary Internet Files/",
    "*/Local Settings/History/",
    "*/Google/Chrome/User Data/Default/Cookies",
    "*/Google/Chrome/User Data/Default/Cookies-journal",
    "*/Thumbs.db",
  ],
  TemporaryFiles: [
    "*/$RECYCLE.BIN/",
    "*.tmp",
    "*.tmp/",
    "*/AppData/Local/Temp*",
    "*/AppData/Temp*",
    "*/Local Settings/Temp*",
    "?:/Windows/Temp*",
  ],
  Applications: ["?:/Program Files/", "?:/Program Files (x86)/"],
};

function resolveGroups(spec: string): FilterGroupName[] {
  const out = new Set<FilterGroupName>();
  const names = spec.split(/[:,;|]/).map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) {
    throw new ArgumentError(
      `Empty filter group '{${spec}}'. Known groups: ${
        [...FILTER_GROUP_NAMES, "DefaultExcludes"].join(", ")
      }.`,
      "UnknownFilterGroup",
    );
  }
  for (const n of names) {
    const g = GROUP_ALIASES[n.toLowerCase()];
    if (!g) {
      throw new ArgumentError(
        `Unknown filter group '${n}'. Known groups: ${
          [...FILTER_GROUP_NAMES, "DefaultExcludes"].join(", ")
        }.`,
        "UnknownFilterGroup",
      );
    }
    for (const x of g) out.add(x);
  }
  return [...out];
}

/**
 * The patterns behind a group expression such as `CacheFiles` or `CacheFiles,TemporaryFiles`
 * (`DefaultExcludes` = all groups) for `os`: wildcards as written, regexes in `[ ]`.
 * Throws ArgumentError for unknown group names.
 */
export function filterGroupPatterns(spec: string, os: string = currentOs()): string[] {
  const table = os === "windows" ? WINDOWS : os === "darwin" ? DARWIN : LINUX;
  const out: string[] = [];
  for (const g of resolveGroups(spec)) out.push(...(COMMON[g] ?? []), ...table[g]);
  return [...new Set(out)];
}

// ---------------------------------------------------------------------------------------------
// Parsing and serialising

/** `$VAR`, `${VAR}` and `%VAR%` expanded from `env`; unknown variables are left as written. */
export function expandEnvironmentVariables(
  value: string,
  env: Record<string, string | undefined>,
): string {
  return value.replace(
    /%([A-Za-z_][A-Za-z0-9_]*)%|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, a?: string, b?: string, c?: string) => env[(a ?? b ?? c)!] ?? all,
  );
}

/** Validates a rule's pattern (regex syntax, group names); throws ArgumentError. */
function checkRule(rule: FilterRule): FilterRule {
  if (rule.kind === "regex") {
    try {
      new RegExp(rule.pattern);
    } catch (e) {
      throw new ArgumentError(
        `Invalid regular expression filter [${rule.pattern}]: ${(e as Error).message}`,
        "InvalidFilter",
      );
    }
  } else if (rule.kind === "group") {
    resolveGroups(rule.pattern);
  }
  return rule;
}

/** Reads one decorated pattern (`[re]`, `{Group}`, `@lit`, glob) without splitting it. */
export function parseFilterRule(text: string, include: boolean): FilterRule {
  if (text.length >= 2 && text.startsWith("[") && text.endsWith("]")) {
    return checkRule({ include, kind: "regex", pattern: text.slice(1, -1) });
  }
  if (text.length >= 2 && text.startsWith("{") && text.endsWith("}")) {
    return checkRule({ include, kind: "group", pattern: text.slice(1, -1) });
  }
  if (text.startsWith("@")) return { include, kind: "literal", pattern: text.slice(1) };
  return { include, kind: "glob", pattern: text };
}

/**
 * Parses the value of one `--include`/`--exclude` into rules. Like Duplicati, a value that is not a
 * single `[regex]` or `{group}` may hold several patterns joined by the path-list separator
 * (`:` on Linux/macOS, `;` on Windows). Empty input gives []. Throws ArgumentError for a bad regex
 * or group.
 */
export function parseFilterExpression(
  expr: string,
  include: boolean,
  platform: FilterPlatform = {},
): FilterRule[] {
  if (expr === undefined || expr === null || expr.trim() === "") return [];
  if (
    expr.length < 2 || (expr.startsWith("[") && expr.endsWith("]")) ||
    (expr.startsWith("{") && expr.endsWith("}"))
  ) {
    return [parseFilterRule(expr, include)];
  }
  const sep = pathListSeparator(platform.os ?? currentOs());
  return expr.split(sep).filter((p) => p !== "").map((p) => parseFilterRule(p, include));
}

/** The rule as written on a command line: `*.txt`, `[regex]`, `@literal`, `{Group}`. */
export function ruleToString(rule: FilterRule): string {
  switch (rule.kind) {
    case "regex":
      return `[${rule.pattern}]`;
    case "group":
      return `{${rule.pattern}}`;
    case "literal":
      return `@${rule.pattern}`;
    default:
      return rule.pattern;
  }
}

/**
 * Serialises rules to Duplicati's `+pat:-pat` form (joined with the path-list separator of `os`),
 * as used in parameter files, `DUPLICATI__FILTER` and the server's filter column.
 */
export function serializeFilters(rules: readonly FilterRule[], os: string = currentOs()): string {
  const sep = pathListSeparator(os);
  return rules.map((r) => (r.include ? "+" : "-") + ruleToString(r)).join(sep);
}

/**
 * Parses the `+pat:-pat` form. Each item starts with `+` (include) or `-` (exclude); an item
 * without a sign continues the previous rule's sign (Duplicati splits such values the same way).
 * A `[regex]` item runs to the `]` that is followed by a separator or the end, so regexes may
 * contain the separator. Throws ArgumentError when the first item has no sign.
 */
export function parseSerializedFilters(value: string, os: string = currentOs()): FilterRule[] {
  const sep = pathListSeparator(os);
  const s = String(value ?? "");
  const out: FilterRule[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === sep || s[i] === "\n" || s[i] === "\r") {
      i++;
      continue;
    }
    let include: boolean;
    if (s[i] === "+" || s[i] === "-") {
      include = s[i] === "+";
      i++;
    } else if (out.length > 0) {
      include = out[out.length - 1].include;
    } else {
      throw new ArgumentError(
        `Invalid filter list '${s}': each filter must start with + (include) or - (exclude), ` +
          `e.g. +*.txt${sep}-*.tmp`,
        "InvalidFilter",
      );
    }
    let end = -1;
    const close = s[i] === "[" ? "]" : s[i] === "{" ? "}" : "";
    if (close) {
      for (let j = s.indexOf(close, i + 1); j >= 0; j = s.indexOf(close, j + 1)) {
        if (j + 1 === s.length || s[j + 1] === sep || s[j + 1] === "\n" || s[j + 1] === "\r") {
          end = j + 1;
          break;
        }
      }
    }
    if (end < 0) {
      end = i;
      while (end < s.length && s[end] !== sep && s[end] !== "\n" && s[end] !== "\r") end++;
    }
    const text = s.slice(i, end);
    if (text !== "") out.push(parseFilterRule(text, include));
    i = end;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Matching

interface CompiledRule {
  rule: FilterRule;
  test: (path: string) => boolean;
}

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|\/]/.test(ch) ? `\\${ch}` : ch;
}

function globSource(glob: string, windows: boolean): string {
  let out = "";
  for (const ch of glob) {
    if (ch === "*") out += "[^]*";
    else if (ch === "?") out += "[^]";
    else if (windows && (ch === "/" || ch === "\\")) out += "[\\\\/]";
    else out += escapeRegex(ch);
  }
  return out;
}

function patternSource(text: string, windows: boolean): string {
  if (text.length >= 2 && text.startsWith("[") && text.endsWith("]")) return text.slice(1, -1);
  if (text.startsWith("@")) {
    let out = "";
    for (const ch of text.slice(1)) {
      out += windows && (ch === "/" || ch === "\\") ? "[\\\\/]" : escapeRegex(ch);
    }
    return out;
  }
  return globSource(text, windows);
}

function compileRule(rule: FilterRule, os: string, caseSensitive: boolean): CompiledRule {
  const windows = os === "windows";
  const flags = caseSensitive ? "" : "i";
  switch (rule.kind) {
    case "literal": {
      const norm = (p: string) => {
        const a = windows ? p.replaceAll("/", "\\") : p;
        return caseSensitive ? a : a.toLowerCase();
      };
      const want = norm(rule.pattern);
      return { rule, test: (p) => norm(p) === want };
    }
    case "glob": {
      if (!rule.pattern.includes("*") && !rule.pattern.includes("?") && !windows) {
        const want = caseSensitive ? rule.pattern : rule.pattern.toLowerCase();
        return { rule, test: (p) => (caseSensitive ? p : p.toLowerCase()) === want };
      }
      const re = new RegExp(`^(?:${globSource(rule.pattern, windows)})$`, flags + "u");
      return { rule, test: (p) => re.test(p) };
    }
    case "regex": {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${rule.pattern})$`, flags);
      } catch (e) {
        throw new ArgumentError(
          `Invalid regular expression filter [${rule.pattern}]: ${(e as Error).message}`,
          "InvalidFilter",
        );
      }
      return { rule, test: (p) => re.test(p) };
    }
    case "group": {
      const sources = filterGroupPatterns(rule.pattern, os).map((p) => patternSource(p, windows));
      if (sources.length === 0) return { rule, test: () => false };
      const re = new RegExp(`^(?:${sources.map((s) => `(?:${s})`).join("|")})$`, flags);
      return { rule, test: (p) => re.test(p) };
    }
  }
}

/**
 * An ordered, compiled filter list. Build it once and call {@link FilterList.evaluate} per path;
 * every rule is compiled to a RegExp (or a plain string compare) up front.
 */
export class FilterList {
  /** The rules in evaluation order. */
  readonly rules: readonly FilterRule[];
  /** True when the list has include rules and no exclude rules (unmatched files are excluded). */
  readonly includeOnly: boolean;
  readonly #compiled: CompiledRule[];
  readonly #dirSep: string;
  readonly #windows: boolean;

  /** Compiles `rules` (order kept). Throws ArgumentError for a bad regex or unknown group. */
  constructor(rules: readonly FilterRule[], platform: FilterPlatform = {}) {
    const os = platform.os ?? currentOs();
    const caseSensitive = platform.caseSensitive ?? !isCaseInsensitiveOs(os);
    this.rules = Object.freeze(rules.map((r) => ({ ...r })));
    this.#compiled = this.rules.map((r) => compileRule(r, os, caseSensitive));
    this.#dirSep = directorySeparator(os);
    this.#windows = os === "windows";
    this.includeOnly = this.rules.length > 0 && this.rules.every((r) => r.include);
  }

  /** A list from rules already in command-line order (as {@link parseCommandLine} collects them). */
  static fromArgs(rules: readonly FilterRule[], platform: FilterPlatform = {}): FilterList {
    return new FilterList(rules, platform);
  }

  /**
   * A list from separate include and exclude expressions, when their relative order is unknown
   * (API callers, settings). `order` says which kind goes first; default `"include-first"`, so a
   * specific include can rescue a file from a broad exclude. Each expression is parsed with
   * {@link parseFilterExpression}.
   */
  static fromOptions(
    opts: {
      include?: readonly string[];
      exclude?: readonly string[];
      order?: "include-first" | "exclude-first";
    },
    platform: FilterPlatform = {},
  ): FilterList {
    const inc = (opts.include ?? []).flatMap((e) => parseFilterExpression(e, true, platform));
    const exc = (opts.exclude ?? []).flatMap((e) => parseFilterExpression(e, false, platform));
    const rules = opts.order === "exclude-first" ? [...exc, ...inc] : [...inc, ...exc];
    return new FilterList(rules, platform);
  }

  /** A list from the serialised `+pat:-pat` form. */
  static deserialize(value: string, platform: FilterPlatform = {}): FilterList {
    return new FilterList(parseSerializedFilters(value, platform.os), platform);
  }

  /** True when there are no rules (everything is included). */
  get isEmpty(): boolean {
    return this.rules.length === 0;
  }

  /**
   * Decides one path. Folders are matched with a trailing separator (added when missing).
   * First matching rule wins; with no match the path is included, except files under an
   * include-only list (see the module comment). Never throws.
   */
  evaluate(path: string, isFolder: boolean): FilterDecision {
    let p = path;
    if (isFolder) {
      const last = p[p.length - 1];
      if (last !== this.#dirSep && !(this.#windows && last === "/")) p += this.#dirSep;
    }
    const c = this.#compiled;
    for (let i = 0; i < c.length; i++) {
      if (c[i].test(p)) return { include: c[i].rule.include, matched: c[i].rule };
    }
    return { include: isFolder || !this.includeOnly };
  }

  /** Shorthand for `evaluate(path, isFolder).include`. */
  includes(path: string, isFolder: boolean): boolean {
    return this.evaluate(path, isFolder).include;
  }

  /** The list in `+pat:-pat` form for the current (or given) OS. */
  serialize(os?: string): string {
    return serializeFilters(this.rules, os);
  }

  /** Same as {@link FilterList.serialize}. */
  toString(): string {
    return this.serialize();
  }
}
