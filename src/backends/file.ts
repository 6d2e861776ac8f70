/** The local folder backend (`file://` URLs and bare paths), the reference implementation. */
import { join } from "node:path";
import type { Backend, Quota, RemoteEntry } from "./backend.ts";
import { FileMissingError, FolderMissingError, PermanentBackendError } from "./backend.ts";
import { writeLocalFile } from "./transfer.ts";

/** Access denied does not heal by retrying. */
function denied(err: unknown, where: string): unknown {
  if (err instanceof Deno.errors.PermissionDenied) {
    return new PermanentBackendError(
      `Access to ${where} is denied: check the folder's permissions`,
      "AccessDenied",
      err,
    );
  }
  return err;
}

/** A backend storing files in a local (or mounted) folder. */
export class FileBackend implements Backend {
  readonly displayName: string;
  constructor(readonly folder: string) {
    this.displayName = folder;
  }

  async list(): Promise<RemoteEntry[]> {
    const out: RemoteEntry[] = [];
    try {
      for await (const e of Deno.readDir(this.folder)) {
        if (e.name.endsWith(".partial-upload")) continue;
        if (e.isDirectory) {
          out.push({ name: e.name, size: 0, isFolder: true });
          continue;
        }
        try {
          const st = await Deno.stat(join(this.folder, e.name));
          out.push({ name: e.name, size: st.size, lastModified: st.mtime ?? undefined });
        } catch (err) {
          if (!(err instanceof Deno.errors.NotFound)) throw err;
        }
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw new FolderMissingError(this.folder);
      throw denied(err, this.folder);
    }
    return out;
  }

  put(name: string, localPath: string): Promise<void> {
    return this.#atomicWrite(name, (tmp) => Deno.copyFile(localPath, tmp));
  }

  /** Renames the file into place when it is on the same file system; copies it otherwise. */
  async putMove(name: string, localPath: string): Promise<void> {
    try {
      await Deno.rename(localPath, join(this.folder, name));
    } catch {
      // Another file system (or a missing folder, which put reports clearly): copy instead.
      await this.put(name, localPath);
    }
  }

  async putStream(name: string, data: ReadableStream<Uint8Array>): Promise<void> {
    await this.#atomicWrite(name, async (tmp) => {
      await writeLocalFile(data, tmp);
    });
  }

  async getStream(name: string): Promise<ReadableStream<Uint8Array>> {
    try {
      return (await Deno.open(join(this.folder, name), { read: true })).readable;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw new FileMissingError(name, this.folder);
      throw denied(err, this.folder);
    }
  }

  async stat(name: string): Promise<RemoteEntry | undefined> {
    try {
      const st = await Deno.stat(join(this.folder, name));
      if (st.isDirectory) return undefined;
      return { name, size: st.size, lastModified: st.mtime ?? undefined };
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw denied(err, this.folder);
    }
  }

  /** Writes under a temporary name, then renames: a crash never leaves a half file as `name`. */
  async #atomicWrite(name: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const tmp = join(this.folder, `.${name}.${crypto.randomUUID()}.partial-upload`);
    try {
      await write(tmp);
      await Deno.rename(tmp, join(this.folder, name));
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      if (err instanceof Deno.errors.NotFound) {
        try {
          await Deno.stat(this.folder);
        } catch {
          throw new FolderMissingError(this.folder);
        }
      }
      throw denied(err, this.folder);
    }
  }

  async get(name: string, localPath: string): Promise<void> {
    try {
      await Deno.copyFile(join(this.folder, name), localPath);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw new FileMissingError(name, this.folder);
      throw denied(err, this.folder);
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await Deno.remove(join(this.folder, name));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw new FileMissingError(name, this.folder);
      throw denied(err, this.folder);
    }
  }

  async createFolder(): Promise<void> {
    await Deno.mkdir(this.folder, { recursive: true });
  }

  async test(): Promise<void> {
    await this.list();
  }

  async removeLeftovers(): Promise<number> {
    let n = 0;
    try {
      for await (const e of Deno.readDir(this.folder)) {
        if (!e.isFile || !e.name.endsWith(".partial-upload")) continue;
        await Deno.remove(join(this.folder, e.name)).catch(() => {});
        n++;
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw denied(err, this.folder);
    }
    return n;
  }

  localPath(name: string): string {
    return join(this.folder, name);
  }

  quota(): Promise<Quota | undefined> {
    return Promise.resolve(undefined);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
