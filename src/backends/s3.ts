/**
 * S3 backend (`s3://bucket/prefix`): Amazon S3 and compatible servers, over plain fetch with
 * hand-written SigV4 signing. Path-style or virtual-host addressing, paged listings, multipart
 * uploads for files larger than `--s3-multipart-size`, bucket creation.
 */
import type { OptionDef } from "../core/options.ts";
import type { Backend, RemoteEntry } from "./backend.ts";
import {
  AuthenticationError,
  FileMissingError,
  FolderMissingError,
  PermanentBackendError,
} from "./backend.ts";
import type { BackendContext, BackendModule } from "./registry.ts";
import {
  checkLength,
  discard,
  type HttpBody,
  type HttpResponse,
  HttpTransport,
  type HttpTransportOptions,
  responseText,
  tlsTrustFrom,
} from "./http.ts";
import { sha256Hex, type SigningKey, signRequest, uriEncode } from "./sigv4.ts";
import { getFileViaStream, putFileViaStream } from "./transfer.ts";
import { USE_SSL_OPTION } from "./webdav.ts";

const DEFAULT_HOST = "s3.amazonaws.com";
const MIN_PART = 5 * 1024 * 1024;

/** Everything the backend needs, already resolved from URL and options. */
export interface S3Config {
  bucket: string;
  /** Key prefix, empty or ending in `/`. */
  prefix: string;
  /** `host[:port]` of the service endpoint. */
  server: string;
  useSsl: boolean;
  pathStyle: boolean;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  storageClass?: string;
  /** Files larger than this go up in parts of this size. */
  partSize: number;
  /** Keys per listing request (at most 1000 on AWS). */
  pageSize: number;
  /** Region for bucket creation (`LocationConstraint`), empty for the default. */
  locationConstraint?: string;
}

/** Reads the `<Tag>value</Tag>` elements of an S3 XML answer. */
function xmlAll(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((m) =>
    m[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
      .replace(/&amp;/g, "&")
  );
}

function xmlOne(xml: string, tag: string): string | undefined {
  return xmlAll(xml, tag)[0];
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/** Reads up to `n` bytes from `reader` (fewer only at the end of the stream). */
async function readUpTo(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  n: number,
  carry: { rest?: Uint8Array },
): Promise<Uint8Array> {
  const buf = new Uint8Array(n);
  let filled = 0;
  while (filled < n) {
    let chunk = carry.rest;
    carry.rest = undefined;
    if (!chunk) {
      const { done, value } = await reader.read();
      if (done) break;
      chunk = value;
    }
    const take = Math.min(chunk.length, n - filled);
    buf.set(chunk.subarray(0, take), filled);
    filled += take;
    if (take < chunk.length) carry.rest = chunk.subarray(take);
  }
  return filled === n ? buf : buf.subarray(0, filled);
}

/** An S3 error answer. */
export class S3Error extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "S3Error";
  }
}

/** A bucket (and key prefix) on an S3-compatible service. */
export class S3Backend implements Backend {
  readonly displayName: string;
  #key: SigningKey;

  constructor(private cfg: S3Config, private transport: HttpTransport) {
    this.displayName = `s3://${cfg.bucket}/${cfg.prefix}`;
    this.#key = {
      accessKeyId: cfg.accessKeyId,
      secretAccessKey: cfg.secretAccessKey,
      region: cfg.region,
    };
  }

  /** Host and encoded path of `key` in the bucket (`key` undefined: the bucket itself). */
  #target(key?: string): { host: string; path: string } {
    const k = key === undefined ? "" : uriEncode(key, true);
    if (this.cfg.pathStyle) {
      return { host: this.cfg.server, path: `/${uriEncode(this.cfg.bucket)}/${k}` };
    }
    return { host: `${this.cfg.bucket}.${this.cfg.server}`, path: `/${k}` };
  }

  /** Sends one signed request. A body given as bytes is signed; a stream is sent unsigned. */
  async #send(
    method: string,
    key: string | undefined,
    query: [string, string][] = [],
    body?: HttpBody,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse> {
    const { host, path } = this.#target(key);
    const payloadHash = body === undefined
      ? sha256Hex("")
      : typeof body === "string" || body instanceof Uint8Array
      ? sha256Hex(body)
      : "UNSIGNED-PAYLOAD";
    const signed = signRequest(this.#key, { method, host, path, query, headers, payloadHash });
    const qs = query.map(([k, v]) => v === "" ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(v)}`)
      .join("&");
    const url = `${this.cfg.useSsl ? "https" : "http"}://${host}${path}${qs ? "?" + qs : ""}`;
    return await this.transport.request({ method, url, headers: { ...headers, ...signed }, body });
  }

  /** Reads an error answer into the matching error. */
  async #error(r: HttpResponse, what: string, name?: string): Promise<Error> {
    const text = await responseText(r).catch(() => "");
    const code = xmlOne(text, "Code") ?? "";
    const msg = xmlOne(text, "Message") ?? text.slice(0, 200);
    if (code === "NoSuchBucket") {
      return new FolderMissingError(
        `${this.displayName} (the bucket ${this.cfg.bucket} does not exist)`,
      );
    }
    if (r.status === 404 && name !== undefined && (code === "NoSuchKey" || code === "")) {
      return new FileMissingError(name, this.displayName);
    }
    if (
      ["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken"].includes(
        code,
      ) ||
      r.status === 401 || r.status === 403
    ) {
      return new AuthenticationError(
        `The S3 server ${this.cfg.server} refused ${what} (${r.status} ${
          code || "Forbidden"
        }: ${msg}). ` +
          "Check --aws-access-key-id and --aws-secret-access-key",
      );
    }
    if (code === "InvalidBucketName" || code === "AuthorizationHeaderMalformed") {
      return new PermanentBackendError(`S3 ${what} failed: ${code}: ${msg}`, "S3" + code);
    }
    return new S3Error(r.status, code, `S3 ${what} failed: HTTP ${r.status} ${code} ${msg}`.trim());
  }

  async list(): Promise<RemoteEntry[]> {
    const out: RemoteEntry[] = [];
    let token: string | undefined;
    do {
      const q: [string, string][] = [
        ["list-type", "2"],
        ["prefix", this.cfg.prefix],
        ["delimiter", "/"],
        ["max-keys", String(this.cfg.pageSize)],
      ];
      if (token) q.push(["continuation-token", token]);
      const r = await this.#send("GET", undefined, q);
      if (r.status !== 200) throw await this.#error(r, "listing");
      const xml = await responseText(r);
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const key = xmlOne(m[1], "Key") ?? "";
        const name = key.slice(this.cfg.prefix.length);
        if (!name) continue;
        const mod = xmlOne(m[1], "LastModified");
        out.push({
          name,
          size: Number(xmlOne(m[1], "Size") ?? 0),
          lastModified: mod ? new Date(mod) : undefined,
        });
      }
      for (const m of xml.matchAll(/<CommonPrefixes>([\s\S]*?)<\/CommonPrefixes>/g)) {
        const p = (xmlOne(m[1], "Prefix") ?? "").slice(this.cfg.prefix.length).replace(/\/$/, "");
        if (p) out.push({ name: p, size: 0, isFolder: true });
      }
      token = xmlOne(xml, "IsTruncated") === "true"
        ? xmlOne(xml, "NextContinuationToken")
        : undefined;
    } while (token);
    return out;
  }

  put(name: string, localPath: string): Promise<void> {
    return putFileViaStream(this, name, localPath);
  }

  /**
   * Uploads in one signed PUT up to `--s3-multipart-size`, else as a multipart upload whose
   * parts are read into memory one at a time and signed.
   */
  async putStream(name: string, data: ReadableStream<Uint8Array>, size: number): Promise<void> {
    const key = this.cfg.prefix + name;
    const extra: Record<string, string> = {};
    if (this.cfg.storageClass) extra["x-amz-storage-class"] = this.cfg.storageClass;
    const reader = data.getReader();
    const carry: { rest?: Uint8Array } = {};
    try {
      if (size <= this.cfg.partSize) {
        const body = await readUpTo(reader, size, carry);
        if (body.length !== size) {
          throw new Error(
            `Upload of ${name}: the local data ended after ${body.length} of ${size} bytes`,
          );
        }
        const r = await this.#send("PUT", key, [], body, extra);
        if (r.status !== 200) throw await this.#error(r, `the upload of ${name}`);
        await discard(r);
        return;
      }
      await this.#multipart(name, key, reader, carry, size, extra);
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  async #multipart(
    name: string,
    key: string,
    reader: ReadableStreamDefaultReader<Uint8Array>,
    carry: { rest?: Uint8Array },
    size: number,
    extra: Record<string, string>,
  ): Promise<void> {
    let r = await this.#send("POST", key, [["uploads", ""]], "", extra);
    if (r.status !== 200) throw await this.#error(r, `starting the upload of ${name}`);
    const uploadId = xmlOne(await responseText(r), "UploadId");
    if (!uploadId) throw new Error(`S3 did not return an upload id for ${name}`);
    try {
      // One part uploads while the next is read: at most two parts in memory.
      const etags: string[] = [];
      let sent = 0;
      let inFlight: Promise<void> | undefined;
      try {
        for (let part = 1; sent < size; part++) {
          const chunk = await readUpTo(reader, Math.min(this.cfg.partSize, size - sent), carry);
          if (chunk.length === 0) {
            throw new Error(
              `Upload of ${name}: the local data ended after ${sent} of ${size} bytes`,
            );
          }
          await inFlight;
          inFlight = (async () => {
            const q: [string, string][] = [["partNumber", String(part)], ["uploadId", uploadId]];
            const pr = await this.#send("PUT", key, q, chunk);
            if (pr.status !== 200) throw await this.#error(pr, `part ${part} of ${name}`);
            etags[part - 1] = pr.headers.get("etag") ?? "";
            await discard(pr);
          })();
          // Its failure is rethrown where it is awaited; until then it is not "unhandled".
          inFlight.catch(() => {});
          sent += chunk.length;
        }
        await inFlight;
      } finally {
        await inFlight?.catch(() => {});
      }
      const xml = "<CompleteMultipartUpload>" +
        etags.map((e, i) =>
          `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(e)}</ETag></Part>`
        )
          .join("") +
        "</CompleteMultipartUpload>";
      r = await this.#send("POST", key, [["uploadId", uploadId]], xml);
      const text = await responseText(r);
      // S3 may answer 200 and still report an error in the body.
      if (r.status !== 200 || /<Error>/.test(text)) {
        throw new S3Error(
          r.status,
          xmlOne(text, "Code") ?? "",
          `Completing the upload of ${name} failed: ${text.slice(0, 300)}`,
        );
      }
    } catch (err) {
      const a = await this.#send("DELETE", key, [["uploadId", uploadId]]).catch(() => undefined);
      if (a) await discard(a);
      throw err;
    }
  }

  get(name: string, localPath: string): Promise<void> {
    return getFileViaStream(this, name, localPath);
  }

  async getStream(name: string): Promise<ReadableStream<Uint8Array>> {
    const r = await this.#send("GET", this.cfg.prefix + name);
    if (r.status !== 200) throw await this.#error(r, `the download of ${name}`, name);
    const expected = Number(r.headers.get("content-length") ?? NaN);
    return checkLength(r.body ?? new Blob([]).stream(), expected, name);
  }

  /** One object's size and time, or undefined when it does not exist. */
  async stat(name: string): Promise<RemoteEntry | undefined> {
    const r = await this.#send("HEAD", this.cfg.prefix + name);
    await discard(r);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw await this.#error(r, `checking ${name}`, name);
    const mod = r.headers.get("last-modified");
    return {
      name,
      size: Number(r.headers.get("content-length") ?? 0),
      lastModified: mod ? new Date(mod) : undefined,
    };
  }

  /** S3 deletes answer 204 whether or not the key existed, so a HEAD first finds a missing one. */
  async delete(name: string): Promise<void> {
    if (!(await this.stat(name))) throw new FileMissingError(name, this.displayName);
    const r = await this.#send("DELETE", this.cfg.prefix + name);
    if (r.status !== 204 && r.status !== 200) throw await this.#error(r, `deleting ${name}`, name);
    await discard(r);
  }

  /** Creates the bucket; an existing bucket of the same owner is fine. */
  async createFolder(): Promise<void> {
    const lc = this.cfg.locationConstraint;
    const body = lc && lc !== "us-east-1"
      ? `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${
        escapeXml(lc)
      }</LocationConstraint></CreateBucketConfiguration>`
      : "";
    const r = await this.#send("PUT", undefined, [], body);
    if (r.status === 200) return await discard(r);
    const err = await this.#error(r, `creating the bucket ${this.cfg.bucket}`);
    if (err instanceof S3Error && err.code === "BucketAlreadyOwnedByYou") return;
    if (err instanceof S3Error && err.code === "BucketAlreadyExists") {
      throw new PermanentBackendError(
        `The bucket name ${this.cfg.bucket} is taken by another account. Choose another bucket name`,
        "BucketAlreadyExists",
      );
    }
    throw err;
  }

  async test(): Promise<void> {
    await this.list();
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}

/** The region in an AWS endpoint name (`s3.eu-west-1.amazonaws.com`, `s3-eu-west-1...`). */
function regionOfHost(host: string): string | undefined {
  return host.match(/^(?:[^.]+\.)*?s3[.-]([a-z]{2}-[a-z]+-\d)\.amazonaws\.com/i)?.[1];
}

/** Options of the S3 backend (Duplicati's names). */
export const S3_OPTIONS: OptionDef[] = [
  USE_SSL_OPTION,
  {
    name: "aws-access-key-id",
    aliases: ["aws_access_key_id"],
    type: "string",
    category: "remote",
    summary: "The S3 access key id (instead of the user name in the URL or --auth-username).",
  },
  {
    name: "aws-secret-access-key",
    aliases: ["aws_secret_access_key"],
    type: "password",
    category: "remote",
    summary: "The S3 secret access key (instead of the URL password or --auth-password).",
  },
  {
    name: "s3-server-name",
    type: "string",
    default: DEFAULT_HOST,
    category: "remote",
    summary:
      "The S3 endpoint host[:port], for S3-compatible services (e.g. minio.example.com:9000).",
  },
  {
    name: "s3-location-constraint",
    type: "string",
    category: "remote",
    summary:
      "The region of the bucket (e.g. eu-west-1); used to sign requests and to create the bucket.",
  },
  {
    name: "s3-ext-authenticationregion",
    type: "string",
    category: "remote",
    summary: "The region used to sign requests, when it differs from --s3-location-constraint.",
  },
  {
    name: "s3-storage-class",
    type: "string",
    category: "remote",
    summary: "Storage class of uploaded files (e.g. STANDARD_IA); empty uses the bucket's default.",
  },
  {
    name: "s3-ext-forcepathstyle",
    type: "boolean",
    category: "remote",
    defaultText: "true for servers other than Amazon's",
    summary:
      "Address the bucket in the path (host/bucket/key) instead of the host name (bucket.host/key).",
  },
  {
    name: "s3-multipart-size",
    type: "size",
    default: "16mb",
    defaultUnit: "mb",
    min: "5mb",
    category: "remote",
    summary: "Files larger than this are uploaded in parts of this size (multipart upload).",
  },
  {
    name: "s3-list-page-size",
    type: "integer",
    default: "1000",
    min: "1",
    max: "1000",
    category: "remote",
    summary: "How many names one listing request asks for.",
  },
];

/** Builds the configuration from the URL and options; throws for missing credentials. */
export function s3ConfigFrom(ctx: BackendContext): S3Config {
  const o = ctx.options;
  const loc = ctx.location;
  const bucket = loc.host;
  if (!bucket) {
    throw new PermanentBackendError("The S3 URL has no bucket. Use s3://bucket/prefix", "BadUrl");
  }
  const accessKeyId = loc.username || o.str("aws-access-key-id") || ctx.username;
  const secretAccessKey = loc.password || o.str("aws-secret-access-key") || ctx.password;
  if (!accessKeyId) {
    throw new PermanentBackendError(
      "No S3 access key id given. Use --aws-access-key-id (or --auth-username)",
      "MissingCredentials",
    );
  }
  if (!secretAccessKey) {
    throw new PermanentBackendError(
      "No S3 secret access key given. Use --aws-secret-access-key (or --auth-password)",
      "MissingCredentials",
    );
  }
  const lc = o.str("s3-location-constraint") || undefined;
  let server = o.str("s3-server-name") || DEFAULT_HOST;
  server = server.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
  const hostOnly = server.replace(/:\d+$/, "");
  const isAws = /(^|\.)amazonaws\.com$/i.test(hostOnly);
  const pathStyle = o.has("s3-ext-forcepathstyle") ? o.bool("s3-ext-forcepathstyle") : !isAws;
  const region = o.str("s3-ext-authenticationregion") || lc || regionOfHost(hostOnly) ||
    "us-east-1";
  return {
    bucket,
    prefix: loc.path.split("/").filter((s) => s).map((s) => s + "/").join(""),
    server,
    useSsl: o.bool("use-ssl"),
    pathStyle,
    region,
    accessKeyId,
    secretAccessKey,
    storageClass: o.str("s3-storage-class") || undefined,
    partSize: Math.max(MIN_PART, o.size("s3-multipart-size", 16 * 1024 * 1024)),
    pageSize: o.int("s3-list-page-size", 1000),
    locationConstraint: lc,
  };
}

/** Registry entry for `s3://`. */
export const S3_MODULE: BackendModule = {
  schemes: ["s3"],
  description:
    "Amazon S3 or a compatible service: s3://bucket/prefix (--s3-server-name for others)",
  options: S3_OPTIONS,
  create(ctx: BackendContext): Backend {
    const transport: HttpTransportOptions = tlsTrustFrom(ctx.options);
    return new S3Backend(s3ConfigFrom(ctx), new HttpTransport(transport));
  },
};
