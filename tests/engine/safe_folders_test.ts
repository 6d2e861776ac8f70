import assert from "node:assert/strict";
import { join } from "node:path";
import { SafeFolders } from "../../src/engine/safe_folders.ts";
import { tempDir } from "../helpers/tree.ts";

Deno.test("safe folders: only paths in folders that existed before may already exist", async () => {
  const [root, cleanup] = await tempDir();
  try {
    Deno.mkdirSync(join(root, "old"));
    Deno.writeTextFileSync(join(root, "old", "f"), "x");
    const folders = new SafeFolders(root, true);
    folders.ensure(join(root, "old"));
    folders.ensure(join(root, "new", "sub"));
    // Files directly in the root or in a folder that was there: they must be checked.
    assert.equal(folders.mayExist(join(root, "f")), true);
    assert.equal(folders.mayExist(join(root, "old", "f")), true);
    // In folders made here nothing else can be, except the folders made here themselves.
    assert.equal(folders.mayExist(join(root, "new", "f")), false);
    assert.equal(folders.mayExist(join(root, "new", "sub", "f")), false);
    assert.equal(folders.mayExist(join(root, "new", "sub")), true);
    assert.equal(Deno.statSync(join(root, "new", "sub")).isDirectory, true);
  } finally {
    await cleanup();
  }
});

Deno.test("safe folders: a symbolic link in the way is refused", async () => {
  const [root, cleanup] = await tempDir();
  try {
    Deno.symlinkSync("/tmp", join(root, "link"));
    const folders = new SafeFolders(root, true);
    assert.throws(() => folders.ensure(join(root, "link", "x")), /symbolic link/);
  } finally {
    await cleanup();
  }
});

Deno.test("safe folders: a symbolic link put later into a folder made here is refused too", async () => {
  const [root, cleanup] = await tempDir();
  try {
    const folders = new SafeFolders(root, true);
    folders.ensure(join(root, "made"));
    // A restore creates symlinks after the folders: a hostile list may then name a path below one.
    Deno.symlinkSync("/tmp", join(root, "made", "link"));
    assert.throws(
      () => folders.ensure(join(root, "made", "link", "x")),
      (err: Error & { code?: string }) =>
        /symbolic link/.test(err.message) && err.code === "HostilePath",
    );
    Deno.writeTextFileSync(join(root, "made", "file"), "x");
    assert.throws(() => folders.ensure(join(root, "made", "file", "x")), /in the way/);
  } finally {
    await cleanup();
  }
});
