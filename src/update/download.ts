/** Downloading a portable zip: streamed to disk, size-limited, checked against the manifest. */
import { createHash } from "node:crypto";
import { CancelledError, IntegrityError, UserError } from "../core/errors.ts";
import type { UpdatePackage } from "./manifest.ts";
import { unreachable } from "./check.ts";

/** Progress of a download: bytes so far of `total`. */
export type DownloadProgress = (done: number, total: number) => void;

/**
 * Downloads `pkg` to `file` (created; must not exist), never holding more than one chunk in
 * memory, stopping as soon as more than `pkg.size` bytes arrive, and checks the size and SHA-256
 * against the manifest. Any failure removes `file` and throws: UpdateUnreachable (network,
 * HTTP error, no data for `idleMs`), IntegrityError (UpdateSizeMismatch, UpdateHashMismatch),
 * CancelledError when `signal` aborts.
 */
export async function downloadPackage(
  pkg: UpdatePackage,
  file: string,
  opts: { idleMs?: number; onProgress?: DownloadProgress; signal?: AbortSignal } = {},
): Promise<void> {
  const idleMs = opts.idleMs ?? 60_000;
  const abort = new AbortController();
  opts.signal?.throwIfAborted();
  const onCancel = () =>
    abort.abort(new CancelledError("The download of the new version was stopped"));
  opts.signal?.addEventListener("abort", onCancel);
  let timer = setTimeout(() => abort.abort(new DOMException("idle", "TimeoutError")), idleMs);
  const out = await Deno.open(file, { write: true, createNew: true });
  let closed = false;
  try {
    let res: Response;
    try {
      res = await fetch(pkg.url, { signal: abort.signal, redirect: "follow" });
    } catch (e) {
      if (abort.signal.reason instanceof CancelledError) throw abort.signal.reason;
      throw unreachable(pkg.url, abort.signal.reason ?? e);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw unreachable(pkg.url, new Error(`HTTP ${res.status} ${res.statusText}`.trim()));
    }
    const hash = createHash("sha256");
    let done = 0;
    try {
      for await (const chunk of res.body ?? new ReadableStream<Uint8Array>()) {
        clearTimeout(timer);
        timer = setTimeout(() => abort.abort(new DOMException("idle", "TimeoutError")), idleMs);
        done += chunk.length;
        if (done > pkg.size) {
          abort.abort();
          throw new IntegrityError(
            `The download from ${pkg.url} is larger than the ${pkg.size} bytes the signed ` +
              `manifest gives, so it was stopped and removed. Try again later; if it keeps ` +
              `happening, the download server is serving the wrong file.`,
            "UpdateSizeMismatch",
          );
        }
        hash.update(chunk);
        let o = 0;
        while (o < chunk.length) o += await out.write(chunk.subarray(o));
        opts.onProgress?.(done, pkg.size);
      }
    } catch (e) {
      if (e instanceof UserError) throw e;
      if (abort.signal.reason instanceof CancelledError) throw abort.signal.reason;
      throw unreachable(pkg.url, abort.signal.reason ?? e);
    }
    if (done !== pkg.size) {
      throw new IntegrityError(
        `The download from ${pkg.url} has ${done} bytes, not the ${pkg.size} the signed manifest ` +
          `gives, so it was removed. Try again.`,
        "UpdateSizeMismatch",
      );
    }
    const got = hash.digest("hex");
    if (got !== pkg.sha256) {
      throw new IntegrityError(
        `The download from ${pkg.url} does not match the SHA-256 in the signed manifest ` +
          `(got ${got}, expected ${pkg.sha256}), so it was removed and nothing was changed. ` +
          `Try again later; if it keeps happening, the download has been tampered with.`,
        "UpdateHashMismatch",
      );
    }
    out.close();
    closed = true;
  } catch (e) {
    if (!closed) out.close();
    await Deno.remove(file).catch(() => {});
    throw e;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onCancel);
  }
}
