/**
 * One HTTP(S) client for the HTTP-based backends (WebDAV, S3). Normally Deno's fetch; when the
 * user asks to trust a certificate by its hash (`--accept-specified-ssl-hash`) or to trust any
 * certificate (`--accept-any-ssl-certificate`), node:https, because fetch cannot skip the
 * certificate check. In that mode every new connection's certificate is checked against the
 * hashes before the connection is used.
 */
import https from "node:https";
import http, { type IncomingMessage } from "node:http";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { Readable } from "node:stream";
import type { OptionValues } from "../core/option_values.ts";
import { PermanentBackendError } from "./backend.ts";

/** How to trust the server's certificate, and where to connect. */
export interface HttpTransportOptions {
  /** Trust any certificate (unsafe). */
  acceptAny?: boolean;
  /** SHA-1 hashes (hex, any case, `:` allowed) of certificates to trust even if invalid. */
  acceptHashes?: string[];
  /** Extra CA certificates (PEM) to trust, for fetch. */
  caCerts?: string[];
  /**
   * Connect every request to this address whatever the URL's host (the Host header stays the
   * URL's), like curl's --connect-to; for a server reached under a name DNS does not know.
   * Requests then go through node:http(s).
   */
  connectTo?: { hostname: string; port: number };
}

/** A request body: bytes, text, or a stream of known length. */
export type HttpBody = Uint8Array | string | { stream: ReadableStream<Uint8Array>; size: number };

/** One request. */
export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: HttpBody;
}

/** A response; the caller must consume or cancel `body`. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
}

/** The server's certificate was not one the user trusts (permanent: retrying cannot help). */
export class CertificateError extends PermanentBackendError {
  constructor(readonly hash: string, host: string, why = "is not trusted") {
    super(
      `The certificate of ${host} (SHA-1 ${hash || "unknown"}) ${why}. If you trust it, add ` +
        `--accept-specified-ssl-hash=${hash || "<SHA-1 of the certificate>"}`,
      "UntrustedCertificate",
    );
    this.name = "CertificateError";
  }
}

/** The SHA-1 hash of the certificate `host:port` presents, or "" when it cannot be read. */
export function fetchCertificateHash(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host, port, rejectUnauthorized: false });
    const done = (h: string) => {
      s.destroy();
      resolve(h);
    };
    s.once("secureConnect", () => done(normalizeHash(s.getPeerCertificate()?.fingerprint ?? "")));
    s.once("error", () => done(""));
    s.setTimeout(10_000, () => done(""));
  });
}

const CERT_PROBLEM = /invalid peer certificate|certificate|UnknownIssuer|CaUsedAsEndEntity/i;

/** Normalises a certificate hash to upper-case hex without separators. */
export function normalizeHash(h: string): string {
  return h.replace(/[^0-9a-f]/gi, "").toUpperCase();
}

/** Sends HTTP requests with one trust setting; `close()` releases pooled connections. */
export class HttpTransport {
  #client?: Deno.HttpClient;
  #agent?: https.Agent;
  #plainAgent?: http.Agent;
  #trust: HttpTransportOptions;
  #verified = new WeakSet<object>();

  constructor(trust: HttpTransportOptions = {}) {
    this.#trust = trust;
    const pinned = trust.acceptAny || trust.acceptHashes?.length;
    if (pinned || trust.connectTo) {
      this.#agent = new https.Agent({
        keepAlive: true,
        rejectUnauthorized: !pinned,
        ca: trust.caCerts,
        maxSockets: 16,
      });
    }
    if (trust.connectTo) this.#plainAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    else if (trust.caCerts?.length) {
      this.#client = Deno.createHttpClient({ caCerts: trust.caCerts });
    }
  }

  /** Sends `req`. Network failures throw; HTTP error statuses are returned, not thrown. */
  request(req: HttpRequest): Promise<HttpResponse> {
    const tls = req.url.startsWith("https:");
    if (tls ? this.#agent : this.#plainAgent) return this.#nodeRequest(req, tls);
    return this.#fetch(req);
  }

  async #fetch(req: HttpRequest, client = this.#client): Promise<HttpResponse> {
    const headers = new Headers(req.headers);
    let body: BodyInit | undefined;
    if (typeof req.body === "string" || req.body instanceof Uint8Array) {
      body = req.body as BodyInit;
    } else if (req.body) {
      headers.set("content-length", String(req.body.size));
      body = req.body.stream;
    }
    try {
      const r = await fetch(req.url, {
        method: req.method,
        headers,
        body,
        client,
        redirect: "manual",
      });
      return { status: r.status, headers: r.headers, body: r.body };
    } catch (e) {
      if (req.body && typeof req.body === "object" && "stream" in req.body) {
        await req.body.stream.cancel().catch(() => {});
      }
      const why = String((e as { cause?: unknown })?.cause ?? "");
      if (req.url.startsWith("https:") && CERT_PROBLEM.test(why)) {
        const u = new URL(req.url);
        const hash = await fetchCertificateHash(
          u.hostname.replace(/^\[|\]$/g, ""),
          Number(u.port || 443),
        );
        const detail = why.match(/invalid peer certificate: (\w+)/)?.[1] ?? "failed the check";
        throw new CertificateError(hash, u.host, `is not trusted (${detail})`);
      }
      throw e;
    }
  }

  #nodeRequest(req: HttpRequest, tls: boolean): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const u = new URL(req.url);
      const headers: Record<string, string> = { host: u.host, ...req.headers };
      if (typeof req.body === "string") {
        headers["content-length"] = String(new TextEncoder().encode(req.body).length);
      } else if (req.body instanceof Uint8Array) {
        headers["content-length"] = String(req.body.length);
      } else if (req.body) headers["content-length"] = String(req.body.size);
      const to = this.#trust.connectTo;
      const r = (tls ? https : http).request({
        host: to?.hostname ?? u.hostname.replace(/^\[|\]$/g, ""),
        port: to?.port ?? (u.port || (tls ? 443 : 80)),
        servername: to && tls && !/^[\d.]+$|:/.test(u.hostname) ? u.hostname : undefined,
        path: u.pathname + u.search,
        method: req.method,
        headers,
        agent: tls ? this.#agent : this.#plainAgent,
      }, (res: IncomingMessage) => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
          else if (v !== undefined) h.set(k, String(v));
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: h,
          body: coalesce(res),
        });
      });
      r.on("error", reject);
      if (tls) {
        r.on("socket", (s) => this.#checkSocket(s as TLSSocket, u.host, (e) => r.destroy(e)));
      }
      if (req.body === undefined) r.end();
      else if (typeof req.body === "string" || req.body instanceof Uint8Array) r.end(req.body);
      else {
        // deno-lint-ignore no-explicit-any
        const src = Readable.fromWeb(req.body.stream as any);
        src.on("error", (e) => r.destroy(e));
        src.pipe(r);
      }
    });
  }

  /** Refuses a connection whose certificate hash is not trusted (before anything is sent). */
  #checkSocket(s: TLSSocket, host: string, fail: (e: Error) => void): void {
    const t = this.#trust;
    if (this.#verified.has(s) || t.acceptAny || !t.acceptHashes?.length) return;
    const check = () => {
      const hash = normalizeHash(s.getPeerCertificate()?.fingerprint ?? "");
      const ok = (this.#trust.acceptHashes ?? []).some((h) => normalizeHash(h) === hash);
      if (ok) this.#verified.add(s);
      else {
        const e = new CertificateError(hash, host);
        s.destroy(e);
        fail(e);
      }
    };
    // deno-lint-ignore no-explicit-any
    if ((s as any).encrypted && s.getPeerCertificate && s.getPeerCertificate()?.fingerprint) {
      check();
    } else s.once("secureConnect", check);
  }

  close(): void {
    this.#client?.close();
    this.#agent?.destroy();
    this.#plainAgent?.destroy();
  }
}

/**
 * A node response as a web stream of chunks of at least 256 KiB (node hands out 16 KiB pieces,
 * and every piece costs a trip through the stream pipeline and a write call downstream).
 */
function coalesce(res: IncomingMessage): ReadableStream<Uint8Array> {
  const MIN = 256 * 1024;
  let parts: Uint8Array[] = [];
  let size = 0;
  let finished = false;
  const flush = (c: ReadableStreamDefaultController<Uint8Array>) => {
    if (size === 0 || finished) return;
    const out = new Uint8Array(size);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    parts = [];
    size = 0;
    c.enqueue(out);
  };
  return new ReadableStream<Uint8Array>({
    start(c) {
      res.on("data", (chunk: Uint8Array) => {
        parts.push(chunk);
        size += chunk.length;
        if (size >= MIN) {
          flush(c);
          if ((c.desiredSize ?? 1) <= 0) res.pause();
        }
      });
      res.on("end", () => {
        flush(c);
        if (!finished) c.close();
        finished = true;
      });
      const fail = (e: Error) => {
        if (!finished) c.error(e);
        finished = true;
      };
      res.on("error", fail);
      res.on("aborted", () => fail(new Error("The server closed the connection mid-response")));
    },
    pull() {
      res.resume();
    },
    cancel() {
      finished = true;
      res.destroy();
    },
  }, { highWaterMark: 4 });
}

/** Reads a response body as text (empty when there is none). */
export async function responseText(r: HttpResponse): Promise<string> {
  if (!r.body) return "";
  return await new Response(r.body).text();
}

/** Discards a response body. */
export async function discard(r: HttpResponse): Promise<void> {
  await r.body?.cancel().catch(() => {});
}

/** The certificate trust the user asked for with the common SSL options. */
export function tlsTrustFrom(opts: OptionValues): HttpTransportOptions {
  return {
    acceptAny: opts.bool("accept-any-ssl-certificate"),
    acceptHashes: opts.list("accept-specified-ssl-hash", ","),
  };
}

/** Passes `data` through and fails at its end when fewer or more bytes than announced came. */
export function checkLength(
  data: ReadableStream<Uint8Array>,
  expected: number,
  name: string,
): ReadableStream<Uint8Array> {
  if (!Number.isFinite(expected)) return data;
  let n = 0;
  return data.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        n += chunk.length;
        c.enqueue(chunk);
      },
      flush() {
        if (n !== expected) {
          throw new Error(`The download of ${name} was cut short: ${n} of ${expected} bytes`);
        }
      },
    }),
  );
}
