/**
 * `duplicati-recovery-tool <command> ...`: the last-resort restore of Duplicati's RecoveryTool,
 * with no database at all, in steps: download (and decrypt) every volume, index the blocks,
 * then list and restore from the local copies; recompress re-packs a backup's volumes. Exit
 * codes: 0 done, 2 nothing matched, 3 some files failed, 100 a step failed, 200 wrong usage.
 */
import { resolve } from "node:path";
import { ExitCode } from "../core/errors.ts";
import { formatSize } from "../core/sizes.ts";
import { parseToolArgs, toolFilters } from "./tool_args.ts";
import { downloadVolumes } from "./recovery_download.ts";
import { buildIndex, INDEX_FILE_NAME } from "./recovery_index.ts";
import { runList } from "./recovery_list.ts";
import { recoveryRestore } from "./recovery_restore.ts";
import { recompress } from "./recovery_recompress.ts";
import type { OptionValues } from "../core/option_values.ts";
import type { FilterList } from "../core/filters.ts";
import {
  type CommandShape,
  type Output,
  pickCommand,
  runCommand,
  type ToolOption,
} from "./subcommands.ts";

interface CommandDef extends CommandShape {
  summary: string;
  options: ToolOption[];
  run(args: string[], o: OptionValues, filters: FilterList, out: Output): Promise<number>;
}

export type { Output };

const BACKEND_OPTIONS: ToolOption = {
  name: "<backend options>",
  summary: "Every option of the storage type works (--auth-username, --auth-password, ...).",
};
const PASSPHRASE: ToolOption = {
  name: "passphrase",
  summary: "The backup's passphrase (encrypted backups).",
};
const PREFIX: ToolOption = { name: "prefix", summary: "The backup's file prefix (duplicati)." };
const INDEXFILE: ToolOption = {
  name: "indexfile",
  summary: `The block index file (default <local-folder>/${INDEX_FILE_NAME}).`,
};
const FILTERS: ToolOption = {
  name: "include / --exclude",
  summary: "Filters in command-line order, as for the command line's restore.",
};

const COMMANDS: Record<string, CommandDef> = {
  download: {
    usage: "download <remote-url> <local-folder> --passphrase=<passphrase>",
    summary: "Downloads every volume of the backup to the folder and decrypts it. Files " +
      "already there are kept, so running it again resumes.",
    options: [PASSPHRASE, PREFIX, BACKEND_OPTIONS],
    minArgs: 2,
    maxArgs: 2,
    async run([url, folder], o, _f, out) {
      const r = await downloadVolumes(url, resolve(folder), o, out.log);
      out.log(
        `Downloaded ${r.downloaded} files (${
          formatSize(r.bytes)
        }), ${r.kept} were already there. ` +
          `Next: index ${folder}`,
      );
      return ExitCode.Success;
    },
  },
  index: {
    usage: "index <local-folder> [--indexfile=<file>]",
    summary: "Builds the block index (which dblock holds each block) from the downloaded " +
      "dblock files; needed by restore. It reads only the zip directories.",
    options: [INDEXFILE],
    minArgs: 1,
    maxArgs: 1,
    run([folder], o, _f, out) {
      const dir = resolve(folder);
      const r = buildIndex(dir, o.str("indexfile") || undefined, out.log);
      for (const s of r.skipped) out.error(`warning: skipped ${s}`);
      out.log(
        `Indexed ${r.blocks} blocks of ${r.volumes} dblock files into ${r.path} ` +
          `(${formatSize(r.bytes)})` +
          (r.duplicates ? `; ${r.duplicates} blocks were in more than one file` : ""),
      );
      return Promise.resolve(r.skipped.length ? ExitCode.Warnings : ExitCode.Success);
    },
  },
  list: {
    usage: "list <local-folder> [version] [--include=...] [--exclude=...]",
    summary: "Lists the versions, or the files of one version (a number, 0 = newest; a dlist " +
      "file name; or a date).",
    options: [FILTERS],
    minArgs: 1,
    maxArgs: 2,
    run([folder, version], _o, filters, out) {
      runList(resolve(folder), version, filters, out.log);
      return Promise.resolve(ExitCode.Success);
    },
  },
  restore: {
    usage: "restore <local-folder> [version] --targetpath=<folder> [--include=...] " +
      "[--exclude=...]",
    summary: "Restores the files of a version (newest by default) into --targetpath, finding " +
      "blocks through the index and checking every block and file against its hash.",
    options: [
      { name: "targetpath", summary: "The folder to restore into (required)." },
      INDEXFILE,
      FILTERS,
      { name: "max-open-archives", summary: "How many dblock files stay open at once (200)." },
    ],
    minArgs: 1,
    maxArgs: 2,
    run([folder, version], o, filters, out) {
      const r = recoveryRestore({
        folder,
        version,
        targetPath: o.str("targetpath") ?? "",
        filters,
        indexPath: o.str("indexfile") || undefined,
        maxOpenArchives: o.has("max-open-archives")
          ? Number(o.str("max-open-archives"))
          : undefined,
        log: (l) => l.startsWith("error:") ? out.error(l) : out.log(l),
      });
      out.log(
        `Restored ${r.files} files (${formatSize(r.bytes)}), ${r.folders} folders, ` +
          `${r.symlinks} links from version ${r.version}` +
          (r.failed.length ? `; ${r.failed.length} failed (see above)` : ""),
      );
      return Promise.resolve(r.exitCode);
    },
  },
  recompress: {
    usage: "recompress <zip|none> <remote-url> <local-folder> [--reupload] [--reencrypt] " +
      "[--new-passphrase=...]",
    summary: "Downloads every volume, writes it again deflated (zip) or stored (none), " +
      "optionally encrypts it again and uploads it in place of the old one. Afterwards, " +
      "delete the local database and recreate it.",
    options: [
      PASSPHRASE,
      { name: "reencrypt", summary: "Encrypt the new volumes again (else they stay plain)." },
      { name: "new-passphrase", summary: "Encrypt again with this passphrase instead." },
      {
        name: "reupload",
        summary: "Upload the new volumes and delete the old ones (keep a copy of the remote " +
          "folder first).",
      },
      { name: "zip-compression-level", summary: "Deflate level for zip (0-9, default 6)." },
      PREFIX,
      BACKEND_OPTIONS,
    ],
    minArgs: 3,
    maxArgs: 3,
    async run([target, url, folder], o, _f, out) {
      const r = await recompress(target, url, resolve(folder), o, out.log);
      out.log(
        `Recompressed ${r.recompressed} files, ${r.kept} were already done` +
          (r.reuploaded ? `, uploaded ${r.reuploaded}` : ""),
      );
      if (r.reuploaded) {
        out.log(
          "The remote files changed: delete the backup's local database and recreate it " +
            '(the command line\'s "repair") before the next backup.',
        );
      }
      return ExitCode.Success;
    },
  },
};

function optionLines(opts: ToolOption[]): string[] {
  return opts.flatMap((o) => [
    o.name.startsWith("<") ? `  ${o.name}` : `  --${o.name}`,
    `      ${o.summary}`,
  ]);
}

/** The help text: the steps and commands, or one command with its options. */
export function recoveryHelp(command?: string): string {
  if (command && COMMANDS[command]) {
    const d = COMMANDS[command];
    return [
      `Usage: duplicati-recovery-tool ${d.usage}`,
      "",
      d.summary,
      ...(d.options.length ? ["", "Options:", ...optionLines(d.options)] : []),
    ].join("\n");
  }
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    "Usage: duplicati-recovery-tool <command> [arguments] [options]",
    "",
    "Restores as much as possible from a backup's remote files when nothing else works: no",
    "database and no dindex files are needed. Prefer the command line's restore; use this when",
    "it fails. The steps, in order:",
    "  1. download <remote-url> <local-folder> --passphrase=...",
    "  2. index <local-folder>",
    "  3. restore <local-folder> [version] --targetpath=<folder>",
    "and, when you like, list <local-folder> [version] to see versions and files.",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([n, d]) => `  ${n.padEnd(width)}  ${d.summary}`),
    `  ${"help".padEnd(width)}  Shows this text, or help <command> for one command.`,
  ].join("\n");
}

/** Runs the recovery tool; returns the exit code. */
export async function runRecoveryTool(
  argv: string[],
  out: Output = { log: console.log, error: console.error },
): Promise<number> {
  let args;
  let filters;
  try {
    args = parseToolArgs(argv);
    filters = toolFilters(argv);
  } catch (e) {
    out.error((e as Error).message);
    return ExitCode.BadArguments;
  }
  const picked = pickCommand(
    "duplicati-recovery-tool",
    COMMANDS,
    args.positionals,
    args.options.bool("help"),
    recoveryHelp,
    out,
  );
  if (typeof picked === "number") return picked;
  const { name, cmd, args: rest } = picked;
  return await runCommand(name, () => cmd.run(rest, args.options, filters, out), out);
}
