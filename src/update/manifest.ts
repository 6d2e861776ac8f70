/**
 * The signed version manifest that `--update-url` points to.
 *
 * The address serves a JSON envelope:
 *
 * ```json
 * {"manifest": "<base64 of the manifest's JSON bytes>", "signature": "<base64 Ed25519 signature>"}
 * ```
 *
 * The signature is over exactly the decoded manifest bytes (no re-serialising, so whitespace and
 * key order cannot matter). The manifest itself:
 *
 * ```json
 * {
 *   "version": "0.2.0",
 *   "notes": "https://example.org/releases/0.2.0",
 *   "packages": {
 *     "linux-x64": {"url": "duplicati-0.2.0-linux-x64.zip", "size": 81234567, "sha256": "<hex>"}
 *   }
 * }
 * ```
 *
 * `packages` is keyed by portable target (`linux-x64`, `windows-x64`, ...); a package `url` may be
 * relative to the manifest's address. `notes` (the release notes link) and `released` (ISO date)
 * are optional. Each zip holds the folder `duplicati-<version>-<target>/` as `deno task portable`
 * makes it.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { Buffer } from "node:buffer";
import { UserError } from "../core/errors.ts";
import { isVersion } from "../core/version.ts";

/** One downloadable portable zip. */
export interface UpdatePackage {
  /** Absolute http(s) address of the zip (relative ones are resolved on reading). */
  url: string;
  /** Exact size in bytes. */
  size: number;
  /** SHA-256 of the zip, lower-case hex. */
  sha256: string;
}

/** A verified manifest. */
export interface UpdateManifest {
  version: string;
  /** Link to the release notes, when given. */
  notes?: string;
  /** Release date (ISO 8601), when given. */
  released?: string;
  packages: Record<string, UpdatePackage>;
}

/** The largest portable zip accepted (the size in a manifest is checked against it). */
export const MAX_PACKAGE_SIZE = 2 * 1024 * 1024 * 1024;

function badManifest(source: string, why: string): UserError {
  return new UserError(
    `The version manifest at ${source} is not valid (${why}). Check --update-url: it must point ` +
      `to a signed version manifest of this program.`,
    { code: "UpdateManifestInvalid" },
  );
}

function publicKey(k: string): KeyObject {
  return createPublicKey({ key: Buffer.from(k, "base64"), format: "der", type: "spki" });
}

/**
 * Checks the envelope's Ed25519 signature against `keys` (DER SPKI, base64) and returns the
 * validated manifest, package addresses made absolute against `source`. Throws a UserError
 * (code UpdateSignatureInvalid) when no key verifies the signature, and UpdateManifestInvalid
 * for anything malformed. Nothing in the manifest is looked at before the signature holds.
 */
export function openSignedManifest(
  envelopeText: string,
  keys: readonly string[],
  source: string,
): UpdateManifest {
  let env: { manifest?: unknown; signature?: unknown };
  try {
    env = JSON.parse(envelopeText);
  } catch {
    throw badManifest(source, "not JSON");
  }
  if (
    typeof env !== "object" || env === null || typeof env.manifest !== "string" ||
    typeof env.signature !== "string"
  ) {
    throw badManifest(source, 'expected {"manifest": "<base64>", "signature": "<base64>"}');
  }
  const bytes = Buffer.from(env.manifest, "base64");
  const signature = Buffer.from(env.signature, "base64");
  const trusted = keys.some((k) => {
    try {
      return verify(null, bytes, publicKey(k), signature);
    } catch {
      return false;
    }
  });
  if (!trusted) {
    throw new UserError(
      `The version manifest at ${source} is not signed with this program's update key, so it ` +
        `was refused and nothing was downloaded. Check --update-url; if it is right, the update ` +
        `server may have been tampered with.`,
      { code: "UpdateSignatureInvalid" },
    );
  }
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw badManifest(source, "the signed manifest is not JSON");
  }
  return validate(m, source);
}

function validate(m: Record<string, unknown>, source: string): UpdateManifest {
  if (typeof m !== "object" || m === null) throw badManifest(source, "not an object");
  if (typeof m.version !== "string" || !isVersion(m.version)) {
    throw badManifest(source, "missing or bad version");
  }
  const out: UpdateManifest = { version: m.version.trim(), packages: {} };
  if (typeof m.notes === "string" && /^https?:\/\//i.test(m.notes)) out.notes = m.notes;
  if (typeof m.released === "string") out.released = m.released;
  const pk = m.packages;
  if (typeof pk !== "object" || pk === null) throw badManifest(source, "missing packages");
  for (const [target, raw] of Object.entries(pk as Record<string, unknown>)) {
    const p = raw as Record<string, unknown>;
    if (!/^[a-z0-9]+-[a-z0-9]+$/.test(target)) {
      throw badManifest(source, `bad target name "${target}"`);
    }
    if (
      typeof p !== "object" || p === null || typeof p.url !== "string" ||
      typeof p.size !== "number" || !Number.isSafeInteger(p.size) || p.size <= 0 ||
      p.size > MAX_PACKAGE_SIZE || typeof p.sha256 !== "string" ||
      !/^[0-9a-fA-F]{64}$/.test(p.sha256)
    ) {
      throw badManifest(source, `package ${target} needs url, size (bytes) and sha256 (hex)`);
    }
    let url: URL;
    try {
      url = new URL(p.url, source);
    } catch {
      throw badManifest(source, `package ${target} has a bad url`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw badManifest(source, `package ${target} must be an http(s) address`);
    }
    out.packages[target] = { url: url.href, size: p.size, sha256: p.sha256.toLowerCase() };
  }
  return out;
}

/**
 * Signs `manifest` with an Ed25519 private key (PEM, PKCS#8) and returns the envelope text to
 * publish at the update address. Throws when the key is not an Ed25519 private key.
 */
export function signManifest(manifest: UpdateManifest, privateKeyPem: string): string {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error("The signing key must be Ed25519");
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2) + "\n", "utf-8");
  const signature = sign(null, bytes, key);
  return JSON.stringify({
    manifest: bytes.toString("base64"),
    signature: signature.toString("base64"),
  }) + "\n";
}
