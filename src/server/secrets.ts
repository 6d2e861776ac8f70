/**
 * Secrets in server settings: which names are sensitive, encryption at rest with the settings key
 * (`enc-v1:` values, AES-256-GCM), and masking in API answers with a placeholder that, sent back
 * unchanged, keeps the stored value.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { findOption } from "../core/options.ts";

/** What every API answer shows instead of a secret. */
export const MASK = "**********";

const SENSITIVE_RE =
  /(passphrase|password|passwd|secret|jwt-config|pbkdf-config|api-key|access-key|private-key|token|sas)/i;

/** True when an option or setting name holds a secret (leading `--` ignored). */
export function isSensitiveName(name: string): boolean {
  const n = name.replace(/^--/, "");
  if (findOption(n)?.type === "password") return true;
  return SENSITIVE_RE.test(n);
}

/** Encrypts and decrypts single values; inactive (pass-through) without a key. */
export class FieldCipher {
  readonly active: boolean;
  #key?: Buffer;
  #check = "";

  constructor(key?: string) {
    this.active = !!key;
    if (key) {
      this.#key = createHash("sha256").update("duplicati-settings-v1\0" + key).digest();
      this.#check = createHash("sha256").update(this.#key).digest("hex").slice(0, 16);
    }
  }

  /** True for a value written by an active cipher. */
  static isEncrypted(value: string): boolean {
    return value.startsWith("enc-v1:");
  }

  /** The value encrypted (or as it is, when inactive or already encrypted). */
  encrypt(value: string): string {
    if (!this.#key || FieldCipher.isEncrypted(value)) return value;
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.#key, iv);
    const body = Buffer.concat([c.update(value, "utf8"), c.final(), c.getAuthTag()]);
    return `enc-v1:${this.#check}:${Buffer.concat([iv, body]).toString("base64")}`;
  }

  /** True when this cipher's key wrote `value`. */
  canDecrypt(value: string): boolean {
    return !FieldCipher.isEncrypted(value) || value.split(":")[1] === this.#check;
  }

  /** The clear value. Throws when encrypted with another key or tampered with. */
  decrypt(value: string): string {
    if (!FieldCipher.isEncrypted(value)) return value;
    if (!this.#key || !this.canDecrypt(value)) {
      throw new Error("An encrypted setting cannot be read with the current settings key");
    }
    const raw = Buffer.from(value.split(":")[2], "base64");
    const iv = raw.subarray(0, 12);
    const tag = raw.subarray(raw.length - 16);
    const d = createDecipheriv("aes-256-gcm", this.#key, iv);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString(
      "utf8",
    );
  }
}

/** A cipher that stores values as they are. */
export const PLAINTEXT = new FieldCipher();

/** Splits a storage URL into the part before `?` and its query pairs (order kept). */
function splitQuery(url: string): [string, [string, string][]] {
  const q = url.indexOf("?");
  if (q < 0) return [url, []];
  const pairs: [string, string][] = [];
  for (const part of url.slice(q + 1).split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    pairs.push(eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return [url.slice(0, q), pairs];
}

function joinQuery(base: string, pairs: [string, string][]): string {
  return pairs.length ? `${base}?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}` : base;
}

const USERINFO_RE = /^([a-z][a-z0-9+.-]*:\/\/[^:/@?]*):([^@/?]*)@/i;

/** The URL with its password and secret query values replaced by {@link MASK}. */
export function maskUrl(url: string): string {
  const [base, pairs] = splitQuery(url);
  const b = base.replace(USERINFO_RE, (_m, pre) => `${pre}:${MASK}@`);
  return joinQuery(
    b,
    pairs.map(([k, v]) => [k, isSensitiveName(decodeURIComponent(k)) && v ? MASK : v]),
  );
}

/** Puts back the stored secrets where `incoming` still carries {@link MASK}. */
export function unmaskUrl(incoming: string, stored: string | undefined): string {
  if (!stored || !incoming.includes(MASK)) return incoming;
  const [sBase, sPairs] = splitQuery(stored);
  const [iBase, iPairs] = splitQuery(incoming);
  const storedPw = sBase.match(USERINFO_RE)?.[2] ?? "";
  const base = iBase.replace(USERINFO_RE, (m, pre, pw) => pw === MASK ? `${pre}:${storedPw}@` : m);
  const old = new Map(sPairs);
  return joinQuery(base, iPairs.map(([k, v]) => [k, v === MASK ? old.get(k) ?? "" : v]));
}

/** The URL with its password and secret query parameters removed (for exports without secrets). */
export function stripUrlSecrets(url: string): string {
  const [base, pairs] = splitQuery(url);
  return joinQuery(
    base.replace(USERINFO_RE, (_m, pre) => `${pre}@`),
    pairs.filter(([k]) => !isSensitiveName(decodeURIComponent(k))),
  );
}
