/**
 * FTP backend (`ftp://host[:port]/path`, also `aftp://`): passive mode, optional TLS (explicit
 * AUTH TLS or implicit, `--ftp-encryption-mode`), over npm:basic-ftp. Each transfer uses its own
 * connection from a small pool, so parallel uploads work.
 */
import type { Client } from "basic-ftp";
import type { ConnectionOptions, TLSSocket } from "node:tls";
import { Readable, Writable } from "node:stream";
import type { OptionDef } from "../core/options.ts";
import type { Backend, RemoteEntry } from "./backend.ts";
import {
  AuthenticationError,
  FileMissingError,
  FolderMissingError,
  PermanentBackendError,
} from "./backend.ts";
import type { BackendContext, BackendModule } from "./registry.ts";
import { CertificateError, checkLength, normalizeHash, tlsTrustFrom } from "./http.ts";
import { getFileViaStream, putFileViaStream } from "./transfer.ts";
import { USE_SSL_OPTION } from "./webdav.ts";

/** How the connection is encrypted. */
export type FtpEncryption = "none" | "explicit" | "implicit";

/** Everything the backend needs. */
export interface FtpConfig {
  host: string;
  port: number;
  /** Absolute folder path on the server, or a path relative to the login folder. */
  folder: string;
  absolute: boolean;
  username: string;
  password: string;
  encryption: FtpEncryption;
  acceptAny: boolean;
  acceptHashes: string[];
  timeoutMs: number;
}

const MAX_IDLE = 4;
/** How a TLS library says it refused the server's certificate. */
const CERT_REFUSED = /certificate|self[- ]signed|unable to verify|UnknownIssuer/i;

/**
 * basic-ftp (about 10 MB of memory once loaded) is loaded by the first connection, so commands
 * that never use FTP do not carry it.
 */
let ftpLib: typeof import("basic-ftp") | undefined;
async function loadFtp(): Promise<typeof import("basic-ftp")> {
  ftpLib ??= await import("basic-ftp");
  return ftpLib;
}

function ftpCode(err: unknown): number | undefined {
  // Without the library loaded no FTP error can exist yet.
  return ftpLib && err instanceof ftpLib.FTPError ? err.code : undefined;
}

/** An FTP folder. */
export class FtpBackend implements Backend {
  readonly displayName: string;
  #idle: Client[] = [];
  #folder?: string;

  constructor(private cfg: FtpConfig) {
    const shown = cfg.absolute ? "/" + cfg.folder : cfg.folder;
    this.displayName = `ftp://${cfg.host}:${cfg.port}/${shown.replace(/^\/+/, "")}`;
  }

  /** Connects and starts TLS as configured (no login yet). */
  async #open(c: Client, secureOptions: ConnectionOptions): Promise<void> {
    if (this.cfg.encryption === "implicit") {
      await c.connectImplicitTLS(this.cfg.host, this.cfg.port, secureOptions);
    } else {
      await c.connect(this.cfg.host, this.cfg.port);
      if (this.cfg.encryption === "explicit") {
        await c.useTLS({ ...secureOptions, host: this.cfg.host });
      }
    }
  }

  /** The SHA-1 hash of the server's certificate, read without checking it ("" if it fails). */
  async #certificateHash(): Promise<string> {
    const c = new (await loadFtp()).Client(10_000);
    try {
      await this.#open(c, { rejectUnauthorized: false });
      return normalizeHash((c.ftp.socket as TLSSocket).getPeerCertificate()?.fingerprint ?? "");
    } catch {
      return "";
    } finally {
      c.close();
    }
  }

  /** Opens and logs in a new connection, checking the certificate before the password is sent. */
  async #connect(): Promise<Client> {
    const c = new (await loadFtp()).Client(this.cfg.timeoutMs);
    const secureOptions: ConnectionOptions = {};
    if (this.cfg.acceptAny || this.cfg.acceptHashes.length) {
      secureOptions.rejectUnauthorized = false;
    }
    try {
      try {
        await this.#open(c, secureOptions);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (this.cfg.encryption !== "none" && CERT_REFUSED.test(msg)) {
          throw new CertificateError(
            await this.#certificateHash(),
            this.cfg.host,
            `is not trusted (${msg})`,
          );
        }
        throw err;
      }
      if (this.cfg.encryption !== "none" && !this.cfg.acceptAny && this.cfg.acceptHashes.length) {
        const sock = c.ftp.socket as TLSSocket;
        const hash = normalizeHash(sock.getPeerCertificate()?.fingerprint ?? "");
        if (!this.cfg.acceptHashes.some((h) => normalizeHash(h) === hash)) {
          throw new CertificateError(hash, this.cfg.host);
        }
      }
      await c.send("OPTS UTF8 ON").catch(() => {});
      await c.login(this.cfg.username, this.cfg.password);
      await c.useDefaultSettings();
      return c;
    } catch (err) {
      c.close();
      throw this.#classify(err, "connecting");
    }
  }

  #classify(err: unknown, what: string): unknown {
    if (err instanceof CertificateError) return err;
    const code = ftpCode(err);
    if (code === 530) {
      return new AuthenticationError(
        `The FTP server ${this.cfg.host} refused the login (530). Check the user name and password (--auth-username, --auth-password)`,
      );
    }
    const msg = err instanceof Error ? err.message : String(err);
    if (code === 534 || code === 504 && this.cfg.encryption !== "none") {
      return new PermanentBackendError(
        `The FTP server ${this.cfg.host} does not offer TLS (${what}: ${msg}). Use --ftp-encryption-mode=None`,
        "NoTls",
      );
    }
    return err;
  }

  /** The folder as an absolute server path (resolved against the login folder once). */
  async #base(c: Client): Promise<string> {
    if (this.#folder === undefined) {
      if (this.cfg.absolute) this.#folder = "/" + this.cfg.folder;
      else {
        const home = (await c.pwd()).replace(/\/+$/, "");
        this.#folder = `${home}/${this.cfg.folder}`;
      }
      this.#folder = this.#folder.replace(/\/+$/, "") || "/";
    }
    return this.#folder;
  }

  async #path(c: Client, name: string): Promise<string> {
    const base = await this.#base(c);
    return base === "/" ? `/${name}` : `${base}/${name}`;
  }

  /**
   * Runs `op` on a pooled connection. A connection whose operation failed for a reason other
   * than an FTP answer is closed, not pooled.
   */
  async #with<T>(what: string, op: (c: Client) => Promise<T>): Promise<T> {
    const c = this.#idle.pop() ?? await this.#connect();
    let ok = false;
    try {
      const r = await op(c);
      ok = true;
      return r;
    } catch (err) {
      ok = ftpCode(err) !== undefined && !c.closed;
      throw this.#classify(err, what);
    } finally {
      if (ok && !c.closed && this.#idle.length < MAX_IDLE) this.#idle.push(c);
      else c.close();
    }
  }

  list(): Promise<RemoteEntry[]> {
    return this.#with("listing", async (c) => {
      const dir = await this.#base(c);
      try {
        await c.cd(dir);
      } catch (err) {
        if (ftpCode(err) === 550) throw new FolderMissingError(this.displayName);
        throw err;
      }
      const items = await c.list();
      return items.filter((f) => f.name !== "." && f.name !== "..").map((f) => ({
        name: f.name,
        size: f.size,
        lastModified: f.modifiedAt,
        ...(f.isDirectory ? { isFolder: true } : {}),
      }));
    });
  }

  put(name: string, localPath: string): Promise<void> {
    return putFileViaStream(this, name, localPath);
  }

  putStream(name: string, data: ReadableStream<Uint8Array>, _size: number): Promise<void> {
    return this.#with(`uploading ${name}`, async (c) => {
      const path = await this.#path(c, name);
      // deno-lint-ignore no-explicit-any
      const src = Readable.fromWeb(data as any);
      try {
        await c.uploadFrom(src, path);
      } catch (err) {
        src.destroy();
        if (ftpCode(err) === 550 || ftpCode(err) === 553) {
          const e = new FolderMissingError(this.displayName);
          (e as { cause?: unknown }).cause = err;
          throw e;
        }
        throw err;
      }
    });
  }

  get(name: string, localPath: string): Promise<void> {
    return getFileViaStream(this, name, localPath);
  }

  /**
   * Asks for the size first (a missing file fails here, before the stream is handed out), then
   * streams the download. The sink's write completes synchronously: with an asynchronous write
   * an FTPS download in Deno hangs after the server's 226 until the data socket times out.
   */
  async getStream(name: string): Promise<ReadableStream<Uint8Array>> {
    const c = this.#idle.pop() ?? await this.#connect();
    let path: string;
    let size: number;
    try {
      path = await this.#path(c, name);
      size = await c.size(path);
    } catch (err) {
      const broken = ftpCode(err) === undefined || c.closed;
      if (broken) c.close();
      else this.#idle.push(c);
      if (ftpCode(err) === 550) throw new FileMissingError(name, this.displayName);
      throw this.#classify(err, `downloading ${name}`);
    }
    let ctrl!: ReadableStreamDefaultController<Uint8Array>;
    const out = new ReadableStream<Uint8Array>({
      start(cn) {
        ctrl = cn;
      },
      cancel() {
        c.close();
      },
    }, { highWaterMark: 0 });
    const sink = new Writable({
      write(chunk: Uint8Array, _enc, cb) {
        try {
          ctrl.enqueue(new Uint8Array(chunk));
        } catch { /* the reader went away */ }
        cb();
      },
    });
    c.downloadTo(sink, path).then(() => {
      try {
        ctrl.close();
      } catch { /* cancelled */ }
      if (!c.closed && this.#idle.length < MAX_IDLE) this.#idle.push(c);
      else c.close();
    }, (err) => {
      c.close();
      try {
        ctrl.error(this.#classify(err, `downloading ${name}`));
      } catch { /* cancelled */ }
    });
    return checkLength(out, size, name);
  }

  /** One file's size, or undefined when it does not exist. */
  stat(name: string): Promise<RemoteEntry | undefined> {
    return this.#with(`checking ${name}`, async (c) => {
      try {
        return { name, size: await c.size(await this.#path(c, name)) };
      } catch (err) {
        if (ftpCode(err) === 550) return undefined;
        throw err;
      }
    });
  }

  delete(name: string): Promise<void> {
    return this.#with(`deleting ${name}`, async (c) => {
      try {
        await c.remove(await this.#path(c, name));
      } catch (err) {
        if (ftpCode(err) === 550) throw new FileMissingError(name, this.displayName);
        throw err;
      }
    });
  }

  createFolder(): Promise<void> {
    return this.#with("creating the folder", async (c) => {
      await c.ensureDir(await this.#base(c));
    });
  }

  async test(): Promise<void> {
    await this.list();
  }

  /** Drops every pooled connection (between retries, and at the end). */
  reset(): Promise<void> {
    for (const c of this.#idle.splice(0)) c.close();
    return Promise.resolve();
  }

  close(): Promise<void> {
    return this.reset();
  }
}

/** Options of the FTP backend (Duplicati's names). */
export const FTP_OPTIONS: OptionDef[] = [
  USE_SSL_OPTION,
  {
    name: "ftp-encryption-mode",
    type: "enum",
    values: ["None", "Explicit", "Implicit", "Auto"],
    default: "None",
    category: "remote",
    summary:
      "TLS for FTP: None, Explicit (AUTH TLS on the normal port), Implicit (TLS from the start, usually port 990), Auto (same as Explicit).",
  },
  {
    name: "ftp-data-connection-type",
    type: "enum",
    values: ["AutoPassive", "PASV", "EPSV", "AutoActive", "PORT", "EPRT"],
    default: "AutoPassive",
    category: "remote",
    summary:
      "How data connections are made. Only the passive kinds (AutoPassive, PASV, EPSV) are supported.",
  },
  {
    name: "ftp-absolute-path",
    type: "boolean",
    default: "false",
    category: "remote",
    summary: "Treat the URL path as absolute on the server, not relative to the login folder.",
  },
];

/** Builds the configuration from URL and options. */
export function ftpConfigFrom(ctx: BackendContext): FtpConfig {
  const o = ctx.options;
  const loc = ctx.location;
  if (!loc.host) {
    throw new PermanentBackendError(
      "The FTP URL has no server name. Use ftp://host[:port]/path",
      "BadUrl",
    );
  }
  const mode = (o.str("ftp-encryption-mode") ?? "None").toLowerCase();
  let encryption: FtpEncryption = mode === "implicit"
    ? "implicit"
    : mode === "explicit" || mode === "auto"
    ? "explicit"
    : "none";
  if (encryption === "none" && o.bool("use-ssl")) encryption = "explicit";
  const dct = (o.str("ftp-data-connection-type") ?? "AutoPassive").toLowerCase();
  if (!["autopassive", "pasv", "epsv"].includes(dct)) {
    throw new PermanentBackendError(
      `--ftp-data-connection-type=${
        o.str("ftp-data-connection-type")
      } (active mode) is not supported. Use AutoPassive, PASV or EPSV`,
      "BadArguments",
    );
  }
  const trust = tlsTrustFrom(o);
  return {
    host: loc.host,
    port: loc.port ? Number(loc.port) : encryption === "implicit" ? 990 : 21,
    folder: loc.path.split("/").filter((s) => s).join("/"),
    absolute: o.bool("ftp-absolute-path"),
    username: ctx.username || "anonymous",
    password: ctx.password ?? (ctx.username ? "" : "anonymous@"),
    encryption,
    acceptAny: trust.acceptAny ?? false,
    acceptHashes: trust.acceptHashes ?? [],
    timeoutMs: 60_000,
  };
}

/** Registry entry for `ftp://` (and Duplicati's `aftp://` alias). */
export const FTP_MODULE: BackendModule = {
  schemes: ["ftp", "aftp"],
  description:
    "FTP or FTPS server: ftp://host[:port]/path (--ftp-encryption-mode=Explicit for TLS)",
  options: FTP_OPTIONS,
  create: (ctx: BackendContext): Backend => new FtpBackend(ftpConfigFrom(ctx)),
};
