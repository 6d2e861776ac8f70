/**
 * Creates the folders of a restore target without ever following a symbolic link: every path
 * component below the root is checked (lstat) before it is used, and, when the target is
 * confined, must resolve inside the root. Used by restore and by the recovery tool.
 */
import { join, sep } from "node:path";
import { UserError } from "../core/errors.ts";

/** The folders made safe so far below one root. */
export class SafeFolders {
  #done = new Set<string>();
  #made = new Set<string>();
  #realRoot: string;

  /**
   * `root` must exist. With `confine`, every folder must resolve inside it (a restore to a
   * chosen path); without, only symlinks are refused (a restore to the original places).
   */
  constructor(readonly root: string, private confine: boolean) {
    this.#realRoot = Deno.realPathSync(root);
    this.#done.add(root);
  }

  /**
   * Makes `dir` (at or below the root) exist as a real folder, creating missing components.
   * Throws UserError (HostilePath) for a symlink or an escape, (PathInTheWay) for a file.
   */
  ensure(dir: string): void {
    if (this.#done.has(dir)) return;
    const rel = dir.slice(this.root.length).split(sep).filter((s) => s);
    let cur = this.root;
    for (const s of rel) {
      const parent = cur;
      cur = join(cur, s);
      if (this.#done.has(cur)) continue;
      // In a folder made here, nothing is there but what the restore put there: folders, and
      // later symlinks, which mkdir meets (it does not follow a symlink in its last component).
      let st = this.#made.has(parent) ? undefined : lstatOrUndefined(cur);
      if (!st) {
        try {
          Deno.mkdirSync(cur);
          this.#made.add(cur);
          this.#done.add(cur);
          continue;
        } catch (err) {
          if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
          st = Deno.lstatSync(cur);
        }
      }
      if (st.isSymlink) {
        throw new UserError(`Refusing to restore into ${cur}: it is a symbolic link`, {
          code: "HostilePath",
        });
      }
      if (!st.isDirectory) {
        throw new UserError(`Cannot restore into ${cur}: a file with that name is in the way`, {
          code: "PathInTheWay",
        });
      }
      if (this.confine) {
        const real = Deno.realPathSync(cur);
        const inside = real === this.#realRoot ||
          real.startsWith(this.#realRoot.endsWith(sep) ? this.#realRoot : this.#realRoot + sep);
        if (!inside) {
          throw new UserError(`Refusing to restore into ${cur}: it resolves outside ${this.root}`, {
            code: "HostilePath",
          });
        }
      }
      this.#done.add(cur);
    }
    this.#done.add(dir);
  }

  /**
   * True when `path` may already exist on disk: it was not created by {@link ensure} and it is
   * not inside a folder that was. A folder created here held nothing before, so what is in it now
   * is only what this object put there: other folders.
   */
  mayExist(path: string): boolean {
    if (this.#done.has(path)) return true;
    const parent = path.slice(0, path.lastIndexOf(sep));
    return !this.#made.has(parent);
  }
}

function lstatOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch {
    return undefined; // missing
  }
}
