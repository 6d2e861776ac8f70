/**
 * One HTTP(S) client for the HTTP-based backends (WebDAV, S3). Normally Deno's fetch; when the
 * user asks to trust a certificate by its hash (`--accept-specified-ssl-hash`) or to trust any
 * certificate (`--accept-any-ssl-certificate`), node:https, because fetch cannot skip the
 * certificate check. In that mode every new connection's certificate is checked against the
 * hashes before the connection is used.
 */
import https from "node:https";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { Readable } from "node:stream";
import type { OptionValues } from "../core/option_values.ts";

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

/** The server's certificate was not one the user trusts. */
export class CertificateError extends Error {
  constructor(readonly hash: string, host: string) {
    super(
      `The certificate of ${host} (SHA-1 ${hash}) is not trusted. If you trust it, add ` +
        `--accept-specified-ssl-hash=${hash}`,
    );
    this.name = "CertificateError";
  }
}

/** Normalises a certificate hash to upper-case hex without separators. */
export function normalizeHash(h: string): string {
  return h.replace(/[^0-9a-f]/gi, "").toUpperCase();
}

/** Sends HTTP requests with one trust setting; `close()` releases pooled connections. */
export class HttpTransport {
  #client?: Deno.HttpClient;
  #agent?: https.Agent;
  #trust: HttpTransportOptions;
  #verified = new WeakSet<object>();

  constructor(trust: HttpTransportOptions = {}) {
    this.#trust = trust;
    if (trust.acceptAny || trust.acceptHashes?.length) {
      this.#agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 16 });
    } else if (trust.caCerts?.length || trust.connectTo) {
      this.#client = Deno.createHttpClient({
        caCerts: trust.caCerts,
        proxy: trust.connectTo ? { transport: "tcp", ...trust.connectTo } : undefined,
      });
    }
  }

  /** Sends `req`. Network failures throw; HTTP error statuses are returned, not thrown. */
  request(req: HttpRequest): Promise<HttpResponse> {
    if (this.#agent && req.url.startsWith("https:")) return this.#nodeRequest(req);
    return this.#fetch(req);
  }

  async #fetch(req: HttpRequest): Promise<HttpResponse> {
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
        client: this.#client,
        redirect: "manual",
      });
      return { status: r.status, headers: r.headers, body: r.body };
    } catch (e) {
      if (req.body && typeof req.body === "object" && "stream" in req.body) {
        await req.body.stream.cancel().catch(() => {});
      }
      throw e;
    }
  }

  #nodeRequest(req: HttpRequest): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const u = new URL(req.url);
      const headers: Record<string, string> = { ...req.headers };
      if (typeof req.body === "string") {
        headers["content-length"] = String(new TextEncoder().encode(req.body).length);
      } else if (req.body instanceof Uint8Array) {
        headers["content-length"] = String(req.body.length);
      } else if (req.body) headers["content-length"] = String(req.body.size);
      const r = https.request({
        host: u.hostname.replace(/^\[|\]$/g, ""),
        port: u.port || 443,
        path: u.pathname + u.search,
        method: req.method,
        headers,
        agent: this.#agent,
      }, (res: IncomingMessage) => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
          else if (v !== undefined) h.set(k, String(v));
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: h,
          body: Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>,
        });
      });
      r.on("error", reject);
      r.on("socket", (s) => this.#checkSocket(s as TLSSocket, u.host, (e) => r.destroy(e)));
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
    if (this.#verified.has(s) || this.#trust.acceptAny) return;
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
  }
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
