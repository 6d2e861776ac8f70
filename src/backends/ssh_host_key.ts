/**
 * SSH host key fingerprints in Duplicati's form (`ssh-ed25519 256 aa:bb:...`, MD5 of the key) and
 * OpenSSH's (`SHA256:base64`), and the check against `--ssh-fingerprint`.
 */
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";

/** The two printed forms of a host key's fingerprint. */
export interface HostKeyFingerprint {
  /** Duplicati's form: `<type> <bits> <md5 hex pairs>`, lower case. */
  duplicati: string;
  /** OpenSSH's form: `SHA256:<base64 without padding>`. */
  sha256: string;
}

function readString(blob: Buffer, at: number): [Buffer, number] {
  const len = blob.readUInt32BE(at);
  return [blob.subarray(at + 4, at + 4 + len), at + 4 + len];
}

function bitLength(mpint: Buffer): number {
  let i = 0;
  while (i < mpint.length && mpint[i] === 0) i++;
  if (i === mpint.length) return 0;
  return (mpint.length - i - 1) * 8 + (32 - Math.clz32(mpint[i]));
}

/** Computes both fingerprint forms of a host key blob (the SSH wire encoding). */
export function hostKeyFingerprint(blob: Buffer): HostKeyFingerprint {
  const [typeBuf, next] = readString(blob, 0);
  const type = typeBuf.toString("latin1");
  let bits = 0;
  if (type === "ssh-rsa") {
    const [, afterE] = readString(blob, next);
    bits = bitLength(readString(blob, afterE)[0]);
  } else if (type === "ssh-ed25519") bits = 256;
  else if (type === "ssh-ed448") bits = 456;
  else if (type.startsWith("ecdsa-sha2-nistp")) bits = Number(type.slice(16));
  else if (type === "ssh-dss") bits = bitLength(readString(blob, next)[0]);
  const md5 = createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
  const sha = createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
  return { duplicati: `${type} ${bits} ${md5}`, sha256: `SHA256:${sha}` };
}

/** True when `expected` (either form, any case for the MD5 form) names this key. */
export function fingerprintMatches(fp: HostKeyFingerprint, expected: string): boolean {
  const e = expected.trim();
  if (/^SHA256:/i.test(e)) return e.slice(7).replace(/=+$/, "") === fp.sha256.slice(7);
  return e.toLowerCase().replace(/\s+/g, " ") === fp.duplicati;
}
