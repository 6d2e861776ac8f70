/**
 * Browsing the server's file system for the source and restore-target pickers: `/filesystem`
 * lists one folder (special names such as `%HOME%` allowed), `/filesystem/validate` checks a path.
 */
import type { Hono } from "hono";
import { join } from "node:path";
import { homedir } from "node:os";
import { expandPortablePath, PORTABLE_MARKER } from "../../core/portable_paths.ts";
import type { ServerContext } from "../context.ts";
import { HttpError, queryFlag, readObject } from "../http_errors.ts";

const SEP = Deno.build.os === "windows" ? "\\" : "/";

/**
 * Special folder names the UI may use, and where they point. `%PORTABLE%` is the portable folder
 * (core/portable_paths.ts); backups store it as written, so a moved folder keeps working.
 */
export function specialFolders(): { ID: string; Path: string }[] {
  const home = homedir();
  const list = [
    { ID: "%HOME%", Path: home },
    { ID: "%MY_DOCUMENTS%", Path: join(home, "Documents") },
    { ID: "%MY_MUSIC%", Path: join(home, "Music") },
    { ID: "%MY_PICTURES%", Path: join(home, "Pictures") },
    { ID: "%DESKTOP%", Path: join(home, "Desktop") },
    { ID: PORTABLE_MARKER, Path: expandPortablePath(PORTABLE_MARKER) },
  ];
  return list.map((f) => ({ ...f, Path: f.Path.endsWith(SEP) ? f.Path : f.Path + SEP }));
}

function resolvePath(p: string): string {
  let out = p;
  for (const f of specialFolders()) {
    if (out.toUpperCase().startsWith(f.ID)) {
      out = f.Path + out.slice(f.ID.length).replace(/^[\\/]/, "");
    }
  }
  return out;
}

/** Adds the file system routes. */
export function filesystemRoutes(api: Hono, _ctx: ServerContext): void {
  api.post("/filesystem", async (c) => {
    const body = await readObject(c, { optional: true });
    if (body.path !== undefined && body.path !== null && typeof body.path !== "string") {
      throw new HttpError(400, 'Send the folder to list as "path" (a string)', "BadValue");
    }
    const raw = typeof body.path === "string" && body.path !== "" ? body.path : SEP;
    const onlyFolders = queryFlag(c, "onlyFolders");
    const showHidden = queryFlag(c, "showHidden");
    let folder = resolvePath(raw);
    if (!folder.endsWith(SEP)) folder += SEP;
    const out: Record<string, unknown>[] = [];
    try {
      for (const e of Deno.readDirSync(folder)) {
        const full = folder + e.name;
        let isDir = e.isDirectory;
        let size = 0;
        try {
          const st = Deno.statSync(full);
          isDir = st.isDirectory;
          size = st.isFile ? st.size : 0;
        } catch {
          // A dangling link: list it as a file.
        }
        const hidden = e.name.startsWith(".");
        if (hidden && !showHidden) continue;
        if (onlyFolders && !isDir) continue;
        const id = isDir ? full + SEP : full;
        out.push({
          text: e.name,
          id,
          cls: isDir ? "folder" : "file",
          iconCls: isDir ? "x-tree-icon-parent" : "x-tree-icon-leaf",
          check: false,
          leaf: !isDir,
          resolvedpath: id,
          hidden,
          systemFile: false,
          temporary: false,
          symlink: e.isSymlink,
          fileSize: size,
        });
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new HttpError(400, `The folder ${raw} does not exist`, "NotFound");
      }
      if (e instanceof Deno.errors.PermissionDenied) {
        throw new HttpError(
          400,
          `The folder ${raw} cannot be read (permission denied)`,
          "PermissionDenied",
        );
      }
      if (e instanceof Deno.errors.NotADirectory) {
        throw new HttpError(400, `${raw} is not a folder`, "NotAFolder");
      }
      throw e;
    }
    out.sort((a, b) =>
      Number(a.leaf) - Number(b.leaf) || String(a.text).localeCompare(String(b.text))
    );
    return c.json(out);
  });

  api.post("/filesystem/validate", async (c) => {
    const body = await readObject(c);
    if (typeof body.path !== "string" || body.path === "") {
      throw new HttpError(400, 'Send the path to check as "path"', "BadValue");
    }
    try {
      Deno.statSync(resolvePath(body.path));
      return c.json({ Status: "OK" });
    } catch {
      throw new HttpError(404, `The path ${body.path} does not exist`, "NotFound");
    }
  });
}
