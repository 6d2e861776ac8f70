/**
 * Unpacking a portable zip: every entry must lie inside the one top folder
 * `duplicati-<version>-<target>/`, names that climb out (`..`, absolute paths, drive letters) or
 * links that point outside are refused, and Unix file modes (the executable bit) and relative
 * symbolic links are kept.
 */
import { dirname, join, normalize, resolve, sep } from "node:path";
import { IntegrityError } from "../core/errors.ts";
import { ZipReader } from "../format/zip.ts";

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

function refuse(zip: string, why: string): IntegrityError {
  return new IntegrityError(
    `The update ${zip} cannot be unpacked safely (${why}); nothing was installed.`,
    "UpdatePackageInvalid",
  );
}

/** The entry's path inside the top folder, checked; "" for the top folder itself. */
function innerPath(name: string, top: string, zip: string): string {
  if (!name.startsWith(top + "/")) {
    throw refuse(zip, `entry ${JSON.stringify(name)} is not inside the folder ${top}/`);
  }
  const inner = name.slice(top.length + 1).replace(/\/$/, "");
  const bad = (p: string) => p === "" || p === "." || p === ".." || /^[a-z]:$/i.test(p);
  if (/[\\\0]/.test(name) || (inner !== "" && inner.split("/").some(bad))) {
    throw refuse(zip, `entry name ${JSON.stringify(name)} is not a plain relative path`);
  }
  return inner;
}

/**
 * Unpacks the zip at `zipPath` into `dest` (created, must not exist), taking the contents of the
 * zip's top folder `top`. Throws IntegrityError (UpdatePackageInvalid) for an unsafe or damaged
 * archive; `dest` is then left for the caller to remove.
 */
export async function unpackPortable(zipPath: string, dest: string, top: string): Promise<number> {
  const zip = ZipReader.openSync(zipPath);
  try {
    await Deno.mkdir(dest);
    const root = resolve(dest);
    let files = 0;
    const windows = Deno.build.os === "windows";
    for (const e of zip.entries()) {
      const inner = innerPath(e.name, top, zipPath);
      if (inner === "") continue;
      const target = join(root, ...inner.split("/"));
      const unix = (e.madeBy ?? 0) >> 8 === 3;
      const mode = unix ? (e.externalAttributes ?? 0) >>> 16 : 0;
      const isDir = e.name.endsWith("/") || (mode & S_IFMT) === S_IFDIR;
      if (isDir) {
        await Deno.mkdir(target, { recursive: true });
        continue;
      }
      await Deno.mkdir(dirname(target), { recursive: true });
      if ((mode & S_IFMT) === S_IFLNK) {
        const link = new TextDecoder().decode(zip.read(e));
        const to = normalize(join(dirname(target), link));
        if (link.startsWith("/") || !(to === root || to.startsWith(root + sep))) {
          throw refuse(zipPath, `link ${e.name} points outside the folder`);
        }
        // Windows folders have no links (and ordinary users cannot make them): skip there.
        if (!windows) await Deno.symlink(link, target);
        continue;
      }
      const out = await Deno.open(target, { write: true, createNew: true });
      try {
        for await (const piece of zip.stream(e)) {
          let o = 0;
          while (o < piece.length) o += await out.write(piece.subarray(o));
        }
      } finally {
        out.close();
      }
      if (!windows) {
        const perm = mode & 0o777;
        const exe = inner === "duplicati" || inner === "runtime/deno";
        await Deno.chmod(target, perm ? perm : exe ? 0o755 : 0o644);
      }
      files++;
    }
    return files;
  } finally {
    zip.close();
  }
}
