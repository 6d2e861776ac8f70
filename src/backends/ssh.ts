/**
 * SFTP backend (`ssh://user@host:port/path`) on npm:ssh2: password or key login (`--ssh-keyfile`,
 * `--ssh-key=sshkey://...`), host key checking (`--ssh-fingerprint`,
 * `--ssh-accept-any-fingerprints`), one connection reused by all calls and opened again after a
 * failure. The path is absolute on the server, as in Duplicati.
 */
import { Buffer } from "node:buffer";
import type { OptionDef } from "../core/options.ts";
import { ArgumentError } from "../core/errors.ts";
import {
  AuthenticationError,
  type Backend,
  FileMissingError,
  FolderMissingError,
  PermanentBackendError,
  type Quota,
  type RemoteEntry,
} from "./backend.ts";
import type { BackendContext, BackendModule } from "./registry.ts";
import { fingerprintMatches, hostKeyFingerprint } from "./ssh_host_key.ts";
import { getFileViaStream, putFileViaStream } from "./transfer.ts";

/** The SFTP backend's options. */
export const SSH_OPTIONS: OptionDef[] = [
  {
    name: "ssh-fingerprint",
    type: "string",
    category: "remote",
    summary:
      'The server\'s host key fingerprint, as printed when it is unknown: "ssh-ed25519 256 aa:bb:..." or "SHA256:...".',
  },
  {
    name: "ssh-accept-any-fingerprints",
    type: "boolean",
    default: "false",
    category: "remote",
    summary: "Trust any host key. Unsafe: allows man-in-the-middle attacks.",
  },
  {
    name: "ssh-keyfile",
    type: "path",
    category: "remote",
    summary:
      "Private key file for the login (OpenSSH or PEM); --auth-password is then the key's passphrase.",
  },
  {
    name: "ssh-key",
    type: "password",
    category: "remote",
    summary: "The private key itself, URL-encoded after sshkey:// (instead of --ssh-keyfile).",
  },
  {
    name: "ssh-operation-timeout",
    type: "timespan",
    default: "0",
    category: "remote",
    summary: "Time limit for connecting and logging in; 0 uses 30 seconds.",
  },
  {
    name: "ssh-keepalive",
    type: "timespan",
    default: "0",
    category: "remote",
    summary: "Send a keep-alive this often; 0 disables it.",
  },
];

// The parts of npm:ssh2 used here (its published types pull in an old @types/node that clashes
// with Deno's own node types).
type Cb<T> = (err: Error | null | undefined, v: T) => void;
interface FileAttrs {
  size: number;
  mtime: number;
  mode: number;
}
interface StatVfs {
  f_bsize: number | bigint;
  f_frsize: number | bigint;
  f_blocks: number | bigint;
  f_bavail: number | bigint;
}
interface SFTPWrapper {
  readdir(path: string, cb: Cb<{ filename: string; attrs: FileAttrs }[]>): void;
  stat(path: string, cb: Cb<FileAttrs>): void;
  unlink(path: string, cb: Cb<void>): void;
  mkdir(path: string, cb: Cb<void>): void;
  open(path: string, mode: string, cb: Cb<Buffer>): void;
  close(handle: Buffer, cb: Cb<void>): void;
  fstat(handle: Buffer, cb: Cb<FileAttrs>): void;
  write(handle: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: Cb<void>): void;
  read(
    handle: Buffer,
    buf: Buffer,
    off: number,
    len: number,
    pos: number,
    cb: (err: Error | null | undefined, n: number, buf: Buffer) => void,
  ): void;
  ext_openssh_statvfs(path: string, cb: Cb<StatVfs>): void;
}
interface ConnectConfig {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: Buffer;
  passphrase?: string;
  readyTimeout: number;
  keepaliveInterval?: number;
  hostVerifier: (key: Buffer) => boolean;
}
interface Client {
  on(event: "ready" | "close", fn: () => void): void;
  on(event: "error", fn: (err: Error & { level?: string }) => void): void;
  sftp(cb: Cb<SFTPWrapper>): void;
  setNoDelay(on: boolean): void;
  connect(cfg: ConnectConfig): void;
  end(): void;
}
/**
 * ssh2 is large (about 18 MB of memory once loaded): it is loaded by the first connection, so
 * commands that never use SSH do not carry it.
 */
let sshClient: Promise<new () => Client> | undefined;
function loadSshClient(): Promise<new () => Client> {
  sshClient ??= import("ssh2").then((m) =>
    (m.default as unknown as { Client: new () => Client }).Client
  );
  return sshClient;
}

const SFTP_EOF = 1;
const SFTP_NO_SUCH_FILE = 2;
/** Bytes per SFTP read or write request (what every server accepts). */
const IO_CHUNK = 32 * 1024;
/** Requests in flight per transfer on servers that allow it (see `#depth`). */
const IN_FLIGHT = 64;
const SFTP_PERMISSION_DENIED = 3;

interface Connection {
  client: Client;
  sftp: SFTPWrapper;
}

function code(err: unknown): unknown {
  return (err as { code?: unknown })?.code;
}

/** Reads the private key from `--ssh-keyfile` or `--ssh-key`; throws a clear error if unreadable. */
function loadKey(ctx: BackendContext): Buffer | undefined {
  const file = ctx.options.str("ssh-keyfile");
  const inline = ctx.options.str("ssh-key");
  if (file) {
    if (file.toLowerCase().startsWith("sshkey://")) {
      return Buffer.from(decodeURIComponent(file.slice(9)));
    }
    // `--ssh-keyfile=~/.ssh/id` reaches us unexpanded (the shell expands ~ only at a word start).
    const home = Deno.env.get("HOME");
    const path = file.startsWith("~/") && home ? home + file.slice(1) : file;
    try {
      return Buffer.from(Deno.readFileSync(path));
    } catch (err) {
      throw new ArgumentError(
        `Cannot read the key file given with --ssh-keyfile (${file}): ${(err as Error).message}`,
      );
    }
  }
  if (inline) {
    const body = inline.toLowerCase().startsWith("sshkey://") ? inline.slice(9) : inline;
    return Buffer.from(decodeURIComponent(body));
  }
  return undefined;
}

/** An SFTP destination. */
export class SshBackend implements Backend {
  readonly displayName: string;
  readonly #host: string;
  readonly #port: number;
  readonly #user: string;
  readonly #password?: string;
  readonly #key?: Buffer;
  readonly #fingerprint?: string;
  readonly #acceptAny: boolean;
  readonly #timeout: number;
  readonly #keepalive: number;
  readonly #folder: string;
  #conn?: Promise<Connection>;

  constructor(ctx: BackendContext) {
    const loc = ctx.location;
    if (!loc.host) {
      throw new ArgumentError("The ssh:// URL needs a host: ssh://user@host:port/path");
    }
    if (!ctx.username) {
      throw new ArgumentError(
        "The ssh:// URL needs a user name: ssh://user@host/path, --auth-username or AUTH_USERNAME",
      );
    }
    this.#host = loc.host;
    this.#port = loc.port ? Number(loc.port) : 22;
    this.#user = ctx.username;
    this.#password = ctx.password;
    this.#key = loadKey(ctx);
    this.#fingerprint = ctx.options.str("ssh-fingerprint") || undefined;
    this.#acceptAny = ctx.options.bool("ssh-accept-any-fingerprints");
    this.#timeout = ctx.options.timespan("ssh-operation-timeout", 0) || 30_000;
    this.#keepalive = ctx.options.timespan("ssh-keepalive", 0);
    const p = loc.path.replace(/\/+$/, "");
    this.#folder = p.startsWith("/") ? p : `/${p}`;
    this.displayName = `ssh://${this.#user}@${this.#host}:${this.#port}${this.#folder}`;
  }

  #path(name: string): string {
    return this.#folder === "/" ? `/${name}` : `${this.#folder}/${name}`;
  }

  #connect(): Promise<Connection> {
    if (this.#conn) return this.#conn;
    const p = loadSshClient().then((SshClient) =>
      new Promise<Connection>((resolve, reject) => {
        const client = new SshClient();
        let hostKeyError: Error | undefined;
        let settled = false;
        const fail = (err: Error) => {
          if (settled) return;
          settled = true;
          client.end();
          reject(err);
        };
        const cfg: ConnectConfig = {
          host: this.#host,
          port: this.#port,
          username: this.#user,
          readyTimeout: this.#timeout,
          keepaliveInterval: this.#keepalive || undefined,
          hostVerifier: (key: Buffer) => {
            if (this.#acceptAny) return true;
            const fp = hostKeyFingerprint(key);
            if (!this.#fingerprint) {
              hostKeyError = new PermanentBackendError(
                `The SSH server ${this.#host}:${this.#port} presented an unknown host key: ${fp.duplicati} (${fp.sha256}). ` +
                  `If this is the right server, trust it with --ssh-fingerprint="${fp.duplicati}" ` +
                  `(or --ssh-accept-any-fingerprints, which is unsafe)`,
                "HostKeyUnknown",
              );
              return false;
            }
            if (!fingerprintMatches(fp, this.#fingerprint)) {
              hostKeyError = new PermanentBackendError(
                `The host key of the SSH server ${this.#host}:${this.#port} changed: it is ${fp.duplicati} (${fp.sha256}), ` +
                  `but --ssh-fingerprint says "${this.#fingerprint}". This can mean a man-in-the-middle attack; ` +
                  `if the server's key really changed, give the new fingerprint with --ssh-fingerprint`,
                "HostKeyMismatch",
              );
              return false;
            }
            return true;
          },
        };
        if (this.#key) {
          cfg.privateKey = this.#key;
          if (this.#password) cfg.passphrase = this.#password;
        } else {
          cfg.password = this.#password ?? "";
        }
        client.on("ready", () => {
          client.setNoDelay(true); // without it, SFTP reads crawl at about 1.4 MB/s
          client.sftp((err, sftp) => {
            if (err) return fail(err);
            settled = true;
            resolve({ client, sftp });
          });
        });
        client.on("error", (err: Error & { level?: string }) => {
          if (this.#conn === p) this.#conn = undefined;
          if (hostKeyError) return fail(hostKeyError);
          if (err.level === "client-authentication") {
            return fail(
              new AuthenticationError(
                `The SSH server ${this.#host}:${this.#port} refused the login of user "${this.#user}" ` +
                  `(wrong password or key). Check the user name, --auth-password and --ssh-keyfile`,
                err,
              ),
            );
          }
          if (/parse privateKey|Cannot parse|passphrase/i.test(err.message)) {
            return fail(
              new PermanentBackendError(
                `Cannot use the SSH private key: ${err.message}. Check the key format and, for an encrypted key, give its passphrase with --auth-password`,
                "BadPrivateKey",
                err,
              ),
            );
          }
          fail(err);
        });
        client.on("close", () => {
          if (this.#conn === p) this.#conn = undefined;
          fail(new Error(`The connection to ${this.#host}:${this.#port} closed`));
        });
        try {
          client.connect(cfg);
        } catch (err) {
          // ssh2 throws synchronously for an unusable key.
          fail(
            new PermanentBackendError(
              `Cannot use the SSH private key: ${
                (err as Error).message
              }. Check the key format and passphrase`,
              "BadPrivateKey",
              err,
            ),
          );
        }
      })
    );
    this.#conn = p;
    p.catch(() => {
      if (this.#conn === p) this.#conn = undefined;
    });
    return p;
  }

  /** Runs one SFTP call with a callback. */
  async #call<T>(fn: (sftp: SFTPWrapper, cb: Cb<T>) => void): Promise<T> {
    const { sftp } = await this.#connect();
    return await new Promise<T>((resolve, reject) => {
      fn(sftp, (err, v) => (err ? reject(err) : resolve(v)));
    });
  }

  #denied(err: unknown, what: string): unknown {
    if (code(err) === SFTP_PERMISSION_DENIED) {
      return new PermanentBackendError(
        `The SSH server denied ${what}: check the permissions of ${this.#folder}`,
        "AccessDenied",
        err,
      );
    }
    return err;
  }

  async list(): Promise<RemoteEntry[]> {
    try {
      const items = await this.#call<
        { filename: string; attrs: { size: number; mtime: number; mode: number } }[]
      >(
        (s, cb) => s.readdir(this.#folder, cb),
      );
      return items.filter((i) => i.filename !== "." && i.filename !== "..").map((i) => ({
        name: i.filename,
        size: i.attrs.size,
        lastModified: new Date(i.attrs.mtime * 1000),
        isFolder: (i.attrs.mode & 0o170000) === 0o040000,
      }));
    } catch (err) {
      if (code(err) === SFTP_NO_SUCH_FILE) throw new FolderMissingError(this.displayName);
      throw this.#denied(err, `listing ${this.#folder}`);
    }
  }

  async stat(name: string): Promise<RemoteEntry | undefined> {
    try {
      const a = await this.#call<{ size: number; mtime: number; mode: number }>((s, cb) =>
        s.stat(this.#path(name), cb)
      );
      if ((a.mode & 0o170000) === 0o040000) return undefined;
      return { name, size: a.size, lastModified: new Date(a.mtime * 1000) };
    } catch (err) {
      if (code(err) === SFTP_NO_SUCH_FILE) return undefined;
      throw this.#denied(err, `reading ${name}`);
    }
  }

  put(name: string, localPath: string): Promise<void> {
    return putFileViaStream(this, name, localPath);
  }

  get(name: string, localPath: string): Promise<void> {
    return getFileViaStream(this, name, localPath);
  }

  async putStream(name: string, data: ReadableStream<Uint8Array>): Promise<void> {
    const reader = data.getReader();
    try {
      const handle = await this.#open(name, "w");
      const depth = await this.#depth();
      let failure: unknown;
      const inflight = new Set<Promise<void>>();
      try {
        // Several writes in flight at once: one at a time waits a round trip per 32 KiB.
        let pos = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (let o = 0; o < value.length; o += IO_CHUNK) {
            const piece = value.subarray(o, Math.min(value.length, o + IO_CHUNK));
            const at = pos;
            const p = this.#call<void>((s, cb) =>
              s.write(
                handle,
                Buffer.from(piece.buffer, piece.byteOffset, piece.length),
                0,
                piece.length,
                at,
                cb,
              )
            ).catch((e) => {
              failure ??= e;
            });
            pos += piece.length;
            inflight.add(p);
            p.finally(() => inflight.delete(p));
            if (inflight.size >= depth) await Promise.race(inflight);
            if (failure) break;
          }
          if (failure) break;
        }
      } finally {
        // Every write settles before the close: a late write must never land in a later upload.
        await Promise.all(inflight);
        await this.#call<void>((s, cb) => s.close(handle, cb)).catch((e) => {
          failure ??= e;
        });
      }
      if (failure) throw failure;
    } catch (err) {
      await reader.cancel(err).catch(() => {});
      throw this.#denied(err, `writing ${name}`);
    } finally {
      reader.releaseLock();
    }
  }

  /**
   * Requests in flight per transfer: many for OpenSSH, whose SFTP server reads and writes at any
   * offset; one for other servers, some of which (rclone serve sftp without a VFS cache) accept
   * only sequential access and fail or mix data when requests overtake each other.
   */
  async #depth(): Promise<number> {
    const { client } = await this.#connect();
    const software = (client as unknown as { _remoteVer?: string })._remoteVer ?? "";
    return /^OpenSSH/i.test(software) ? IN_FLIGHT : 1;
  }

  /** Opens `name` for reading ("r") or writing ("w"), mapping a missing file or folder. */
  async #open(name: string, mode: "r" | "w"): Promise<Buffer> {
    try {
      return await this.#call<Buffer>((s, cb) => s.open(this.#path(name), mode, cb));
    } catch (err) {
      if (code(err) === SFTP_NO_SUCH_FILE) {
        throw mode === "r"
          ? new FileMissingError(name, this.displayName)
          : new FolderMissingError(this.displayName);
      }
      throw this.#denied(err, `opening ${name}`);
    }
  }

  async getStream(name: string): Promise<ReadableStream<Uint8Array>> {
    const handle = await this.#open(name, "r");
    const size = (await this.#call<FileAttrs>((s, cb) => s.fstat(handle, cb))).size;
    const read = (pos: number, len: number) =>
      this.#call<number>((s, cb) =>
        s.read(handle, Buffer.alloc(len), 0, len, pos, (err, n, buf) => {
          if (err && code(err) === SFTP_EOF) return cb(null, 0);
          if (err) return cb(err, 0);
          pending.set(pos, buf.subarray(0, n));
          cb(null, n);
        })
      );
    const pending = new Map<number, Buffer>();
    const queue: { pos: number; len: number; done: Promise<number> }[] = [];
    let next = 0;
    const depth = await this.#depth();
    const fill = () => {
      while (queue.length < depth && next < size) {
        const len = Math.min(IO_CHUNK, size - next);
        queue.push({ pos: next, len, done: read(next, len) });
        next += len;
      }
    };
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await this.#call<void>((s, cb) => s.close(handle, cb)).catch(() => {});
    };
    return new ReadableStream<Uint8Array>({
      pull: async (ctl) => {
        fill();
        const head = queue.shift();
        if (!head) {
          await close();
          ctl.close();
          return;
        }
        let n = await head.done;
        let data = pending.get(head.pos)!;
        pending.delete(head.pos);
        // A short read: fetch the rest of this piece before going on.
        while (n < head.len) {
          const more = await read(head.pos + n, head.len - n);
          if (more === 0) throw new Error(`${name} ended early on the SSH server`);
          data = Buffer.concat([data, pending.get(head.pos + n)!]);
          pending.delete(head.pos + n);
          n += more;
        }
        ctl.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.length));
      },
      cancel: close,
    }, { highWaterMark: 0 });
  }

  async delete(name: string): Promise<void> {
    try {
      await this.#call<void>((s, cb) => s.unlink(this.#path(name), cb));
    } catch (err) {
      if (code(err) === SFTP_NO_SUCH_FILE) throw new FileMissingError(name, this.displayName);
      throw this.#denied(err, `deleting ${name}`);
    }
  }

  async createFolder(): Promise<void> {
    const parts = this.#folder.split("/").filter((s) => s !== "");
    let at = "";
    for (const part of parts) {
      at += `/${part}`;
      try {
        const a = await this.#call<{ mode: number }>((s, cb) => s.stat(at, cb));
        if ((a.mode & 0o170000) !== 0o040000) {
          throw new PermanentBackendError(`${at} on the SSH server is a file, not a folder`);
        }
      } catch (err) {
        if (code(err) !== SFTP_NO_SUCH_FILE) throw this.#denied(err, `reading ${at}`);
        try {
          await this.#call<void>((s, cb) => s.mkdir(at, cb));
        } catch (e) {
          // Created meanwhile by a parallel call: fine.
          const again = await this.#call<{ mode: number }>((s, cb) => s.stat(at, cb)).catch(() =>
            undefined
          );
          if (!again) throw this.#denied(e, `creating ${at}`);
        }
      }
    }
  }

  async test(): Promise<void> {
    await this.list();
  }

  async quota(): Promise<Quota | undefined> {
    try {
      const v = await this.#call<StatVfs>(
        (s, cb) => s.ext_openssh_statvfs(this.#folder, cb),
      );
      const unit = Number(v.f_frsize) || Number(v.f_bsize);
      return { total: Number(v.f_blocks) * unit, free: Number(v.f_bavail) * unit };
    } catch {
      return undefined; // the server lacks statvfs@openssh.com
    }
  }

  async reset(): Promise<void> {
    const c = this.#conn;
    this.#conn = undefined;
    if (c) (await c.catch(() => undefined))?.client.end();
  }

  close(): Promise<void> {
    return this.reset();
  }
}

/** The `ssh://` (and `sftp://`) backend. */
export const SSH_MODULE: BackendModule = {
  schemes: ["ssh", "sftp"],
  description: "SFTP: ssh://user@host:port/path, with a password or a key",
  options: SSH_OPTIONS,
  create: (ctx) => new SshBackend(ctx),
};
