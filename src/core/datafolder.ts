/**
 * Where the program keeps its settings and databases. This module owns the rule; every other part
 * asks it.
 *
 * Order: `--server-datafolder` (or `DUPLICATI__SERVER_DATAFOLDER`), then `DUPLICATI_HOME`, then
 * `data/` next to the executable when compiled (the portable edition), or `data/` in the project
 * folder (beside main.ts) when run from source.
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "./errors.ts";

/** True when running as a `deno compile` executable rather than under the `deno` program. */
export function isCompiled(): boolean {
  const exe = basename(Deno.execPath()).toLowerCase();
  return !(exe === "deno" || exe === "deno.exe");
}

/** The folder holding the program: the executable's folder, or the project folder from source. */
export function programFolder(): string {
  if (isCompiled()) return dirname(Deno.execPath());
  try {
    return dirname(fileURLToPath(Deno.mainModule));
  } catch {
    return Deno.cwd();
  }
}

/** Resolves the data folder without creating it. */
export function resolveDataFolder(
  opts: { serverDatafolder?: string } = {},
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  const explicit = opts.serverDatafolder ?? env["DUPLICATI__SERVER_DATAFOLDER"];
  if (explicit) return resolve(explicit);
  if (env["DUPLICATI_HOME"]) return resolve(env["DUPLICATI_HOME"]);
  return join(programFolder(), "data");
}

/**
 * Resolves and creates the data folder with owner-only permissions.
 * Throws a UserError that says how to choose another folder when it cannot be written.
 */
export function ensureDataFolder(
  opts: { serverDatafolder?: string } = {},
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  const folder = resolveDataFolder(opts, env);
  try {
    Deno.mkdirSync(folder, { recursive: true, mode: 0o700 });
    const probe = join(folder, `.write-test-${crypto.randomUUID()}`);
    Deno.writeTextFileSync(probe, "");
    Deno.removeSync(probe);
  } catch (err) {
    throw new UserError(
      `The data folder ${folder} cannot be written (${(err as Error).message}). ` +
        `Choose another folder with --server-datafolder=<folder> or the DUPLICATI_HOME environment variable.`,
      { code: "DataFolderNotWritable", cause: err },
    );
  }
  return folder;
}
