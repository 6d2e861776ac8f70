/**
 * `duplicati update check|download [--update-url=<address>]`: looks for a newer version in the
 * signed version manifest and, with `download`, puts it beside this portable folder as
 * `../duplicati-<version>-<target>/` with a copy of `data/`. The running folder is never changed.
 * Exit codes: 0 done (also when there is nothing newer), 100 the check or download failed,
 * 200 wrong usage.
 */
import { CancelledError, ExitCode, UserError } from "../core/errors.ts";
import { programFolder } from "../core/datafolder.ts";
import { PRODUCT_NAME } from "../core/version.ts";
import { checkForUpdate, type UpdateCheck } from "../update/check.ts";
import { installUpdate, requirePortableFolder } from "../update/install.ts";
import { parseToolArgs } from "./tool_args.ts";

/** What only code (tests, embedders) can change; see src/update/keys.ts for why. */
export interface UpdateHooks {
  /** Trusted manifest keys instead of the built-in ones. */
  keys?: readonly string[];
  /** The portable folder to update beside (default: this program's folder). */
  programFolder?: string;
  print?: (line: string) => void;
  printError?: (line: string) => void;
}

/** The `duplicati update --help` text. */
export function updateHelp(): string {
  return [
    "Usage: duplicati update <check|download> [--update-url=<address>]",
    "",
    "  check      says whether a newer version is published",
    "  download   downloads the newer version and unpacks it beside this folder as",
    "             ../duplicati-<version>-<target>/, with a copy of data/; this folder is kept",
    "",
    "  --update-url=<address>  the signed version manifest to read",
    "",
    "Only manifests signed with the key built into this program are accepted; the download is",
    "checked against the size and SHA-256 in the manifest before anything is unpacked. Stop this",
    "version before you start the new one: the new folder has a copy of data/ as it was when it",
    "was downloaded.",
  ].join("\n");
}

function describe(c: UpdateCheck): string {
  const notes = c.manifest.notes ? ` Release notes: ${c.manifest.notes}` : "";
  switch (c.status) {
    case "current":
      return `${PRODUCT_NAME} ${c.currentVersion} is up to date (the newest version is ` +
        `${c.manifest.version}).`;
    case "no-package":
      return `Version ${c.manifest.version} is available, but not for ${c.target}.${notes}`;
    case "available":
      return `Version ${c.manifest.version} is available (this is ${c.currentVersion}).${notes}`;
  }
}

/** Runs `duplicati update ...`; returns the exit code. Never throws. */
export async function runUpdate(argv: string[], hooks: UpdateHooks = {}): Promise<number> {
  const print = hooks.print ?? ((l: string) => console.log(l));
  const printError = hooks.printError ?? ((l: string) => console.error(l));
  try {
    const { positionals, options } = parseToolArgs(argv);
    const cmd = positionals[0]?.toLowerCase();
    if (options.bool("help") || cmd === "help" || cmd === undefined) {
      print(updateHelp());
      return cmd === undefined && !options.bool("help") ? ExitCode.BadArguments : ExitCode.Success;
    }
    if ((cmd !== "check" && cmd !== "download") || positionals.length > 1) {
      printError(`Unknown update command "${positionals.join(" ")}".\n\n${updateHelp()}`);
      return ExitCode.BadArguments;
    }
    const folder = hooks.programFolder ?? programFolder();
    if (cmd === "download") requirePortableFolder(folder);
    const check = await checkForUpdate({ url: options.str("update-url"), keys: hooks.keys });
    print(describe(check));
    if (cmd === "check" || check.status !== "available") return ExitCode.Success;
    print(`Downloading ${check.package.url} (${check.package.size} bytes)...`);
    // Ctrl-C stops the download and removes what was written so far.
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    Deno.addSignalListener("SIGINT", onSignal);
    let r;
    try {
      r = await installUpdate(check, { programFolder: folder, signal: stop.signal });
    } finally {
      Deno.removeSignalListener("SIGINT", onSignal);
    }
    if (r.alreadyThere) {
      print(`${r.folder} is already there; start the new version from it.`);
    } else {
      print(
        `Version ${check.manifest.version} is ready in ${r.folder}` +
          (r.dataFiles ? ` (with a copy of data/, ${r.dataFiles} files)` : "") +
          ". Stop this version and start the new one from there; this folder was not changed.",
      );
    }
    return ExitCode.Success;
  } catch (e) {
    if (e instanceof CancelledError) {
      printError(`${e.message}; nothing was installed.`);
      return ExitCode.Fatal;
    }
    if (e instanceof UserError) {
      printError(e.message);
      return e.exitCode;
    }
    printError(`The update failed: ${(e as Error)?.stack ?? String(e)}`);
    return ExitCode.Fatal;
  }
}
