/**
 * rclone backend (`rclone://remote/path`): runs the `rclone` program for each call, so every
 * storage rclone knows is reachable. Options as in Duplicati: `--rclone-executable`,
 * `--rclone-option` (extra arguments), `--rclone-local-repository` (rclone's name for the local
 * side; by default local files are given to rclone as plain paths), `--rclone-remote-repository`
 * and `--rclone-remote-path` (override the URL's parts). Transfers stream through `rcat` and
 * `cat`, so throttling and timeouts apply.
 */
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
import { getFileViaStream, putFileViaStream } from "./transfer.ts";

/** The rclone backend's options (names and defaults as in Duplicati). */
export const RCLONE_OPTIONS: OptionDef[] = [
  {
    name: "rclone-executable",
    type: "path",
    default: "rclone",
    category: "remote",
    summary: "The rclone program to run (a full path if it is not on the PATH).",
  },
  {
    name: "rclone-option",
    type: "string",
    category: "remote",
    summary:
      'Extra arguments for every rclone call, separated by spaces (quote with "..."), e.g. "--config /path/rclone.conf".',
  },
  {
    name: "rclone-local-repository",
    type: "string",
    category: "remote",
    summary:
      'rclone remote name for the local side of transfers (Duplicati uses "local"); by default local files are plain paths.',
  },
  {
    name: "rclone-remote-repository",
    type: "string",
    category: "remote",
    summary: "The rclone remote to use instead of the URL's host part.",
  },
  {
    name: "rclone-remote-path",
    type: "string",
    category: "remote",
    summary: "The path on the remote to use instead of the URL's path.",
  },
];

/** Splits an option string into arguments: spaces separate, "..." or '...' group. */
export function splitArguments(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of s.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** An rclone call that failed: its exit code and what it printed on stderr. */
class RcloneError extends Error {
  constructor(readonly exitCode: number, readonly stderr: string, args: string[]) {
    super(`rclone ${args[0]} failed (exit ${exitCode}): ${lastLines(stderr)}`);
    this.name = "RcloneError";
  }
}

function lastLines(s: string): string {
  return s.trim().split("\n").slice(-3).join(" | ") || "no message";
}

const NOT_FOUND = /directory not found|object not found|file not found|doesn.t exist|not found/i;
const AUTH =
  /unable to authenticate|authentication failed|permission denied|access denied|401 unauthorized|403 forbidden|invalid credentials|SignatureDoesNotMatch|InvalidAccessKeyId/i;

/** A destination reached through the rclone program. */
export class RcloneBackend implements Backend {
  readonly displayName: string;
  readonly #exe: string;
  readonly #extra: string[];
  readonly #localRepo?: string;
  readonly #remote: string;
  readonly #path: string;

  constructor(ctx: BackendContext) {
    // The URL parser lower-cases host names; rclone remote names are case-sensitive.
    const m = ctx.displayUrl.match(/^rclone:\/\/([^/?#]*)([^?#]*)/i);
    const remote = ctx.options.str("rclone-remote-repository") ?? decodeURIComponent(m?.[1] ?? "");
    if (!remote) {
      throw new ArgumentError(
        "The rclone:// URL needs a remote name: rclone://remote/path (a remote configured in rclone)",
      );
    }
    const rawPath = ctx.options.str("rclone-remote-path") ??
      decodeURIComponent(m?.[2] ?? "").replace(/^\//, "");
    this.#remote = remote;
    this.#path = rawPath.replace(/\/+$/, "");
    this.#exe = ctx.options.str("rclone-executable") || "rclone";
    this.#extra = splitArguments(ctx.options.str("rclone-option") ?? "");
    this.#localRepo = ctx.options.str("rclone-local-repository") || undefined;
    this.displayName = `rclone://${this.#remote}/${this.#path}`;
  }

  #target(name?: string): string {
    const p = name === undefined ? this.#path : this.#path ? `${this.#path}/${name}` : name;
    return `${this.#remote}:${p}`;
  }

  #spawn(args: string[], o: { stdin?: boolean; stdout?: boolean } = {}): Deno.ChildProcess {
    try {
      return new Deno.Command(this.#exe, {
        // Retries are the decorator's job; the user's --rclone-option still wins (it comes last).
        args: [...args, "--retries", "1", ...this.#extra],
        stdin: o.stdin ? "piped" : "null",
        stdout: o.stdout === false ? "null" : "piped",
        stderr: "piped",
      }).spawn();
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        throw new PermanentBackendError(
          `The rclone program "${this.#exe}" was not found: install rclone or give its path with --rclone-executable`,
          "RcloneMissing",
          err,
        );
      }
      throw err;
    }
  }

  /** Maps an rclone failure to the backend's errors. */
  #map(err: RcloneError, missing: "file" | "folder" | "none", name?: string): Error {
    const text = err.stderr;
    if (
      /didn't find section in config file|not found in config|couldn't find type of fs/i.test(text)
    ) {
      return new PermanentBackendError(
        `rclone has no remote named "${this.#remote}": configure it with "rclone config" (or --rclone-option="--config FILE")`,
        "RcloneRemoteUnknown",
        err,
      );
    }
    if (AUTH.test(text)) {
      return new AuthenticationError(
        `The storage behind rclone remote "${this.#remote}" refused the login: ${
          lastLines(text)
        }. Check the remote's credentials in rclone's configuration`,
        err,
      );
    }
    if (missing !== "none" && (err.exitCode === 3 || NOT_FOUND.test(text))) {
      return missing === "file"
        ? new FileMissingError(name ?? "", this.displayName)
        : new FolderMissingError(this.displayName);
    }
    return err;
  }

  async #run(args: string[], missing: "file" | "folder" | "none", name?: string): Promise<string> {
    const r = await this.#spawn(args).output();
    if (r.code !== 0) {
      throw this.#map(
        new RcloneError(r.code, new TextDecoder().decode(r.stderr), args),
        missing,
        name,
      );
    }
    return new TextDecoder().decode(r.stdout);
  }

  async list(): Promise<RemoteEntry[]> {
    const out = await this.#run(["lsjson", "--no-mimetype", this.#target()], "folder");
    const items = JSON.parse(out || "[]") as {
      Name: string;
      Size: number;
      ModTime: string;
      IsDir: boolean;
    }[];
    return items.map((i) => ({
      name: i.Name,
      size: i.IsDir ? 0 : i.Size,
      lastModified: new Date(i.ModTime),
      isFolder: i.IsDir,
    }));
  }

  async stat(name: string): Promise<RemoteEntry | undefined> {
    try {
      const out = await this.#run(
        ["lsjson", "--stat", "--no-mimetype", this.#target(name)],
        "file",
        name,
      );
      const i = JSON.parse(out) as { Name: string; Size: number; ModTime: string; IsDir: boolean };
      if (i.IsDir) return undefined;
      return { name, size: i.Size, lastModified: new Date(i.ModTime) };
    } catch (err) {
      if (err instanceof FileMissingError) return undefined;
      throw err;
    }
  }

  put(name: string, localPath: string): Promise<void> {
    if (!this.#localRepo) return putFileViaStream(this, name, localPath);
    // As Duplicati: rclone copies from the named local repository.
    return this.#run(
      ["copyto", "--ignore-times", `${this.#localRepo}:${localPath}`, this.#target(name)],
      "folder",
    ).then(() => {});
  }

  get(name: string, localPath: string): Promise<void> {
    if (!this.#localRepo) return getFileViaStream(this, name, localPath);
    return this.#run(
      ["copyto", "--ignore-times", this.#target(name), `${this.#localRepo}:${localPath}`],
      "file",
      name,
    ).then(() => {});
  }

  async putStream(name: string, data: ReadableStream<Uint8Array>, size: number): Promise<void> {
    const args = ["rcat", "--size", String(size), this.#target(name)];
    const child = this.#spawn(args, { stdin: true, stdout: false });
    const stderr = new Response(child.stderr).text();
    let pipeErr: unknown;
    await data.pipeTo(child.stdin).catch((e) => {
      pipeErr = e;
    });
    const status = await child.status;
    const text = await stderr;
    if (status.code !== 0) throw this.#map(new RcloneError(status.code, text, args), "folder");
    if (pipeErr) throw pipeErr;
  }

  async getStream(name: string): Promise<ReadableStream<Uint8Array>> {
    const args = ["cat", this.#target(name)];
    const child = this.#spawn(args);
    const stderr = new Response(child.stderr).text();
    const reader = child.stdout.getReader();
    const fail = async (): Promise<Error | undefined> => {
      const status = await child.status;
      if (status.code === 0) return undefined;
      return this.#map(new RcloneError(status.code, await stderr, args), "file", name);
    };
    // Wait for the first bytes (or the end) so a missing file fails here, not mid-copy.
    const first = await reader.read();
    if (first.done) {
      const err = await fail();
      if (err) throw err;
    }
    let pending: Uint8Array | undefined = first.done ? undefined : first.value;
    return new ReadableStream<Uint8Array>({
      pull: async (ctl) => {
        if (pending) {
          ctl.enqueue(pending);
          pending = undefined;
          return;
        }
        const r = await reader.read();
        if (!r.done) return ctl.enqueue(r.value);
        const err = await fail();
        if (err) ctl.error(err);
        else ctl.close();
      },
      cancel: async () => {
        await reader.cancel().catch(() => {});
        try {
          child.kill();
        } catch { /* already ended */ }
        await child.status;
      },
    }, { highWaterMark: 0 });
  }

  async delete(name: string): Promise<void> {
    await this.#run(["deletefile", this.#target(name)], "file", name);
  }

  async createFolder(): Promise<void> {
    await this.#run(["mkdir", this.#target()], "none");
  }

  async test(): Promise<void> {
    await this.list();
  }

  async quota(): Promise<Quota | undefined> {
    try {
      const out = await this.#run(["about", "--json", `${this.#remote}:`], "none");
      const q = JSON.parse(out) as { total?: number; free?: number };
      if (typeof q.total !== "number" || typeof q.free !== "number") return undefined;
      return { total: q.total, free: q.free };
    } catch (err) {
      if (err instanceof PermanentBackendError) throw err;
      return undefined; // the storage cannot tell
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The `rclone://` backend. */
export const RCLONE_MODULE: BackendModule = {
  schemes: ["rclone"],
  description: "rclone: rclone://remote/path, through the rclone program",
  options: RCLONE_OPTIONS,
  create: (ctx) => new RcloneBackend(ctx),
};
