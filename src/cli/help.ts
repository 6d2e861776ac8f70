/**
 * Help texts for the command line, generated from the command table below and the options
 * registry, so they never drift from what the parser accepts.
 */

import { ArgumentError } from "../core/errors.ts";
import {
  FILTER_GROUP_DESCRIPTIONS,
  FILTER_GROUP_NAMES,
  filterGroupPatterns,
  pathListSeparator,
} from "../core/filters.ts";
import {
  allOptions,
  describeDefault,
  findOption,
  type OptionCategory,
  type OptionDef,
} from "../core/options.ts";
import { PRODUCT_NAME, VERSION } from "../core/version.ts";
import { expandPortablePath, PORTABLE_MARKER } from "../core/portable_paths.ts";

/** One command of the command line tool. */
export interface CommandInfo {
  /** Canonical name. */
  name: string;
  /** Other accepted names. */
  aliases: string[];
  /** Arguments after the command name, e.g. `<storage-URL> <source>...`. */
  usage: string;
  /** One line for the command list. */
  summary: string;
  /** A paragraph for `help <command>`. */
  description: string;
}

/** Every command, in the order `help` lists them. */
export const COMMANDS: readonly CommandInfo[] = [
  {
    name: "backup",
    aliases: [],
    usage: "<storage-URL> <source-path>...",
    summary: "Back up files and folders to the storage.",
    description:
      "Scans the source folders and files, splits new and changed files into blocks, stores " +
      "blocks not stored before in compressed and encrypted volumes, and uploads them with a " +
      "file list of this version. Afterwards old versions are deleted according to " +
      "--keep-versions, --keep-time or --retention-policy, space is compacted and a sample of " +
      "remote files is tested. Exit code 1 means nothing changed and nothing was uploaded. " +
      "Sources and a local storage folder may start with %PORTABLE% (the program's folder), " +
      "see help portable.",
  },
  {
    name: "restore",
    aliases: [],
    usage: '<storage-URL> ["<file pattern>"...]',
    summary: "Restore files from a backup.",
    description:
      "Restores the files matching the patterns (all files when none or * is given) from the " +
      "newest version, or the one chosen with --version or --time. Patterns without wildcards " +
      "match anywhere in the path. Files go back to their original location unless " +
      "--restore-path is given; existing files are only replaced with --overwrite, otherwise the " +
      "restored file gets a timestamped name. Every restored file is checked against its hash.",
  },
  {
    name: "find",
    aliases: ["list"],
    usage: '<storage-URL> ["<filename, wildcard or [regex]>"...]',
    summary: "List versions, or find files in them.",
    description:
      "Without a pattern, lists the versions of the backup (number, date, file count and size). " +
      "With patterns, lists matching files: find searches every version, list only the newest " +
      "(falling back to all versions when nothing matched). A lone number selects a version, a " +
      "lone time value a point in time.",
  },
  {
    name: "list-filesets",
    aliases: [],
    usage: "<storage-URL>",
    summary: "List the versions (filesets) of a backup.",
    description:
      "Lists every version with its number (0 = newest), date and, when known, file count and " +
      "size. Uses the local database, or the remote file list with --no-local-db.",
  },
  {
    name: "list-folder-contents",
    aliases: ["list-folder-content"],
    usage: '<storage-URL> ["<folder>"...]',
    summary: "Browse the folders of one version.",
    description:
      "Shows the files and folders directly inside the given folders of one version (the newest, " +
      "or the one chosen with --version or --time). Without a folder, shows the top-level folders.",
  },
  {
    name: "list-file-versions",
    aliases: [],
    usage: '<storage-URL> ["<path>"...]',
    summary: "Show every stored version of the given files.",
    description:
      "For each exact path (case-sensitive), lists the versions that contain it with the file's " +
      "size and modification time in each.",
  },
  {
    name: "search",
    aliases: ["search-files", "search-entries"],
    usage: '<storage-URL> ["<folder>"...]',
    summary: "Search for paths matching filters.",
    description:
      "Lists paths below the given folders that match --include/--exclude filters (matched " +
      "case-insensitively), in the newest version or in all versions with --all-versions.",
  },
  {
    name: "compare",
    aliases: [],
    usage: "<storage-URL> [<base-version> [<compare-to-version>]]",
    summary: "Show what changed between two versions.",
    description:
      "Lists added, deleted and modified files between two versions, given as version numbers " +
      "or times; by default the two newest. Only the first few of each list are shown unless " +
      "--full-result is given.",
  },
  {
    name: "delete",
    aliases: [],
    usage: "<storage-URL>",
    summary: "Delete old versions.",
    description:
      "Deletes the versions chosen with --version, or those outside --keep-versions, --keep-time " +
      "or --retention-policy (one of them is required). The newest version is kept unless " +
      "--allow-full-removal is given. Use --dry-run to see what would be deleted. Wasted space " +
      "is compacted afterwards unless --no-auto-compact.",
  },
  {
    name: "compact",
    aliases: [],
    usage: "<storage-URL>",
    summary: "Reclaim remote space left by deleted versions.",
    description:
      "Downloads volumes where more than --threshold percent is unused, repacks the blocks still " +
      "in use into new volumes, uploads them and deletes the old ones; also merges small volumes " +
      "(--small-file-size, --small-file-max-count).",
  },
  {
    name: "test",
    aliases: ["verify"],
    usage: "<storage-URL> [<samples>|all]",
    summary: "Download remote files and check them.",
    description:
      "Compares the remote file list with the local database (missing, unknown and resized files " +
      "are reported by name), then downloads the given number of samples (default 1; all checks " +
      "everything), each a file list, an index and a data volume, least recently checked first, " +
      "and checks their size and hash; with --full-remote-verification also their content " +
      "against the database. Exit code 3 means problems were found, 100 that nothing was examined.",
  },
  {
    name: "repair",
    aliases: [],
    usage: "<storage-URL>",
    summary: "Fix the local database or the remote files.",
    description:
      "Without a local database (or with an empty one), recreates it from the remote file lists " +
      "and index files, reading data volumes only where an index is missing or damaged; an " +
      "interrupted recreate continues when repair runs again. With a database, seals an " +
      "interrupted backup as a partial version, re-uploads missing index and file list files " +
      "rebuilt from the database, deletes leftovers of interrupted uploads and unknown data " +
      "files, and reports what cannot be fixed (exit code 3). With " +
      "--rebuild-missing-dblock-files, lost data volumes are rebuilt from unchanged source " +
      "files; otherwise their files are reported by list-broken-files and stored again by the " +
      "next backup where the source still has them.",
  },
  {
    name: "purge",
    aliases: [],
    usage: '<storage-URL> ["<path>"...]',
    summary: "Remove files from existing versions.",
    description:
      "Rewrites the chosen versions (all by default, or --version/--time) without the given " +
      "paths or the files matching --include, then compacts. Give either paths or filters, not " +
      "both. Use --dry-run first.",
  },
  {
    name: "list-broken-files",
    aliases: [],
    usage: "<storage-URL>",
    summary: "List files that cannot be restored because remote data is missing.",
    description:
      "Finds files whose blocks live in missing or damaged remote volumes (or in none after a " +
      "repair), grouped by version; the first 5 per version unless --full-result. Volumes are " +
      "checked against the remote listing (presence, size); --full-remote-verification=True " +
      "also downloads and hashes every data volume. Use purge-broken-files to remove them so " +
      "the rest of the backup stays usable.",
  },
  {
    name: "purge-broken-files",
    aliases: [],
    usage: "<storage-URL>",
    summary: "Remove files that cannot be restored from all versions.",
    description:
      "Removes the files reported by list-broken-files from the database and the remote file " +
      "lists. Use --dry-run to see what would be removed.",
  },
  {
    name: "affected",
    aliases: [],
    usage: "<storage-URL> <remote-filename>...",
    summary: "Show which versions and files depend on given remote files.",
    description:
      "Lists the versions and files that would be damaged if the given remote volumes were lost. " +
      "Needs the local database.",
  },
  {
    name: "vacuum",
    aliases: [],
    usage: "<storage-URL>",
    summary: "Shrink the local database file.",
    description: "Rebuilds the local database file to release unused space (SQLite VACUUM).",
  },
  {
    name: "create-report",
    aliases: [],
    usage: "<storage-URL> <output-file>",
    summary: "Write an anonymised copy of the database for bug reports.",
    description:
      "Copies the local database to the output file with paths and names replaced, so it can be " +
      "attached to a bug report without revealing your files.",
  },
  {
    name: "test-filters",
    aliases: ["test-filter"],
    usage: "<source-path>...",
    summary: "Show which files the filters include or exclude.",
    description:
      "Walks the source paths exactly like a backup would, applying --include/--exclude and the " +
      "other source options, and prints for every path whether it is included or excluded and " +
      "by which filter. Nothing is backed up.",
  },
  {
    name: "system-info",
    aliases: ["systeminfo"],
    usage: "",
    summary: "Show version, paths and platform information.",
    description:
      "Prints the program version, operating system, data folder, temporary folder and the " +
      "supported storage types and modules.",
  },
  {
    name: "help",
    aliases: [],
    usage: "[<command>|<option>|<topic>]",
    summary: "Show help for a command, an option or a topic.",
    description:
      "Topics: every command, every option (e.g. help blocksize), options (all options), " +
      "filter, filter-groups, size, time, returncodes, portable.",
  },
];

const WIDTH = 78;

/** Word-wraps `text` to WIDTH columns with `indent` before every line; keeps blank lines. */
function wrap(text: string, indent = ""): string {
  const out: string[] = [];
  for (const para of text.split("\n")) {
    if (para.trim() === "") {
      out.push("");
      continue;
    }
    let line = indent;
    for (const word of para.split(/\s+/).filter((w) => w !== "")) {
      if (line.length > indent.length && line.length + 1 + word.length > WIDTH) {
        out.push(line);
        line = indent + word;
      } else {
        line += (line.length > indent.length ? " " : "") + word;
      }
    }
    out.push(line);
  }
  return out.join("\n");
}

/** Finds a command by name or alias (case-insensitive). */
export function findCommand(name: string): CommandInfo | undefined {
  const n = name.toLowerCase();
  return COMMANDS.find((c) => c.name === n || c.aliases.includes(n));
}

const TYPE_HINT: Record<string, string> = {
  boolean: "",
  string: "<text>",
  integer: "<number>",
  decimal: "<number>",
  size: "<size>",
  timespan: "<timespan>",
  enum: "<value>",
  flags: "<values>",
  path: "<path>",
  password: "<secret>",
  filter: "<filter>",
  time: "<time>",
};

function optionSyntax(o: OptionDef): string {
  const hint = TYPE_HINT[o.type];
  return hint ? `--${o.name}=${hint}` : `--${o.name}`;
}

function optionLine(o: OptionDef): string {
  const def = o.default !== undefined ? describeDefault(o) : o.defaultText;
  let head = `  ${optionSyntax(o)}`;
  if (def !== undefined) {
    const tail = `(default: ${def})`;
    head = head.length + 2 + tail.length <= WIDTH
      ? `${head}  ${tail}`
      : `${head}\n${wrap(tail, "      ")}`;
  }
  return `${head}\n${wrap(o.summary, "      ")}`;
}

function generalHelp(): string {
  const w = 22;
  const lines: string[] = [];
  for (const c of COMMANDS) {
    const names = [c.name, ...c.aliases].join(", ");
    const body = wrap(c.summary, " ".repeat(w + 4)).trimStart();
    if (names.length > w) lines.push(`  ${names}`, `  ${" ".repeat(w)}  ${body}`);
    else lines.push(`  ${names.padEnd(w)}  ${body}`);
  }
  return [
    `${PRODUCT_NAME} ${VERSION} - command line`,
    "",
    "Usage: duplicati-cli <command> [arguments] [--option=value ...]",
    "",
    "Commands:",
    ...lines,
    "",
    wrap(
      "Options are written --name=value and may appear anywhere on the line; --name alone " +
        "means true. The storage URL looks like file:///backups/docs, ssh://host/path or " +
        "s3://bucket/prefix; a plain folder path means the file storage. %PORTABLE% at the " +
        "start of a source or local storage path is the program's folder (help portable).",
    ),
    "",
    "More help:",
    "  help <command>        usage and options of one command, e.g. help backup",
    "  help <option>         one option, e.g. help blocksize",
    "  help options          all options by category",
    "  help filter           --include/--exclude syntax; help filter-groups for {groups}",
    "  help size, help time  how to write sizes, timespans and dates",
    "  help returncodes      exit codes",
    "  help portable         paths relative to the program's folder (%PORTABLE%)",
  ].join("\n");
}

function commandHelp(c: CommandInfo): string {
  const names = [c.name, ...c.aliases];
  const specific = allOptions().filter((o) => o.commands?.includes(c.name) && !o.deprecated);
  const lines = [
    `${c.name}: ${c.summary}`,
    "",
    `Usage: duplicati-cli ${c.name}${c.usage ? ` ${c.usage}` : ""} [--option=value ...]`,
  ];
  if (c.aliases.length) lines.push(`Also called: ${names.slice(1).join(", ")}`);
  lines.push("", wrap(c.description));
  if (specific.length) {
    lines.push("", `Options for ${c.name}:`);
    for (const o of specific) lines.push(optionLine(o));
  }
  if (c.name !== "help" && c.name !== "system-info") {
    lines.push(
      "",
      wrap(
        "Options for every command include --passphrase, --no-encryption, --dbpath, --prefix, " +
          "--console-log-level, --log-file and --parameters-file; see help options.",
      ),
    );
  }
  return lines.join("\n");
}

function optionHelp(o: OptionDef): string {
  const lines = [`--${o.name}`];
  lines.push(`  Type: ${o.type}${o.defaultUnit ? ` (a bare number is in ${o.defaultUnit})` : ""}`);
  lines.push(`  Default: ${describeDefault(o)}`);
  if (o.aliases?.length) lines.push(`  Aliases: ${o.aliases.map((a) => `--${a}`).join(", ")}`);
  if (o.values?.length) {
    lines.push(
      `  Allowed values: ${o.values.join(", ")}${o.type === "flags" ? " (comma-separated)" : ""}`,
    );
  }
  if (o.min !== undefined) lines.push(`  Minimum: ${o.min}`);
  if (o.max !== undefined) lines.push(`  Maximum: ${o.max}`);
  if (o.commands?.length) lines.push(`  Used by: ${o.commands.join(", ")}`);
  lines.push(`  Category: ${o.category}`);
  if (o.repeatable) lines.push("  May be given several times; every value is used, in order.");
  if (o.deprecated) lines.push(`  Deprecated: ${o.deprecated}`);
  lines.push("", wrap(o.summary, "  "));
  if (o.description) lines.push("", wrap(o.description, "  "));
  lines.push("", `  Example: ${optionSyntax(o).replace(/<[^>]+>/, exampleValue(o))}`);
  return lines.join("\n");
}

function exampleValue(o: OptionDef): string {
  if (o.default !== undefined && o.default !== "" && !o.default.includes("\n")) {
    return o.default.includes(" ") ? `"${o.default}"` : o.default;
  }
  switch (o.type) {
    case "size":
      return "100mb";
    case "timespan":
      return "30D";
    case "time":
      return "2024-05-17T13:45";
    case "integer":
    case "decimal":
      return "1";
    case "enum":
    case "flags":
      return o.values?.[0] ?? "value";
    case "path":
      return "/path/to/file";
    case "filter":
      return "*.tmp";
    default:
      return "value";
  }
}

const CATEGORY_TITLES: Record<OptionCategory, string> = {
  core: "General",
  backup: "Backup",
  restore: "Restore",
  encryption: "Encryption",
  compression: "Compression",
  remote: "Storage and transfers",
  retention: "Retention and compacting",
  filters: "Filters and source selection",
  database: "Local database and data folder",
  logging: "Logging and console",
  performance: "Performance",
  advanced: "Advanced",
  reporting: "Reports",
  hooks: "Scripts",
};

function optionsHelp(): string {
  const lines = [
    "All options (help <option> shows details):",
  ];
  for (const cat of Object.keys(CATEGORY_TITLES) as OptionCategory[]) {
    const opts = allOptions().filter((o) => o.category === cat);
    if (!opts.length) continue;
    lines.push("", `${CATEGORY_TITLES[cat]}:`);
    for (const o of opts) {
      lines.push(o.deprecated ? `${optionLine(o)} (deprecated)` : optionLine(o));
    }
  }
  return lines.join("\n");
}

function returnCodesHelp(): string {
  return [
    "Exit codes:",
    "  0    Success",
    "  1    Success, but nothing changed and nothing was uploaded (backup)",
    "  2    Success with warnings",
    "  3    Finished with errors (backup); problems found on the storage (test)",
    "  50   The backup uploaded some files but did not finish (interrupted)",
    "  100  An error stopped the operation (test: nothing to examine)",
    "  200  Invalid command line: unknown command, wrong arguments, bad option value",
  ].join("\n");
}

function filterHelp(): string {
  const sep = pathListSeparator();
  return [
    wrap(
      "Filters choose which paths a command works on: --include=<filter> and " +
        "--exclude=<filter>, each may be given many times. They are checked in command-line " +
        "order and the FIRST filter that matches decides. A path no filter matches is " +
        'included, except that a list of only --include filters means "only these files" ' +
        "(folders are still searched).",
    ),
    "",
    "Forms:",
    "  *.txt             wildcards: * any characters (also across folders),",
    "                    ? exactly one character",
    "  /home/me/cache/   ending in / matches folders only (folders are matched with a",
    "                    trailing /); nothing inside an excluded folder is backed up",
    "  /home/me/a.txt    without wildcards the whole path must be equal",
    "  [.*\\.tmp]         a regular expression that must match the whole path",
    "  @/data/what?.txt  literal: * and ? are ordinary characters",
    "  {CacheFiles}      a built-in group of paths, see help filter-groups",
    "",
    wrap(
      `One value may hold several filters joined by ${sep}, e.g. --exclude=*.tmp${sep}*.bak. ` +
        "Environment variables ($HOME, ${HOME}, %USERPROFILE%) are expanded. Matching " +
        "ignores case on Windows and macOS and respects it on Linux.",
    ),
    "",
    "Example: back up a home folder without temporary files, but keep keep.tmp:",
    "  duplicati-cli backup file:///mnt/backup /home/me \\",
    "    --include=*/keep.tmp --exclude=*.tmp",
    "",
    wrap(
      "In parameter files and scripts filters are written +include and -exclude, joined by " +
        `${sep}, e.g. --append-filter=+*.txt${sep}-*.tmp. Use test-filters to see the effect ` +
        "on your files.",
    ),
  ].join("\n");
}

function filterGroupsHelp(): string {
  const lines = [
    wrap(
      "Filter groups are used as {Name} in --include/--exclude, or with " +
        "--default-filters=Name. Several groups can be joined: {CacheFiles,TemporaryFiles}. " +
        "{DefaultExcludes} is all of them. The patterns depend on the operating system; " +
        "these are the ones for this system:",
    ),
  ];
  for (const g of FILTER_GROUP_NAMES) {
    lines.push("", wrap(`${g}: ${FILTER_GROUP_DESCRIPTIONS[g]}`));
    for (const p of filterGroupPatterns(g)) lines.push(`    ${p}`);
  }
  return lines.join("\n");
}

function sizeHelp(): string {
  return wrap(
    "Sizes are a number with an optional unit: b, kb, mb, gb or tb (case-insensitive, " +
      "binary: 1kb = 1024 bytes). Decimals are allowed: 1.5gb. Examples: " +
      "--dblock-size=100mb, --skip-files-larger-than=2gb, --throttle-upload=500kb.\n" +
      "A number without a unit uses the option's own unit, shown by help <option> " +
      "(--blocksize counts in kb, --dblock-size in mb).",
  );
}

function timeHelp(): string {
  return [
    "Points in time (--time, and times given to find and compare):",
    "  now                 the current time",
    "  2024-05-17          ISO date and time; local time unless a zone is given,",
    "  2024-05-17T13:45    e.g. 2024-05-17T13:45:00Z (UTC) or 2024-05-17 13:45+02:00",
    "  17.05.2024 13:45    day.month.year",
    "  05/17/2024          month/day/year (day/month when the first number is > 12)",
    "  1715950000          Unix time in seconds",
    "  20240517T134500Z    the time stamp used in remote file names",
    "  13:45               today at that time",
    "  2D, 1M4D            that long ago (a leading - is allowed: -2D)",
    "",
    wrap(
      "Timespans (--keep-time, --retry-delay, ...) are numbers with units, combined as " +
        "needed: Y years, M months, W weeks, D days, h hours, m minutes, s seconds. " +
        "Examples: 30D, 6M, 1Y, 1h30m, 1M4D3m; parts may be negative: 1D-1s. A plain number " +
        "is seconds. Note M (months) versus m (minutes).",
    ),
    "",
    wrap("Versions (--version): 0 is the newest; lists and ranges such as 0,2-4 are allowed."),
  ].join("\n");
}

function encryptionHelp(): string {
  const opts = allOptions().filter((o) => o.category === "encryption");
  return [
    wrap(
      "Remote files are encrypted with AES-256 in the AESCrypt format, compatible with " +
        "Duplicati. Give the passphrase with --passphrase or the PASSPHRASE environment " +
        "variable; on a terminal you are asked for it. Without the passphrase a backup cannot " +
        "be restored, and nobody can recover it for you.",
    ),
    "",
    ...opts.map(optionLine),
  ].join("\n");
}

function compressionHelp(): string {
  const opts = allOptions().filter((o) => o.category === "compression");
  return [
    wrap(
      "Volumes are zip files (Deflate), readable by Duplicati and by standard zip tools once " +
        "decrypted. Already compressed files (images, videos, archives) are stored as they are.",
    ),
    "",
    ...opts.map(optionLine),
  ].join("\n");
}

function portableHelp(): string {
  const sep = Deno.build.os === "windows" ? "\\" : "/";
  return [
    wrap(
      `${PORTABLE_MARKER} at the start of a source path, a local storage folder (file:// URL or ` +
        "plain path) or --restore-path stands for the folder holding the program: the " +
        "executable's folder, or the project folder when run from source. Backups keep the " +
        "path as written and find the folder anew each time, so a portable folder on a USB " +
        "stick keeps working when the stick gets another drive letter or mount point, or the " +
        "whole folder is moved or copied. / and \\ both separate the rest.",
    ),
    "",
    `Here ${PORTABLE_MARKER} is ${expandPortablePath(PORTABLE_MARKER + sep)}`,
    "",
    "Example: back up the stick's documents folder to its backups folder:",
    `  duplicati backup file://${PORTABLE_MARKER}/backups ${PORTABLE_MARKER}/documents`,
    `  duplicati restore file://${PORTABLE_MARKER}/backups --restore-path=${PORTABLE_MARKER}/restored`,
    "",
    wrap(
      "In a shell, quote the paths when it could read %...% itself (Windows cmd expands " +
        "%PORTABLE% only when an environment variable of that name exists). The local " +
        "database of such a backup is found by the path as written, and the data folder " +
        "records databases inside it by file name, so it moves with the program.",
    ),
  ].join("\n");
}

const TOPICS: Record<string, () => string> = {
  portable: portableHelp,
  returncodes: returnCodesHelp,
  "return-codes": returnCodesHelp,
  exitcodes: returnCodesHelp,
  "exit-codes": returnCodesHelp,
  filter: filterHelp,
  filters: filterHelp,
  "filter-groups": filterGroupsHelp,
  filtergroups: filterGroupsHelp,
  size: sizeHelp,
  sizes: sizeHelp,
  time: timeHelp,
  date: timeHelp,
  timespan: timeHelp,
  options: optionsHelp,
  advanced: optionsHelp,
  encryption: encryptionHelp,
  compression: compressionHelp,
};

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

function suggestions(topic: string): string[] {
  const names = [
    ...Object.keys(TOPICS),
    ...COMMANDS.flatMap((c) => [c.name, ...c.aliases]),
    ...allOptions().flatMap((o) => [o.name, ...(o.aliases ?? [])]),
  ];
  const scored = names
    .map((n) => ({
      n,
      d: n.includes(topic) || (topic.includes(n) && n.length > 3) ? 1 : distance(topic, n),
    }))
    .filter((x) => x.d <= Math.max(2, Math.floor(topic.length / 3)))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n));
  return [...new Set(scored.map((x) => x.n))].slice(0, 5);
}

/**
 * Help text for `topic`: nothing = general usage; a command or alias; an option name or alias
 * (with or without `--`); or one of the topics returncodes, filter(s), filter-groups, size, portable,
 * time/date, options/advanced, encryption, compression. Topics win over options of the same
 * name (`help time`); write `help --time` for the option. Throws ArgumentError with close matches
 * for unknown topics.
 */
export function helpText(topic?: string): string {
  let t = (topic ?? "").trim().toLowerCase();
  if (t === "") return generalHelp();
  if (t.includes(" ")) t = t.split(/\s+/)[0];
  if (t.startsWith("--")) {
    const o = findOption(t);
    if (o) return optionHelp(o);
    t = t.slice(2);
  }
  const special = TOPICS[t];
  if (special) return special();
  const cmd = findCommand(t);
  if (cmd) return commandHelp(cmd);
  const opt = findOption(t);
  if (opt) return optionHelp(opt);
  const close = suggestions(t);
  throw new ArgumentError(
    `There is no help for "${topic}".` +
      (close.length ? ` Did you mean: ${close.join(", ")}?` : "") +
      ` Run "help" for the list of commands or "help options" for all options.`,
    "UnknownHelpTopic",
  );
}
