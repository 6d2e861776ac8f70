/** A child process whose stdout and stderr are collected as text while it runs. */
export interface Captured {
  child: Deno.ChildProcess;
  /** Everything printed so far (stdout and stderr interleaved as they arrived). */
  output: () => string;
  /** The exit status, once both streams are read to the end. */
  done: Promise<Deno.CommandStatus>;
}

/** Spawns `program` with piped output (stdin closed) and collects what it prints. */
export function spawnCaptured(program: string, options: Deno.CommandOptions = {}): Captured {
  const child = new Deno.Command(program, {
    ...options,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) text += dec.decode(chunk, { stream: true });
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const done = (async () => {
    const st = await child.status;
    await pumps;
    return st;
  })();
  return { child, output: () => text, done };
}
