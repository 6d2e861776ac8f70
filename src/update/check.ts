/**
 * Asking the update address whether there is a newer version: fetch the signed manifest, verify
 * it with the built-in keys, compare versions and pick this program's target.
 */
import { UserError } from "../core/errors.ts";
import { concatBytes } from "../core/bytes.ts";
import { compareVersions, programTarget, VERSION } from "../core/version.ts";
import { DEFAULT_UPDATE_URL, UPDATE_SIGNING_KEYS } from "./keys.ts";
import { openSignedManifest, type UpdateManifest, type UpdatePackage } from "./manifest.ts";

/** The largest manifest read (a manifest is a few hundred bytes). */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** What to ask and whom to trust. */
export interface CheckOptions {
  /** Address of the signed manifest; default the built-in one. */
  url?: string;
  /** Trusted keys; default the built-in ones (see keys.ts for why this is code-only). */
  keys?: readonly string[];
  /** The running version; default VERSION. */
  currentVersion?: string;
  /** The portable target; default this program's. */
  target?: string;
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
}

/** The answer of a check. */
export type UpdateCheck =
  | { status: "current"; currentVersion: string; manifest: UpdateManifest }
  | {
    status: "available";
    currentVersion: string;
    manifest: UpdateManifest;
    target: string;
    package: UpdatePackage;
  }
  | { status: "no-package"; currentVersion: string; manifest: UpdateManifest; target: string };

/** The update address to use: `given`, else the built-in one; throws a UserError when neither. */
export function updateUrl(given?: string): string {
  const url = given?.trim() || DEFAULT_UPDATE_URL;
  if (!url) {
    throw new UserError(
      "No update address is set: give --update-url=<address of the signed version manifest>.",
      { code: "UpdateUrlMissing", exitCode: 200 },
    );
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`--update-url "${url}" is not an address: use http(s)://...`, {
      code: "UpdateUrlInvalid",
      exitCode: 200,
    });
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    throw new UserError(`--update-url "${url}" must be an http:// or https:// address`, {
      code: "UpdateUrlInvalid",
      exitCode: 200,
    });
  }
  return u.href;
}

/** Reads at most `limit` bytes of a response body; throws when it is longer. */
async function readLimited(res: Response, limit: number, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const c of res.body ?? new ReadableStream<Uint8Array>()) {
    total += c.length;
    if (total > limit) {
      await res.body?.cancel().catch(() => {});
      throw new UserError(
        `${what} is larger than ${limit} bytes; it cannot be a version manifest`,
        {
          code: "UpdateManifestInvalid",
        },
      );
    }
    chunks.push(c);
  }
  return concatBytes(chunks);
}

/** A clear message for a failed request to the update address. */
export function unreachable(url: string, err: unknown): UserError {
  const why = err instanceof DOMException && err.name === "TimeoutError"
    ? "no answer in time"
    : (err as Error)?.message ?? String(err);
  return new UserError(
    `The update server at ${url} could not be reached (${why}). Check your internet connection ` +
      `and the address given with --update-url, then try again.`,
    { code: "UpdateUnreachable", cause: err },
  );
}

/**
 * Fetches and verifies the manifest and says whether it offers a newer version for this target.
 * Throws UserErrors: UpdateUnreachable (network, HTTP error), UpdateSignatureInvalid,
 * UpdateManifestInvalid, UpdateUrlMissing/Invalid.
 */
export async function checkForUpdate(opts: CheckOptions = {}): Promise<UpdateCheck> {
  const url = updateUrl(opts.url);
  const keys = opts.keys ?? UPDATE_SIGNING_KEYS;
  const currentVersion = opts.currentVersion ?? VERSION;
  const target = opts.target ?? programTarget();
  let body: Uint8Array;
  try {
    const res = await fetch(url, {
      signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
      headers: { Accept: "application/json" },
      redirect: "follow",
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
    }
    body = await readLimited(res, MAX_MANIFEST_BYTES, `The answer of ${url}`);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw unreachable(url, e);
  }
  const manifest = openSignedManifest(new TextDecoder().decode(body), keys, url);
  if (compareVersions(manifest.version, currentVersion) <= 0) {
    return { status: "current", currentVersion, manifest };
  }
  const pkg = manifest.packages[target];
  if (!pkg) return { status: "no-package", currentVersion, manifest, target };
  return { status: "available", currentVersion, manifest, target, package: pkg };
}
