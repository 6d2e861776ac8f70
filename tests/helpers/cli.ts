/** Runs the program as a subprocess, exactly as a user would (`deno run -A main.ts ...`). */
import { fileURLToPath } from "node:url";

export const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

/** Result of one run. */
export interface RunResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `main.ts` with `args`; `prefix` runs it through another program (e.g. setpriv). */
export async function runMain(
  args: string[],
  o: { env?: Record<string, string>; prefix?: string[]; stdin?: string } = {},
): Promise<RunResult> {
  const cmd = o.prefix?.length ? o.prefix[0] : Deno.execPath();
  const full = o.prefix?.length
    ? [...o.prefix.slice(1), Deno.execPath(), "run", "-A", MAIN, ...args]
    : ["run", "-A", MAIN, ...args];
  const r = await new Deno.Command(cmd, {
    args: full,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1", ...(o.env ?? {}) },
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}
