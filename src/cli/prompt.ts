/** Asks for a secret on the terminal without echoing it. */

/** Reads one line from the terminal with echo off; undefined when stdin is not a terminal. */
export async function promptSecret(question: string): Promise<string | undefined> {
  if (!Deno.stdin.isTerminal()) return undefined;
  const enc = new TextEncoder();
  await Deno.stderr.write(enc.encode(question));
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buf = new Uint8Array(1);
  try {
    while (true) {
      const n = await Deno.stdin.read(buf);
      if (n === null) break;
      const c = buf[0];
      if (c === 3) throw new Error("Cancelled");
      if (c === 13 || c === 10) break;
      if (c === 127 || c === 8) bytes.pop();
      else bytes.push(c);
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(enc.encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
