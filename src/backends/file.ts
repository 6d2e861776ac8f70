/** The local folder backend (`file://` URLs and bare paths), the reference implementation. */
import { join } from "node:path";
import type { Backend, Quota, RemoteEntry } from "./backend.ts";
import { FileMissingError, FolderMissingError } from "./backend.ts";

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
      throw err;
    }
    return out;
  }

  async put(name: string, localPath: string): Promise<void> {
    // Copy under a temporary name, then rename: a crash never leaves a half file under `name`.
    const tmp = join(this.folder, `.${name}.${crypto.randomUUID()}.partial-upload`);
    try {
      await Deno.copyFile(localPath, tmp);
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
      throw err;
    }
  }

  async get(name: string, localPath: string): Promise<void> {
    try {
      await Deno.copyFile(join(this.folder, name), localPath);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw new FileMissingError(name, this.folder);
      throw err;
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await Deno.remove(join(this.folder, name));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) throw new FileMissingError(name, this.folder);
      throw err;
    }
  }

  async createFolder(): Promise<void> {
    await Deno.mkdir(this.folder, { recursive: true });
  }

  async test(): Promise<void> {
    await this.list();
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
