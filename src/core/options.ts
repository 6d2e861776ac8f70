/**
 * THE options registry: every option of the program is declared here once, with its type, default,
 * help text and category. The command line parser, `help`, the server and the web UI all read it.
 *
 * `default` is always a value the option parser accepts (so `OptionValues` can apply it); when the
 * real default is computed at run time (CPU count, host name, a fraction of another option),
 * `default` is left out and `defaultText` says how it is computed.
 */

/** How an option's value is parsed and validated. */
export type OptionType =
  | "boolean"
  | "string"
  | "integer"
  | "decimal"
  | "size"
  | "timespan"
  | "enum"
  | "flags"
  | "path"
  | "password"
  | "filter"
  | "time";

/** Groups options for help pages and settings screens. */
export type OptionCategory =
  | "core"
  | "backup"
  | "restore"
  | "encryption"
  | "compression"
  | "remote"
  | "retention"
  | "filters"
  | "database"
  | "logging"
  | "performance"
  | "advanced"
  | "reporting"
  | "hooks";

/** One declared option. */
export interface OptionDef {
  /** Canonical name, lower case, without `--`. */
  name: string;
  /** Other accepted names; they resolve to `name`. */
  aliases?: string[];
  type: OptionType;
  /** Default value in option syntax (parsable by the option's type). */
  default?: string;
  /** Shown instead of `default` when the default is computed at run time. */
  defaultText?: string;
  /** One or two sentences a user can act on. */
  summary: string;
  /** Longer explanation for `help <option>`. */
  description?: string;
  /** Allowed values of `enum`/`flags` options, in their canonical spelling. */
  values?: string[];
  category: OptionCategory;
  /** Commands the option is meant for; absent = it applies to every command. */
  commands?: string[];
  /** Unit assumed when a size or timespan value has none. */
  defaultUnit?: "b" | "kb" | "mb" | "s";
  /** Why the option is deprecated and what to use instead. */
  deprecated?: string;
  /** Inclusive lower bound, in option syntax. */
  min?: string;
  /** Inclusive upper bound, in option syntax. */
  max?: string;
  /** The option may be given several times and every value is kept in order. */
  repeatable?: boolean;
}

// Command groups used in `commands` below.
const BACKUP = ["backup"];
const RESTORE = ["restore"];
const SELECT_VERSION = [
  "restore",
  "find",
  "list-folder-contents",
  "list-file-versions",
  "search",
  "compare",
  "delete",
  "purge",
  "test",
];
const LISTING = ["find", "list-filesets", "list-folder-contents", "list-file-versions", "search"];
const FILTERED = ["backup", "restore", "find", "search", "compare", "purge", "test-filters"];
const DELETING = ["backup", "delete"];
const COMPACTING = ["backup", "delete", "compact", "purge", "purge-broken-files"];
const DRY_RUN = [
  "backup",
  "delete",
  "compact",
  "repair",
  "purge",
  "purge-broken-files",
  "restore",
];
const VERIFYING = ["backup", "test"];
const WALKING = ["backup", "test-filters"];
const REPAIRING = ["repair"];
const FULL_RESULT = ["compare", "test", "list-broken-files", "affected", "find", "search"];

const LOG_LEVELS = [
  "ExplicitOnly",
  "Profiling",
  "Verbose",
  "Retry",
  "Information",
  "DryRun",
  "Warning",
  "Error",
];
const HASHES = ["SHA256", "SHA384", "SHA512", "SHA1"];
const REPORT_LEVELS = ["All", "Success", "Warning", "Error", "Fatal"];
const RESULT_FORMATS = ["Duplicati", "Json"];

/** Every option the program understands. */
export const OPTIONS: readonly OptionDef[] = [
  // ------------------------------------------------------------------ encryption
  {
    name: "passphrase",
    type: "password",
    category: "encryption",
    summary:
      "Passphrase that encrypts the remote files. Keep it safe: without it the backup cannot be restored.",
    description:
      "If encryption is on (the default) and no passphrase is given, it is read from the " +
      "environment variable PASSPHRASE, or asked for on the terminal. Use --no-encryption to " +
      "store files unencrypted instead. The passphrase of an existing backup cannot be changed " +
      "without --allow-passphrase-change.",
  },
  {
    name: "no-encryption",
    type: "boolean",
    default: "false",
    category: "encryption",
    summary: "Store the remote files without encryption. Only do this on storage you fully trust.",
  },
  {
    name: "encryption-module",
    type: "enum",
    default: "aes",
    values: ["aes"],
    category: "encryption",
    summary:
      "Encryption used for remote files: aes (AES-256 in the AESCrypt file format, readable by Duplicati).",
  },
  {
    name: "allow-passphrase-change",
    type: "boolean",
    default: "false",
    category: "encryption",
    commands: BACKUP,
    summary:
      "Allow a backup to continue with a passphrase that differs from the one stored in the local database.",
    description:
      "Files already uploaded keep their old passphrase; a restore then needs both passphrases. " +
      "Without this option a changed passphrase stops the backup so a typo cannot split a backup.",
  },

  // ------------------------------------------------------------------ compression
  {
    name: "compression-module",
    type: "enum",
    default: "zip",
    values: ["zip"],
    category: "compression",
    summary: "Container and compression of the remote volumes: zip (Deflate, as Duplicati).",
  },
  {
    name: "zip-compression-level",
    aliases: ["compression-level"],
    type: "integer",
    default: "2",
    min: "0",
    max: "9",
    category: "compression",
    summary: "Deflate level for zip volumes, 0 (store, fastest) to 9 (smallest). Default 2.",
    description:
      "Duplicati defaults to 9. This edition defaults to 2 because on typical backup data levels " +
      "2 to 9 give almost the same size (measured on a mixed 1 GiB set: level 2 is 0.6% larger " +
      "than 3, which is under 1% from 9) while level 2 compresses several times faster than 9 " +
      "and ~10% faster than 3, so backups finish sooner. Level 1 uses a quicker method that " +
      "leaves text noticeably larger (about a third on small text files). Files that are " +
      "already compressed (zip, jpg, mp4, ...), and blocks that a quick sample shows to be " +
      "incompressible, are stored without a deflate attempt at any level. Use 9 to squeeze out " +
      "the last bytes, 1 when the CPU is the bottleneck, 0 to turn compression off.",
  },
  {
    name: "zip-compression-method",
    type: "enum",
    default: "Deflate",
    values: ["Deflate", "None"],
    category: "compression",
    summary:
      "Compression method inside zip volumes: Deflate, or None to store blocks uncompressed.",
  },
  {
    name: "zip-compression-zip64",
    type: "boolean",
    default: "false",
    category: "compression",
    summary:
      "Always write zip64 headers. Not needed normally: zip64 is used automatically when a volume needs it.",
  },

  // ------------------------------------------------------------------ core / storage layout
  {
    name: "dblock-size",
    aliases: ["remote-volume-size", "volsize"],
    type: "size",
    default: "50mb",
    defaultUnit: "mb",
    min: "1mb",
    category: "core",
    commands: ["backup", "compact", "purge", "repair"],
    summary:
      "Maximum size of each remote data volume (dblock). Larger volumes mean fewer files but bigger downloads on restore.",
    description:
      "Can be changed at any time; existing volumes keep their size until compacted. A bare " +
      "number is in MB. Keep it well below any file size limit of the storage.",
  },
  {
    name: "blocksize",
    type: "size",
    default: "1mb",
    defaultUnit: "kb",
    min: "1kb",
    category: "core",
    commands: ["backup"],
    summary:
      "Size of the blocks files are split into for deduplication. Cannot be changed after the first backup.",
    description:
      "Smaller blocks find more duplicate data but make the local database larger. A bare number " +
      "is in KB. Duplicati 2.0.x used 100kb; existing backups keep the size recorded in them.",
  },
  {
    name: "block-hash-algorithm",
    type: "enum",
    default: "SHA256",
    values: HASHES,
    category: "core",
    commands: BACKUP,
    summary: "Hash that identifies blocks. Fixed at the first backup; leave at SHA256.",
  },
  {
    name: "file-hash-algorithm",
    type: "enum",
    default: "SHA256",
    values: HASHES,
    category: "core",
    commands: BACKUP,
    summary: "Hash used to verify whole files. Fixed at the first backup; leave at SHA256.",
  },
  {
    name: "prefix",
    aliases: ["backup-prefix"],
    type: "string",
    default: "duplicati",
    category: "remote",
    summary: "Start of every remote file name. Give each backup sharing one folder its own prefix.",
  },
  {
    name: "dbpath",
    type: "path",
    defaultText: "a file in the data folder, found via dbconfig.json by storage URL",
    category: "database",
    summary:
      "Local database of this backup. Without it, one is looked up (or created) from the storage URL.",
  },
  {
    name: "tempdir",
    type: "path",
    defaultText: "the system temporary folder",
    category: "advanced",
    summary:
      "Folder for temporary files (volumes being built or downloaded). Needs room for a few volumes.",
  },
  {
    name: "asynchronous-upload-folder",
    type: "path",
    defaultText: "same as --tempdir",
    category: "advanced",
    commands: BACKUP,
    summary: "Folder where finished volumes wait for upload, if it should differ from --tempdir.",
  },
  {
    name: "server-datafolder",
    type: "path",
    defaultText: "the portable data folder, or the OS default (e.g. ~/.config/Duplicati)",
    category: "database",
    summary:
      "Data folder holding dbconfig.json and the local databases. Also read from DUPLICATI__SERVER_DATAFOLDER.",
  },
  {
    name: "portable-mode",
    type: "boolean",
    default: "false",
    category: "database",
    summary:
      "Keep the data folder next to the program (data/), e.g. when running from a USB stick.",
  },
  {
    name: "no-local-db",
    type: "boolean",
    default: "false",
    category: "database",
    commands: [...LISTING, "restore"],
    summary:
      "Ignore the local database and read everything from the remote files (slower, but works without a database).",
  },
  {
    name: "auto-vacuum",
    type: "boolean",
    default: "false",
    category: "database",
    summary:
      "Compact the local database file after operations (at most once per --auto-vacuum-interval).",
  },
  {
    name: "auto-vacuum-interval",
    type: "timespan",
    default: "0m",
    category: "database",
    summary: "Minimum time between automatic database vacuums; 0m means every time.",
  },
  {
    name: "parameters-file",
    aliases: ["parameter-file", "parameterfile"],
    type: "path",
    category: "core",
    summary:
      "Read more options from a file: one --option=value per line; also source=, target=, append-filter=, prepend-filter=, replace-filter=.",
    description:
      "Options given on the command line win over those in the file. Lines starting with # are " +
      "comments. Filters (--include/--exclude) may be given either in the file or on the command " +
      "line, not both; use --append-filter, --prepend-filter or --replace-filter inside the file " +
      "with the +pattern:-pattern form to combine them.",
  },
  {
    name: "control-files",
    type: "string",
    category: "advanced",
    commands: ["backup", "restore", "find"],
    summary:
      "backup: extra files (joined by the path-list separator) stored with the file list. restore/find: work on those control files instead of the backup.",
  },
  {
    name: "quiet-console",
    type: "boolean",
    default: "false",
    category: "logging",
    summary: "Print only errors and the final result on the console.",
  },
  {
    name: "progress",
    type: "boolean",
    defaultText: "on when the output is a terminal",
    category: "logging",
    summary:
      "Force the progress bar on (--progress) or off (--progress=false). By default it is shown on terminals only.",
  },
  {
    name: "full-result",
    type: "boolean",
    default: "false",
    category: "reporting",
    commands: FULL_RESULT,
    summary: "Print every entry instead of the first few of each list.",
  },

  // ------------------------------------------------------------------ retention
  {
    name: "keep-versions",
    type: "integer",
    default: "0",
    min: "-1",
    category: "retention",
    commands: DELETING,
    summary: "Keep this many newest versions and delete older ones. 0 or -1 keeps all.",
  },
  {
    name: "keep-time",
    type: "timespan",
    category: "retention",
    commands: DELETING,
    summary: "Delete versions older than this, e.g. 30D or 6M. The newest version is always kept.",
  },
  {
    name: "retention-policy",
    type: "string",
    category: "retention",
    commands: DELETING,
    summary:
      "Thin out old versions: timeframe:interval pairs, e.g. 1W:1D,4W:1W,12M:1M keeps one a day for a week, one a week for a month, one a month for a year.",
    description:
      "Each pair keeps at most one version per interval within the timeframe; U is an unlimited " +
      "timeframe, an interval of 0s or U keeps every version in that timeframe. Versions outside " +
      "every timeframe are deleted. The newest version is never deleted.",
  },
  {
    name: "allow-full-removal",
    type: "boolean",
    default: "false",
    category: "retention",
    commands: ["delete", "purge"],
    summary: "Allow deleting even the newest version (leaving no backup at all).",
  },
  {
    name: "dry-run",
    aliases: ["dryrun"],
    type: "boolean",
    default: "false",
    category: "core",
    commands: DRY_RUN,
    summary: "Show what would be done without changing the local database or the remote files.",
  },
  {
    name: "version",
    type: "string",
    default: "",
    category: "core",
    commands: SELECT_VERSION,
    summary:
      "Versions to work on: 0 is the newest, 1 the one before; lists and ranges like 0,2-4 are allowed.",
  },
  {
    name: "time",
    type: "time",
    default: "now",
    category: "core",
    commands: SELECT_VERSION,
    summary:
      'Work on the newest version made at or before this time: "now", 2024-05-17, 2024-05-17T13:45, Unix seconds, or how long ago (2D, 1M).',
  },
  {
    name: "all-versions",
    type: "boolean",
    default: "false",
    category: "core",
    commands: ["find", "search", "list-file-versions", "compare"],
    summary: "Search every version instead of only the newest.",
  },
  {
    name: "list-sets-only",
    type: "boolean",
    default: "false",
    category: "core",
    commands: ["find"],
    summary: "Only list the versions (date and file count), not the files in them.",
  },

  // ------------------------------------------------------------------ compact
  {
    name: "threshold",
    type: "integer",
    default: "25",
    min: "0",
    max: "100",
    category: "retention",
    commands: COMPACTING,
    summary:
      "Compact when this percentage of the remote data (or of one volume) is unused by any version.",
  },
  {
    name: "small-file-size",
    type: "size",
    defaultUnit: "mb",
    defaultText: "20% of --dblock-size",
    category: "retention",
    commands: COMPACTING,
    summary: "Volumes smaller than this count as small; many small volumes trigger a compact.",
  },
  {
    name: "small-file-max-count",
    type: "integer",
    default: "20",
    min: "1",
    category: "retention",
    commands: COMPACTING,
    summary: "Compact when there are more small volumes than this.",
  },
  {
    name: "no-auto-compact",
    type: "boolean",
    default: "false",
    category: "retention",
    commands: ["backup", "delete", "purge", "purge-broken-files"],
    summary:
      "Do not compact automatically after deleting versions. Run the compact command yourself.",
  },
  {
    name: "auto-compact-interval",
    type: "timespan",
    default: "0m",
    category: "retention",
    commands: ["backup", "delete"],
    summary:
      "Minimum time between automatic compacts, e.g. 1W to compact at most weekly; 0m allows every run.",
  },
  {
    name: "auto-cleanup",
    type: "boolean",
    default: "false",
    category: "remote",
    summary:
      "Delete leftover partial remote files of interrupted runs automatically instead of asking for repair.",
  },

  // ------------------------------------------------------------------ verification
  {
    name: "no-backend-verification",
    type: "boolean",
    default: "false",
    category: "remote",
    summary:
      "Skip comparing the remote file list with the local database before an operation. Faster, but problems show up later.",
  },
  {
    name: "backup-test-samples",
    aliases: ["backup-test-sample"],
    type: "integer",
    default: "1",
    min: "0",
    category: "remote",
    commands: VERIFYING,
    summary:
      "After a backup, download and check this many sets of remote files (dlist, dindex, dblock). 0 turns it off.",
  },
  {
    name: "backup-test-percentage",
    type: "decimal",
    default: "0.1",
    min: "0",
    max: "100",
    category: "remote",
    commands: VERIFYING,
    summary:
      "Check at least this percentage of the remote files after a backup; the larger of this and --backup-test-samples is used.",
  },
  {
    name: "full-remote-verification",
    type: "enum",
    default: "False",
    values: ["True", "False", "ListAndIndexes", "IndexesOnly"],
    category: "remote",
    commands: [...VERIFYING, "list-broken-files", "purge-broken-files"],
    summary:
      "How deeply tested files are checked: False (size and hash), True (also open and check every block), ListAndIndexes or IndexesOnly (deep check of those file types only).",
  },
  {
    name: "full-block-verification",
    type: "boolean",
    default: "false",
    category: "remote",
    commands: VERIFYING,
    summary: "When testing dblock volumes, hash every block in them too (slow).",
  },
  {
    name: "upload-verification-file",
    type: "boolean",
    default: "false",
    category: "remote",
    commands: ["backup", "delete", "compact"],
    summary:
      "Upload an unencrypted <prefix>-verification.json with size and SHA-256 of every remote file, so the storage can be checked without the program.",
  },
  {
    name: "index-file-policy",
    type: "enum",
    default: "Full",
    values: ["None", "Lookup", "Full"],
    category: "remote",
    commands: BACKUP,
    summary:
      "Content of dindex files: Full (fast database rebuild), Lookup (block lists only), None (no index files; rebuilds download all data).",
  },
  {
    name: "skip-file-hash-checks",
    type: "boolean",
    default: "false",
    category: "remote",
    summary: "Do not verify hashes of downloaded remote files. Only for salvaging damaged backups.",
  },
  {
    name: "list-verify-uploads",
    type: "boolean",
    default: "false",
    category: "remote",
    commands: BACKUP,
    summary: "List the remote folder after each upload to make sure the file arrived.",
  },

  // ------------------------------------------------------------------ remote transfers
  {
    name: "number-of-retries",
    type: "integer",
    default: "5",
    min: "0",
    category: "remote",
    summary: "How many times a failed remote operation is retried before giving up.",
  },
  {
    name: "retry-delay",
    type: "timespan",
    default: "10s",
    category: "remote",
    summary: "Wait between retries of a failed remote operation.",
  },
  {
    name: "retry-with-exponential-backoff",
    type: "boolean",
    default: "false",
    category: "remote",
    summary: "Double the retry delay after every failed attempt.",
  },
  {
    name: "asynchronous-upload-limit",
    aliases: ["asynchronous-concurrent-upload-limit"],
    type: "integer",
    default: "4",
    min: "0",
    category: "performance",
    commands: ["backup", "compact", "purge", "repair"],
    summary: "How many volumes are uploaded at the same time; 0 means no limit.",
  },
  {
    name: "synchronous-upload",
    type: "boolean",
    default: "false",
    category: "performance",
    commands: BACKUP,
    summary: "Wait for each upload to finish before building the next volume.",
  },
  {
    name: "throttle-upload",
    aliases: ["max-upload-pr-second"],
    type: "size",
    default: "0kb",
    defaultUnit: "kb",
    category: "remote",
    summary:
      "Limit total upload speed (bytes per second, e.g. 500kb); 0 means unlimited. Shared by all parallel uploads.",
  },
  {
    name: "throttle-download",
    aliases: ["max-download-pr-second"],
    type: "size",
    default: "0kb",
    defaultUnit: "kb",
    category: "remote",
    summary: "Limit total download speed (bytes per second, e.g. 2mb); 0 means unlimited.",
  },
  {
    name: "throttle-disabled",
    type: "boolean",
    default: "false",
    category: "remote",
    summary: "Ignore --throttle-upload and --throttle-download.",
  },
  {
    name: "read-write-timeout",
    type: "timespan",
    default: "30s",
    category: "remote",
    summary: "Give up a transfer when no data moved for this long; 0s disables the timeout.",
  },
  {
    name: "list-timeout",
    type: "timespan",
    default: "10m",
    category: "remote",
    summary: "Maximum time to list the remote folder.",
  },
  {
    name: "short-timeout",
    type: "timespan",
    default: "30s",
    category: "remote",
    summary: "Maximum time for short remote operations (delete, create folder, quota).",
  },
  {
    name: "auth-username",
    type: "string",
    category: "remote",
    summary:
      "User name for the storage, instead of putting it in the URL. Also read from AUTH_USERNAME.",
  },
  {
    name: "auth-password",
    type: "password",
    category: "remote",
    summary:
      "Password for the storage, instead of putting it in the URL. Also read from AUTH_PASSWORD.",
  },
  {
    name: "accept-specified-ssl-hash",
    type: "string",
    category: "remote",
    summary:
      "Trust a server certificate with this SHA-1 hash (comma-separated list) even if it is not valid, e.g. self-signed.",
  },
  {
    name: "accept-any-ssl-certificate",
    type: "boolean",
    default: "false",
    category: "remote",
    summary: "Trust any server certificate. Unsafe: allows man-in-the-middle attacks.",
  },
  {
    name: "quota-size",
    type: "size",
    defaultUnit: "mb",
    category: "remote",
    summary:
      "Size of the storage space, when the storage cannot report it; used for quota warnings.",
  },
  {
    name: "quota-warning-threshold",
    type: "integer",
    default: "10",
    min: "0",
    max: "100",
    category: "remote",
    summary: "Warn when free remote space falls below this percentage of the quota.",
  },
  {
    name: "quota-disable",
    type: "boolean",
    default: "false",
    category: "remote",
    summary: "Do not ask the storage for its quota and do not warn about space.",
  },

  // ------------------------------------------------------------------ performance
  {
    name: "concurrency-max-threads",
    type: "integer",
    default: "0",
    min: "0",
    category: "performance",
    summary: "Upper limit on worker threads; 0 chooses from the number of CPU cores.",
  },
  {
    name: "concurrency-block-hashers",
    type: "integer",
    defaultText: "half the CPU cores, at least 1",
    min: "1",
    category: "performance",
    commands: BACKUP,
    summary: "Workers that hash blocks during backup.",
  },
  {
    name: "concurrency-compressors",
    type: "integer",
    defaultText: "the CPU cores minus one (the main thread reads and hashes), 1 to 4",
    min: "1",
    category: "performance",
    commands: BACKUP,
    summary: "Worker threads that compress, encrypt and hash the volumes during backup (the main " +
      "thread compresses too when they fall behind). Each costs about 25-50 MB of memory.",
  },
  {
    name: "concurrency-fileprocessors",
    type: "integer",
    defaultText: "half the CPU cores, at least 1",
    min: "1",
    category: "performance",
    commands: BACKUP,
    summary: "Files read in parallel during backup.",
  },
  {
    name: "use-background-io-priority",
    type: "boolean",
    default: "false",
    category: "performance",
    summary: "Run with low I/O priority so the computer stays responsive.",
  },
  {
    name: "allow-sleep",
    type: "boolean",
    default: "false",
    category: "performance",
    summary: "Let the computer go to sleep while an operation runs.",
  },
  {
    name: "disable-on-battery",
    type: "boolean",
    default: "false",
    category: "performance",
    summary: "Skip scheduled runs while the computer runs on battery.",
  },

  // ------------------------------------------------------------------ backup source handling
  {
    name: "snapshot-policy",
    type: "enum",
    default: "Off",
    values: ["Auto", "On", "Off", "Required"],
    category: "backup",
    commands: BACKUP,
    summary:
      "Use a file system snapshot (VSS/LVM/APFS) for a consistent backup. This edition reads files directly; Auto and On fall back to that with a warning, Required fails.",
  },
  {
    name: "symlink-policy",
    type: "enum",
    default: "Store",
    values: ["Store", "Follow", "Ignore"],
    category: "backup",
    commands: WALKING,
    summary:
      "Symbolic links: Store the link itself, Follow it and back up what it points to, or Ignore it.",
  },
  {
    name: "hardlink-policy",
    type: "enum",
    default: "All",
    values: ["First", "All", "None"],
    category: "backup",
    commands: WALKING,
    summary:
      "Files with several hard links: back up All paths, only the First one seen, or None of them.",
  },
  {
    name: "exclude-files-attributes",
    type: "flags",
    values: [
      "ReadOnly",
      "Hidden",
      "System",
      "Archive",
      "Temporary",
      "SparseFile",
      "ReparsePoint",
      "Compressed",
      "Offline",
      "NotContentIndexed",
      "Encrypted",
    ],
    category: "filters",
    commands: WALKING,
    summary:
      "Skip files with any of these attributes (comma list), e.g. Hidden,Temporary. Hidden also means a name starting with a dot on Linux/macOS.",
  },
  {
    name: "skip-files-larger-than",
    type: "size",
    defaultUnit: "mb",
    category: "filters",
    commands: WALKING,
    summary: "Skip files larger than this, e.g. 2gb. A bare number is in MB.",
  },
  {
    name: "exclude-empty-folders",
    type: "boolean",
    default: "false",
    category: "filters",
    commands: WALKING,
    summary: "Do not store folders that end up with no files in them.",
  },
  {
    name: "ignore-filenames",
    type: "string",
    default: "CACHEDIR.TAG",
    category: "filters",
    commands: WALKING,
    summary:
      "Skip every folder that contains a file with one of these names (path-list separated).",
  },
  {
    name: "include",
    type: "filter",
    category: "filters",
    commands: FILTERED,
    repeatable: true,
    summary:
      "Include paths matching this filter (*, ? wildcards, [regex], @literal, {Group}). May be repeated; order with --exclude matters: the first match wins.",
  },
  {
    name: "exclude",
    type: "filter",
    category: "filters",
    commands: FILTERED,
    repeatable: true,
    summary:
      "Exclude paths matching this filter (*, ? wildcards, [regex], @literal, {Group}). May be repeated; a folder filter ends with /.",
  },
  {
    name: "default-filters",
    aliases: ["default-filter"],
    type: "string",
    category: "filters",
    commands: FILTERED,
    repeatable: true,
    summary:
      "Exclude built-in filter groups at this point of the filter list, e.g. DefaultExcludes or CacheFiles,TemporaryFiles.",
  },
  {
    name: "allow-missing-source",
    type: "boolean",
    default: "false",
    category: "backup",
    commands: BACKUP,
    summary: "Continue with a warning when a source folder or file does not exist.",
  },
  {
    name: "abort-if-source-missing",
    type: "boolean",
    default: "false",
    category: "backup",
    commands: BACKUP,
    summary: "Stop the backup with an error when any source path is missing.",
  },
  {
    name: "prevent-empty-source",
    type: "boolean",
    default: "false",
    category: "backup",
    commands: BACKUP,
    summary:
      "Stop the backup when the sources contain no files (e.g. an unmounted drive) instead of storing an empty version.",
  },
  {
    name: "check-filetime-only",
    type: "boolean",
    default: "false",
    category: "backup",
    commands: BACKUP,
    summary:
      "Treat a file as unchanged when its modification time is unchanged, ignoring size and metadata.",
  },
  {
    name: "disable-filetime-check",
    type: "boolean",
    default: "false",
    category: "backup",
    commands: BACKUP,
    summary: "Read and hash every file on every backup, even if its timestamp did not change.",
  },
  {
    name: "disable-time-tolerance",
    type: "boolean",
    default: "false",
    category: "backup",
    commands: BACKUP,
    summary:
      "Compare timestamps exactly instead of allowing the one-second rounding of some file systems.",
  },
  {
    name: "changed-files",
    type: "string",
    category: "backup",
    commands: BACKUP,
    summary:
      "Only look at these files (path-list separated) instead of scanning the sources, e.g. from a file watcher.",
  },
  {
    name: "deleted-files",
    type: "string",
    category: "backup",
    commands: BACKUP,
    summary: "Files (path-list separated) known to be deleted; used with --changed-files.",
  },
  {
    name: "usn-policy",
    type: "enum",
    default: "Off",
    values: ["Auto", "On", "Off", "Required"],
    category: "backup",
    commands: BACKUP,
    summary: "Windows NTFS change journal use. Not supported by this edition; keep Off.",
  },
  {
    name: "upload-unchanged-backups",
    type: "boolean",
    default: "false",
    category: "backup",
    commands: BACKUP,
    summary:
      "Create a new version even when nothing changed. By default an unchanged backup stores nothing.",
  },
  {
    name: "skip-metadata",
    type: "boolean",
    default: "false",
    category: "backup",
    commands: ["backup", "restore"],
    summary:
      "backup: do not store timestamps and attributes; restore: do not apply them to restored files.",
  },
  {
    name: "disable-synthetic-filelist",
    type: "boolean",
    default: "false",
    category: "backup",
    commands: BACKUP,
    summary:
      "After an interrupted backup, do not upload a file list of what was completed before starting the next backup.",
  },

  // ------------------------------------------------------------------ restore
  {
    name: "restore-path",
    type: "path",
    defaultText: "the original location",
    category: "restore",
    commands: RESTORE,
    summary:
      "Restore into this folder instead of the original location; common top folders are removed unless --dont-compress-restore-paths. %PORTABLE% at the start means the program's folder (help portable).",
  },
  {
    name: "overwrite",
    type: "boolean",
    default: "false",
    category: "restore",
    commands: RESTORE,
    summary:
      "Replace existing files. Without it, a restored file that would overwrite a different file gets a timestamped name.",
  },
  {
    name: "restore-permissions",
    type: "boolean",
    default: "false",
    category: "restore",
    commands: RESTORE,
    summary: "Restore file permissions and ownership too (may need administrator rights).",
  },
  {
    name: "dont-compress-restore-paths",
    type: "boolean",
    default: "false",
    category: "restore",
    commands: RESTORE,
    summary: "With --restore-path, keep the full original folder structure below it.",
  },
  {
    name: "skip-restore-verification",
    type: "boolean",
    default: "false",
    category: "restore",
    commands: RESTORE,
    summary: "Do not check restored files against their stored hashes (faster, less safe).",
  },
  {
    name: "restore-legacy",
    type: "boolean",
    default: "false",
    category: "restore",
    commands: RESTORE,
    summary: "Accepted for compatibility with Duplicati; this edition has a single restore engine.",
  },
  {
    name: "restore-with-local-blocks",
    aliases: ["patch-with-local-blocks"],
    type: "boolean",
    default: "false",
    category: "restore",
    commands: RESTORE,
    summary:
      "Take blocks from matching files already on this computer instead of downloading them.",
  },
  {
    name: "restore-cache-max",
    type: "size",
    default: "4gb",
    defaultUnit: "mb",
    category: "restore",
    commands: RESTORE,
    summary: "Maximum memory and disk used to cache blocks during a restore.",
  },
  {
    name: "restore-cache-evict",
    type: "integer",
    default: "50",
    min: "0",
    max: "100",
    category: "restore",
    commands: RESTORE,
    summary: "Percentage of the restore cache freed when it is full.",
  },
  {
    name: "restore-file-processors",
    type: "integer",
    defaultText: "half the CPU cores, at least 1",
    min: "1",
    category: "performance",
    commands: RESTORE,
    summary: "Files written in parallel during a restore.",
  },
  {
    name: "restore-volume-downloaders",
    type: "integer",
    defaultText: "half the CPU cores, at least 1",
    min: "1",
    category: "performance",
    commands: RESTORE,
    summary: "Volumes downloaded in parallel during a restore.",
  },
  {
    name: "restore-volume-decryptors",
    type: "integer",
    defaultText: "half the CPU cores, at least 1",
    min: "1",
    category: "performance",
    commands: RESTORE,
    summary: "Volumes decrypted in parallel during a restore.",
  },
  {
    name: "restore-volume-decompressors",
    type: "integer",
    defaultText: "half the CPU cores, at least 1",
    min: "1",
    category: "performance",
    commands: RESTORE,
    summary: "Volumes unpacked in parallel during a restore.",
  },

  // ------------------------------------------------------------------ repair
  {
    name: "repair-only-paths",
    type: "boolean",
    default: "false",
    category: "advanced",
    commands: REPAIRING,
    summary: "When recreating the database, only restore the path information (faster).",
  },
  {
    name: "repair-force-block-use",
    type: "boolean",
    default: "false",
    category: "advanced",
    commands: REPAIRING,
    summary:
      "Use blocks found in volumes even if the index says otherwise. Only for damaged backups.",
  },
  {
    name: "repair-ignore-outdated-database",
    type: "boolean",
    default: "false",
    category: "advanced",
    commands: REPAIRING,
    summary: "Repair even when the local database is older than the remote files.",
  },
  {
    name: "rebuild-missing-dblock-files",
    type: "boolean",
    default: "false",
    category: "advanced",
    commands: REPAIRING,
    summary: "Rebuild missing data volumes from the source files where they are unchanged.",
  },

  // ------------------------------------------------------------------ logging
  {
    name: "log-file",
    type: "path",
    category: "logging",
    summary: "Also write the log to this file (appended).",
  },
  {
    name: "log-file-log-level",
    type: "enum",
    default: "Warning",
    values: LOG_LEVELS,
    category: "logging",
    summary: "Least important messages written to --log-file (Verbose, Information, Warning...).",
  },
  {
    name: "log-file-log-filter",
    type: "string",
    category: "logging",
    summary: "Only write log messages whose tag matches these filters (+tag:-tag) to --log-file.",
  },
  {
    name: "console-log-level",
    type: "enum",
    default: "Warning",
    values: LOG_LEVELS,
    category: "logging",
    summary: "Least important messages printed on the console (Verbose, Information, Warning...).",
  },
  {
    name: "console-log-filter",
    type: "string",
    category: "logging",
    summary: "Only print log messages whose tag matches these filters (+tag:-tag).",
  },
  {
    name: "log-level",
    type: "enum",
    values: LOG_LEVELS,
    category: "logging",
    deprecated: "Use --log-file-log-level or --console-log-level.",
    summary: "Old name for the log level; sets --log-file-log-level.",
  },
  {
    name: "log-retention",
    type: "timespan",
    default: "30D",
    category: "logging",
    summary: "How long log entries are kept in the local database.",
  },
  {
    name: "debug-output",
    type: "boolean",
    default: "false",
    category: "logging",
    summary: "Show stack traces and internal details with errors.",
  },
  {
    name: "debug-retry-errors",
    type: "boolean",
    default: "false",
    category: "logging",
    summary: "Log the error behind every retry of a remote operation.",
  },
  {
    name: "log-http-requests",
    type: "boolean",
    default: "false",
    category: "logging",
    summary: "Log every HTTP request made to the storage (secrets are masked).",
  },
  {
    name: "profile-all-database-queries",
    type: "boolean",
    default: "false",
    category: "logging",
    summary: "Log the time taken by every database query (Profiling level).",
  },
  {
    name: "suppress-warnings",
    type: "string",
    category: "logging",
    summary:
      "Warning IDs (comma list) to report as information instead, e.g. for expected missing files.",
  },

  // ------------------------------------------------------------------ reporting identity
  {
    name: "backup-name",
    type: "string",
    defaultText: "the program name",
    category: "reporting",
    summary: "Name of this backup, used in reports (%backup-name%).",
  },
  {
    name: "backup-id",
    type: "string",
    default: "",
    category: "reporting",
    summary: "ID of this backup, used in reports (%backup-id%).",
  },
  {
    name: "machine-id",
    type: "string",
    defaultText: "generated once per installation",
    category: "reporting",
    summary: "ID of this computer, used in reports (%machine-id%).",
  },
  {
    name: "machine-name",
    type: "string",
    defaultText: "the host name",
    category: "reporting",
    summary: "Name of this computer, used in reports (%machine-name%).",
  },
  {
    name: "enable-module",
    type: "string",
    category: "advanced",
    summary: "Turn on optional modules (comma list).",
  },
  {
    name: "disable-module",
    type: "string",
    category: "advanced",
    summary: "Turn off modules that load automatically (comma list), e.g. sendmail.",
  },

  // ------------------------------------------------------------------ hooks
  {
    name: "run-script-before",
    type: "path",
    category: "hooks",
    summary:
      "Run this script before the operation. Exit code 1 skips the operation, 2-5 add a warning or error; lines --option=value in its output change options.",
  },
  {
    name: "run-script-before-required",
    type: "path",
    category: "hooks",
    summary: "Run this script before the operation; the operation only runs if it exits with 0.",
  },
  {
    name: "run-script-after",
    type: "path",
    category: "hooks",
    summary:
      "Run this script after the operation; it gets the result in DUPLICATI__PARSED_RESULT and DUPLICATI__RESULTFILE.",
  },
  {
    name: "run-script-post-backup",
    type: "path",
    category: "hooks",
    commands: BACKUP,
    summary:
      "Run this script once a backup has uploaded its data, before old versions are deleted and remote files tested.",
  },
  {
    name: "run-script-timeout",
    type: "timespan",
    default: "60s",
    category: "hooks",
    summary: "Stop waiting for a script after this long.",
  },
  {
    name: "run-script-with-arguments",
    type: "boolean",
    default: "false",
    category: "hooks",
    summary: "Treat the script value as a command line with arguments (quote paths with spaces).",
  },
  {
    name: "run-script-result-output-format",
    type: "enum",
    default: "Duplicati",
    values: RESULT_FORMATS,
    category: "hooks",
    summary: "Format of the result file given to the after-script: Duplicati (text) or Json.",
  },
  {
    name: "run-script-log-level",
    type: "enum",
    default: "Warning",
    values: LOG_LEVELS,
    category: "hooks",
    summary: "Least important log lines written to the after-script's result file.",
  },

  // ------------------------------------------------------------------ e-mail reports
  {
    name: "send-mail-to",
    type: "string",
    category: "reporting",
    summary: "Send a report e-mail to these addresses (comma list) after each operation.",
  },
  {
    name: "send-mail-from",
    type: "string",
    default: "no-reply",
    category: "reporting",
    summary: "Sender address of report e-mails.",
  },
  {
    name: "send-mail-subject",
    type: "string",
    default: "Duplicati %OPERATIONNAME% report for %backup-name%",
    category: "reporting",
    summary: "Subject of report e-mails; placeholders like %OPERATIONNAME% are filled in.",
  },
  {
    name: "send-mail-body",
    type: "string",
    default: "%RESULT%",
    category: "reporting",
    summary:
      "Body of report e-mails (text, or a path to a file holding it); %RESULT% is the result.",
  },
  {
    name: "send-mail-url",
    type: "string",
    category: "reporting",
    summary: "Mail server, e.g. smtps://smtp.example.com:465 or smtp://host:587 (STARTTLS).",
  },
  {
    name: "send-mail-username",
    type: "string",
    category: "reporting",
    summary: "User name for the mail server.",
  },
  {
    name: "send-mail-password",
    type: "password",
    category: "reporting",
    summary: "Password for the mail server.",
  },
  {
    name: "send-mail-level",
    type: "flags",
    default: "All",
    values: REPORT_LEVELS,
    category: "reporting",
    summary:
      "Send e-mail only for these results (comma list): All, Success, Warning, Error, Fatal.",
  },
  {
    name: "send-mail-any-operation",
    type: "boolean",
    default: "false",
    category: "reporting",
    summary: "Also send e-mails for operations other than backup.",
  },
  {
    name: "send-mail-result-output-format",
    type: "enum",
    default: "Duplicati",
    values: RESULT_FORMATS,
    category: "reporting",
    summary: "Format of %RESULT% in e-mails: Duplicati (text) or Json.",
  },
  {
    name: "send-mail-log-level",
    type: "enum",
    default: "Warning",
    values: LOG_LEVELS,
    category: "reporting",
    summary: "Least important log lines included in e-mails.",
  },
  {
    name: "send-mail-max-log-lines",
    type: "integer",
    default: "100",
    min: "0",
    category: "reporting",
    summary: "At most this many log lines in an e-mail; 0 means all.",
  },

  // ------------------------------------------------------------------ HTTP reports
  {
    name: "send-http-url",
    type: "string",
    category: "reporting",
    summary: "Post a report to this URL after each operation.",
  },
  {
    name: "send-http-form-urls",
    type: "string",
    category: "reporting",
    summary: "Post the report as a form to these URLs (semicolon list).",
  },
  {
    name: "send-http-json-urls",
    type: "string",
    category: "reporting",
    summary: "Post the report as JSON to these URLs (semicolon list).",
  },
  {
    name: "send-http-verb",
    type: "enum",
    default: "POST",
    values: ["POST", "GET", "PUT"],
    category: "reporting",
    summary: "HTTP method used for reports.",
  },
  {
    name: "send-http-message",
    type: "string",
    default:
      "Duplicati %OPERATIONNAME% report for %backup-name% (%machine-id%, %backup-id%, %machine-name%)\n\n%RESULT%",
    category: "reporting",
    summary: "Report text; placeholders like %RESULT% are filled in.",
  },
  {
    name: "send-http-message-parameter-name",
    type: "string",
    default: "message",
    category: "reporting",
    summary: "Form field name that carries the report text.",
  },
  {
    name: "send-http-extra-parameters",
    type: "string",
    category: "reporting",
    summary: "Extra form fields, e.g. token=abc&chat=1.",
  },
  {
    name: "send-http-level",
    type: "flags",
    default: "All",
    values: REPORT_LEVELS,
    category: "reporting",
    summary: "Send HTTP reports only for these results (comma list).",
  },
  {
    name: "send-http-any-operation",
    type: "boolean",
    default: "false",
    category: "reporting",
    summary: "Also send HTTP reports for operations other than backup.",
  },
  {
    name: "send-http-result-output-format",
    type: "enum",
    default: "Duplicati",
    values: RESULT_FORMATS,
    category: "reporting",
    summary: "Format of %RESULT% in HTTP reports: Duplicati (text) or Json.",
  },
  {
    name: "send-http-log-level",
    type: "enum",
    default: "Warning",
    values: LOG_LEVELS,
    category: "reporting",
    summary: "Least important log lines included in HTTP reports.",
  },
  {
    name: "send-http-max-log-lines",
    type: "integer",
    default: "100",
    min: "0",
    category: "reporting",
    summary: "At most this many log lines in an HTTP report; 0 means all.",
  },
  {
    name: "send-http-retries",
    type: "integer",
    default: "3",
    min: "0",
    category: "reporting",
    summary: "Retries of a failed HTTP report.",
  },
  {
    name: "send-http-retry-delay",
    type: "timespan",
    default: "1s",
    category: "reporting",
    summary: "Wait between retries of a failed HTTP report.",
  },

  // ------------------------------------------------------------------ updates
  {
    name: "update-url",
    type: "string",
    category: "advanced",
    commands: ["update", "server"],
    summary:
      "Address of the signed version manifest that `duplicati update` and the server's daily check read.",
    description:
      'The address serves {"manifest": "<base64 JSON>", "signature": "<base64 Ed25519>"}; ' +
      "only manifests signed with the key built into this program are accepted, and every " +
      "download is checked against the size and SHA-256 the manifest gives.",
  },
  {
    name: "disable-update-check",
    type: "boolean",
    default: "false",
    category: "advanced",
    commands: ["server"],
    summary:
      "Do not let the server look for a new version once a day (`duplicati update check` still works).",
  },

  // ------------------------------------------------------------------ CLI whitelists
  {
    name: "allowed-backend-modules",
    type: "string",
    category: "advanced",
    summary: "Only allow these storage types (comma list of URL schemes, e.g. file,s3).",
  },
  {
    name: "allowed-encryption-modules",
    type: "string",
    category: "advanced",
    summary: "Only allow these encryption modules (comma list).",
  },
  {
    name: "allowed-compression-modules",
    type: "string",
    category: "advanced",
    summary: "Only allow these compression modules (comma list).",
  },
];

let extraOptions: OptionDef[] = [];
let index: Map<string, OptionDef> | undefined;

function buildIndex(): Map<string, OptionDef> {
  const m = new Map<string, OptionDef>();
  for (const o of [...OPTIONS, ...extraOptions]) {
    m.set(o.name, o);
    for (const a of o.aliases ?? []) if (!m.has(a)) m.set(a, o);
  }
  return m;
}

/**
 * Looks an option up by name or alias (case-insensitive, a leading `--` is ignored).
 * Returns undefined for unknown names.
 */
export function findOption(nameOrAlias: string): OptionDef | undefined {
  index ??= buildIndex();
  return index.get(nameOrAlias.replace(/^--/, "").toLowerCase());
}

/**
 * Adds options declared by pluggable parts (storage backends, modules) so the parser and help
 * know them. Names already declared are rejected with an Error (a programming mistake).
 */
export function registerOptions(defs: readonly OptionDef[]): void {
  index ??= buildIndex();
  for (const d of defs) {
    for (const n of [d.name, ...(d.aliases ?? [])]) {
      if (index.has(n)) throw new Error(`Option --${n} is already declared`);
    }
  }
  extraOptions = [...extraOptions, ...defs];
  index = buildIndex();
}

/** All options: the built-in registry followed by registered ones. */
export function allOptions(): readonly OptionDef[] {
  return extraOptions.length ? [...OPTIONS, ...extraOptions] : OPTIONS;
}

/**
 * The default as shown to users: the value (`""` when empty, newlines as `\n`), the
 * computed-default text in parentheses, or "(none)".
 */
export function describeDefault(def: OptionDef): string {
  if (def.default !== undefined) {
    return def.default === "" ? '""' : def.default.replaceAll("\n", "\\n");
  }
  return def.defaultText ? `(${def.defaultText})` : "(none)";
}
