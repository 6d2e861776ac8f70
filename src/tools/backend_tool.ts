/**
 * `duplicati-backend-tool <command> <url> [filename]`: one storage operation by hand, as
 * Duplicati's BackendTool. Commands: LIST, GET, PUT, DELETE, CREATEFOLDER (any case). Exit codes:
 * 0 done, 100 the operation failed, 200 wrong usage.
 */
import { basename } from "node:path";
import { ExitCode, UserError } from "../core/errors.ts";
import { formatSize } from "../core/sizes.ts";
import { BACKEND_MODULES, redact } from "../backends/registry.ts";
import { openToolBackend, parseToolArgs } from "./tool_args.ts";

const COMMANDS: Record<string, string> = {
  list: "list",
  get: "get",
  put: "put",
  delete: "delete",
  createfolder: "create",
  "create-folder": "create",
};

function usage(out: (s: string) => void): void {
  out("Usage: <command> <protocol>://<username>:<password>@<path> [filename]");
  out("Example: LIST ftp://user:pass@server/folder");
  out("");
  out("Supported backends: " + BACKEND_MODULES.flatMap((m) => m.schemes).join(","));
  out("Supported commands: GET PUT LIST DELETE CREATEFOLDER");
}

/** Runs the backend tool; returns the exit code. `out` receives each output line. */
export async function runBackendTool(
  argv: string[],
  out: (s: string) => void = console.log,
): Promise<number> {
  let args;
  try {
    args = parseToolArgs(argv);
  } catch (err) {
    out(`Command failed: ${(err as Error).message}`);
    return ExitCode.BadArguments;
  }
  const [cmdArg, url, file, ...extra] = args.positionals;
  const command = COMMANDS[cmdArg?.toLowerCase() ?? ""];
  if (!command || !url) {
    if (cmdArg && url && !command) out(`Unsupported command: ${cmdArg}\n`);
    usage(out);
    return ExitCode.BadArguments;
  }
  const needsFile = command === "get" || command === "put" || command === "delete";
  if (extra.length > 0 || (!needsFile && file !== undefined)) {
    out(`Command failed: too many arguments: ${args.positionals.join(",")}`);
    return ExitCode.BadArguments;
  }
  if (needsFile && file === undefined) {
    out(`Command failed: ${command.toUpperCase()} requires a filename argument`);
    return ExitCode.BadArguments;
  }
  let backend;
  try {
    backend = openToolBackend(url, args.options);
  } catch (err) {
    out(`Command failed: ${(err as Error).message}`);
    return err instanceof UserError ? err.exitCode : ExitCode.Fatal;
  }
  try {
    switch (command) {
      case "list":
        out(["Name", "Dir/File", "LastChange", "Size"].join("\t"));
        for (const e of await backend.list()) {
          out([
            e.name,
            e.isFolder ? "Dir" : "File",
            e.lastModified?.toISOString() ?? "",
            e.isFolder || e.size < 0 ? "" : formatSize(e.size),
          ].join("\t"));
        }
        break;
      case "create":
        await backend.createFolder();
        break;
      case "delete":
        await backend.delete(basename(file!));
        break;
      case "get": {
        let exists = true;
        try {
          await Deno.lstat(file!);
        } catch {
          exists = false;
        }
        if (exists) {
          out(`Command failed: ${file} already exists, not overwriting`);
          return ExitCode.Fatal;
        }
        await backend.get(basename(file!), file!);
        break;
      }
      case "put":
        await backend.put(basename(file!), file!);
        break;
    }
    return ExitCode.Success;
  } catch (err) {
    out(`Command failed on ${redact(url)}: ${(err as Error).message}`);
    return err instanceof UserError && err.exitCode === ExitCode.BadArguments
      ? ExitCode.BadArguments
      : ExitCode.Fatal;
  } finally {
    await backend.close().catch(() => {});
  }
}
