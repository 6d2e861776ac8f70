/**
 * WebDAV backend (`webdav://host[:port]/path`): plain HTTP verbs (PROPFIND, PUT, GET, DELETE,
 * MKCOL) with basic authentication; `--use-ssl` switches to https.
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
  type HttpResponse,
  HttpTransport,
  responseText,
  tlsTrustFrom,
} from "./http.ts";
import { getFileViaStream, putFileViaStream } from "./transfer.ts";

/** `--use-ssl`, shared by the HTTP-based and FTP backends. */
export const USE_SSL_OPTION: OptionDef = {
  name: "use-ssl",
  type: "boolean",
  default: "false",
  category: "remote",
  summary: "Use an encrypted connection (https, or FTP with TLS).",
};

/** What the backend needs to reach the server. */
export interface WebdavConfig {
  /** `http://host:port` or `https://host:port`, no trailing slash. */
  origin: string;
  /** The folder path, `/` separated, without leading or trailing slash (may be empty). */
  folder: string;
  username?: string;
  password?: string;
  transport: HttpTransport;
}

/** Percent-encodes each segment of a `/` separated path. */
function encodePath(p: string): string {
  return p.split("/").filter((s) => s !== "").map(encodeURIComponent).join("/");
}

/** Finds `<prefix:tag>…</prefix:tag>` in a WebDAV XML fragment, whatever the namespace prefix. */
function xmlValue(xml: string, tag: string): string | undefined {
  const m = xml.match(
    new RegExp(`<(?:[\\w.-]+:)?${tag}\\b[^>]*>([\\s\\S]*?)</(?:[\\w.-]+:)?${tag}>`, "i"),
  );
  return m?.[1];
}

function decodeXmlText(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, "&");
}

/** Parses a PROPFIND (Depth: 1) answer into entries, leaving out the folder itself. */
export function parsePropfind(xml: string, folderPath: string): RemoteEntry[] {
  const out: RemoteEntry[] = [];
  const self = "/" + folderPath.split("/").filter((s) => s).join("/");
  const re = /<(?:[\w.-]+:)?response\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?response>/gi;
  for (const m of xml.matchAll(re)) {
    const body = m[1];
    const hrefRaw = xmlValue(body, "href");
    if (hrefRaw === undefined) continue;
    let href = decodeXmlText(hrefRaw.trim());
    try {
      href = decodeURIComponent(new URL(href, "http://x").pathname);
    } catch { /* keep as is */ }
    const trimmed = href.replace(/\/+$/, "") || "/";
    if (trimmed === self || trimmed === self.replace(/\/+$/, "")) continue;
    const name = trimmed.slice(trimmed.lastIndexOf("/") + 1);
    if (!name) continue;
    const rtype = xmlValue(body, "resourcetype") ?? "";
    const isFolder = /collection/i.test(rtype);
    const len = xmlValue(body, "getcontentlength");
    const mod = xmlValue(body, "getlastmodified");
    const date = mod ? new Date(mod.trim()) : undefined;
    out.push({
      name,
      size: len ? Number(len.trim()) : 0,
      lastModified: date && !isNaN(date.getTime()) ? date : undefined,
      ...(isFolder ? { isFolder: true } : {}),
    });
  }
  return out;
}

/** A WebDAV folder on a server. */
export class WebdavBackend implements Backend {
  readonly displayName: string;
  #auth?: string;

  constructor(private cfg: WebdavConfig) {
    this.displayName = `${cfg.origin}/${cfg.folder}`;
    if (cfg.username !== undefined || cfg.password !== undefined) {
      const bytes = new TextEncoder().encode(`${cfg.username ?? ""}:${cfg.password ?? ""}`);
      this.#auth = "Basic " + btoa(String.fromCharCode(...bytes));
    }
  }

  #url(name?: string): string {
    const folder = encodePath(this.cfg.folder);
    const base = `${this.cfg.origin}/${folder}${folder ? "/" : ""}`;
    return name === undefined ? base : base + encodeURIComponent(name);
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.#auth ? { authorization: this.#auth, ...extra } : extra;
  }

  /** Turns an unexpected answer into the matching error (reads and drops the body). */
  async #fail(r: HttpResponse, what: string): Promise<never> {
    const text = (await responseText(r).catch(() => "")).replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " ").trim().slice(0, 200);
    if (r.status === 401) {
      throw new AuthenticationError(
        `The WebDAV server ${this.cfg.origin} refused the login (401). Check the user name and password (--auth-username, --auth-password)`,
      );
    }
    if (r.status === 403) {
      throw new PermanentBackendError(
        `The WebDAV server ${this.cfg.origin} denied access to ${what} (403 Forbidden). Check the folder and the account's rights`,
        "AccessDenied",
      );
    }
    if (r.status >= 300 && r.status < 400) {
      throw new PermanentBackendError(
        `The WebDAV server answered ${what} with a redirect (${r.status}) to ${
          r.headers.get("location") ?? "?"
        }. Use that address in the URL (or --use-ssl for https)`,
        "Redirected",
      );
    }
    throw new Error(`WebDAV ${what} failed: HTTP ${r.status}${text ? ` (${text})` : ""}`);
  }

  async list(): Promise<RemoteEntry[]> {
    const body = '<?xml version="1.0" encoding="utf-8"?>' +
      '<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/>' +
      "<D:getlastmodified/></D:prop></D:propfind>";
    const r = await this.cfg.transport.request({
      method: "PROPFIND",
      url: this.#url(),
      headers: this.#headers({ depth: "1", "content-type": "application/xml; charset=utf-8" }),
      body,
    });
    if (r.status === 404 || r.status === 409) {
      await discard(r);
      throw new FolderMissingError(this.displayName);
    }
    if (r.status !== 207 && r.status !== 200) return await this.#fail(r, "listing");
    return parsePropfind(await responseText(r), this.cfg.folder);
  }

  put(name: string, localPath: string): Promise<void> {
    return putFileViaStream(this, name, localPath);
  }

  async putStream(name: string, data: ReadableStream<Uint8Array>, size: number): Promise<void> {
    const r = await this.cfg.transport.request({
      method: "PUT",
      url: this.#url(name),
      headers: this.#headers({ "content-type": "application/octet-stream" }),
      body: { stream: data, size },
    });
    if (r.status === 409 || r.status === 404) {
      await discard(r);
      throw new FolderMissingError(this.displayName);
    }
    if (r.status < 200 || r.status > 299) return await this.#fail(r, `upload of ${name}`);
    await discard(r);
  }

  get(name: string, localPath: string): Promise<void> {
    return getFileViaStream(this, name, localPath);
  }

  async getStream(name: string): Promise<ReadableStream<Uint8Array>> {
    const r = await this.cfg.transport.request({
      method: "GET",
      url: this.#url(name),
      headers: this.#headers(),
    });
    if (r.status === 404) {
      await discard(r);
      throw new FileMissingError(name, this.displayName);
    }
    if (r.status !== 200) return await this.#fail(r, `download of ${name}`);
    const expected = Number(r.headers.get("content-length") ?? NaN);
    return checkLength(r.body ?? new Blob([]).stream(), expected, name);
  }

  async delete(name: string): Promise<void> {
    const r = await this.cfg.transport.request({
      method: "DELETE",
      url: this.#url(name),
      headers: this.#headers(),
    });
    await discard(r);
    if (r.status === 404) throw new FileMissingError(name, this.displayName);
    if (r.status < 200 || r.status > 299) return await this.#fail(r, `delete of ${name}`);
  }

  /** Creates the folder and any missing parents (MKCOL one level at a time). */
  async createFolder(): Promise<void> {
    const parts = this.cfg.folder.split("/").filter((s) => s);
    for (let i = 1; i <= parts.length; i++) {
      const url = `${this.cfg.origin}/${parts.slice(0, i).map(encodeURIComponent).join("/")}/`;
      const r = await this.cfg.transport.request({
        method: "MKCOL",
        url,
        headers: this.#headers(),
      });
      await discard(r);
      // 405: it exists already (some servers answer 201 again, or 301 to the slash form).
      if (r.status === 201 || r.status === 405 || r.status === 200 || r.status === 301) continue;
      return await this.#fail(r, "folder creation");
    }
  }

  async test(): Promise<void> {
    await this.list();
  }

  close(): Promise<void> {
    this.cfg.transport.close();
    return Promise.resolve();
  }
}

/** Registry entry for `webdav://`. */
export const WEBDAV_MODULE: BackendModule = {
  schemes: ["webdav"],
  description: "WebDAV server: webdav://host[:port]/path (--use-ssl for https)",
  options: [USE_SSL_OPTION],
  create(ctx: BackendContext): Backend {
    const loc = ctx.location;
    if (!loc.host) {
      throw new PermanentBackendError(
        "The WebDAV URL has no server name. Use webdav://host[:port]/path",
        "BadUrl",
      );
    }
    const ssl = ctx.options.bool("use-ssl");
    const host = loc.host.includes(":") && !loc.host.startsWith("[") ? `[${loc.host}]` : loc.host;
    const origin = `${ssl ? "https" : "http"}://${host}${loc.port ? `:${loc.port}` : ""}`;
    return new WebdavBackend({
      origin,
      folder: loc.path.split("/").filter((s) => s).join("/"),
      username: ctx.username,
      password: ctx.password,
      transport: new HttpTransport(tlsTrustFrom(ctx.options)),
    });
  },
};
