/** Moving bytes between local files and streams, for backends and decorators. */
import { FileMissingError } from "./backend.ts";

/** Opens a local file as a stream together with its size. */
export async function openLocalFile(
  path: string,
): Promise<{ data: ReadableStream<Uint8Array>; size: number }> {
  const f = await Deno.open(path, { read: true });
  try {
    const size = (await f.stat()).size;
    return { data: f.readable, size };
  } catch (err) {
    f.close();
    throw err;
  }
}

/**
 * Writes `data` into the local file `path` (created or truncated); returns the bytes written.
 * The file is closed whether the stream ends or fails.
 */
export async function writeLocalFile(
  data: ReadableStream<Uint8Array>,
  path: string,
): Promise<number> {
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  let n = 0;
  const reader = data.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let o = 0;
      while (o < value.length) o += await f.write(value.subarray(o));
      n += value.length;
    }
  } catch (err) {
    await reader.cancel(err).catch(() => {});
    throw err;
  } finally {
    reader.releaseLock();
    f.close();
  }
  return n;
}

/** `put(name, path)` for a backend that only streams. */
export async function putFileViaStream(
  backend: {
    putStream(name: string, data: ReadableStream<Uint8Array>, size: number): Promise<void>;
  },
  name: string,
  localPath: string,
): Promise<void> {
  const { data, size } = await openLocalFile(localPath);
  await backend.putStream(name, data, size);
}

/** `get(name, path)` for a backend that only streams. */
export async function getFileViaStream(
  backend: { getStream(name: string): Promise<ReadableStream<Uint8Array>> },
  name: string,
  localPath: string,
): Promise<void> {
  const data = await backend.getStream(name);
  await writeLocalFile(data, localPath);
}

/** Reads a whole stream into memory (for small files and tests). */
export async function readAll(data: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(data).arrayBuffer());
}

/** Rethrows `err` as FileMissingError when `test(err)` says the file is missing. */
export function mapMissing(
  err: unknown,
  test: (err: unknown) => boolean,
  name: string,
  where: string,
): never {
  if (test(err)) throw new FileMissingError(name, where);
  throw err;
}
