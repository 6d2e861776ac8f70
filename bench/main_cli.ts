/** Runs the program's command line (`main.ts`) in its own process, as the benchmarks time it. */
import { V8_FLAGS } from "../src/core/memory.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Runs `main.ts <cmd...>` with the program's V8 flags; output captured, seconds measured. */
export async function runMain(
  cmd: string[],
): Promise<{ code: number; out: string; err: string; s: number }> {
  const t0 = performance.now();
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--v8-flags=${V8_FLAGS.join(",")}`, MAIN, ...cmd],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const s = (performance.now() - t0) / 1000;
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr), s };
}
