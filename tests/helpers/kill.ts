/** Runs the program and kills it with SIGKILL the moment a condition on the disk holds. */
import { MAIN } from "./cli.ts";

/** Looks at the remote folder's file names; true means "kill now". */
export type KillTrigger = (remoteNames: string[]) => boolean;

/**
 * Starts `main.ts args` and polls `remote` every 2 ms; kills the process when `trigger` says so.
 * Returns whether it was killed (false: it ended first) and its exit code.
 */
export async function runAndKill(
  args: string[],
  remote: string,
  trigger: KillTrigger,
  timeoutMs = 60_000,
): Promise<{ killed: boolean; code: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let killed = false;
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const deadline = Date.now() + timeoutMs;
  while (!exited && Date.now() < deadline) {
    let names: string[] = [];
    try {
      names = [...Deno.readDirSync(remote)].map((e) => e.name);
    } catch { /* not there yet */ }
    if (trigger(names)) {
      try {
        child.kill("SIGKILL");
        killed = !exited;
      } catch { /* already gone */ }
      break;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const st = await status;
  await child.stdout.cancel().catch(() => {});
  await child.stderr.cancel().catch(() => {});
  return { killed, code: st.code };
}
