/** AWS Signature Version 4 for S3 requests (header form), written out over node:crypto. */
import { createHash, createHmac } from "node:crypto";

/** SHA-256 of `data` as lower-case hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The hash S3 accepts in place of the payload hash when the body is not signed. */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-._~` is %XX. */
export function uriEncode(s: string, keepSlash = false): string {
  let out = "";
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Credentials and scope of the signature. */
export interface SigningKey {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service?: string;
}

/**
 * Returns the headers to add to a request (`authorization`, `x-amz-date`,
 * `x-amz-content-sha256`). `path` is the already-encoded path, `query` the raw parameters,
 * `headers` the other headers that will be sent (all are signed), `payloadHash` the body's
 * SHA-256 hex or {@link UNSIGNED_PAYLOAD}.
 */
export function signRequest(
  key: SigningKey,
  req: {
    method: string;
    host: string;
    path: string;
    query: [string, string][];
    headers: Record<string, string>;
    payloadHash: string;
  },
  now = new Date(),
): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const service = key.service ?? "s3";
  const hdrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) hdrs[k.toLowerCase()] = v.trim();
  hdrs["host"] = req.host;
  hdrs["x-amz-date"] = amzDate;
  hdrs["x-amz-content-sha256"] = req.payloadHash;
  const names = Object.keys(hdrs).sort();
  const canonicalHeaders = names.map((n) => `${n}:${hdrs[n].replace(/\s+/g, " ")}\n`).join("");
  const signed = names.join(";");
  const query = req.query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1)
    .map(([k, v]) => `${k}=${v}`).join("&");
  const canonical = [req.method, req.path, query, canonicalHeaders, signed, req.payloadHash]
    .join("\n");
  const scope = `${day}/${key.region}/${service}/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  const hmac = (k: string | Uint8Array, d: string) => createHmac("sha256", k).update(d).digest();
  let k: Uint8Array = hmac("AWS4" + key.secretAccessKey, day);
  k = hmac(k, key.region);
  k = hmac(k, service);
  k = hmac(k, "aws4_request");
  const signature = createHmac("sha256", k).update(toSign).digest("hex");
  return {
    "x-amz-date": amzDate,
    "x-amz-content-sha256": req.payloadHash,
    authorization:
      `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
  };
}
