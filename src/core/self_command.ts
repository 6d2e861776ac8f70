/**
 * How the program starts itself again as a child process (the command line page running `cli`,
 * the service watchdog running `server`): the compiled executable, the portable folder's bundled
 * program under its Deno runtime, or main.ts under `deno run` when run from source.
 */
import { fileURLToPath } from "node:url";
import { isCompiled } from "./datafolder.ts";
import { V8_FLAGS } from "./memory.ts";

/** A command line that runs this program: the executable, its arguments, and environment. */
export interface SelfCommand {
  command: string;
  args: string[];
  /**
   * Environment changes for the child. The portable launcher scripts tell the program its name
   * in DUPLICATI_CALLED_AS; the child must not inherit it, or `duplicati-server` would start
   * another server instead of running `cli`.
   */
  env: Record<string, string>;
}

/** The command that runs this same program with `args` (`["server", "--option=value"]`). */
export function selfCommand(args: readonly string[]): SelfCommand {
  const env = { DUPLICATI_CALLED_AS: "" };
  if (isCompiled()) return { command: Deno.execPath(), args: [...args], env };
  if (Deno.mainModule.endsWith("/duplicati.js")) {
    // The portable folder's bundled program (build/bundle.ts) runs itself again.
    const bundle = fileURLToPath(Deno.mainModule);
    return {
      command: Deno.execPath(),
      args: ["run", "-A", "--no-config", `--v8-flags=${V8_FLAGS.join(",")}`, bundle, ...args],
      env,
    };
  }
  const main = fileURLToPath(new URL("../../main.ts", import.meta.url));
  return { command: Deno.execPath(), args: ["run", "-A", main, ...args], env };
}
