import assert from "node:assert/strict";
import { pathSegments } from "../../src/engine/restore.ts";

Deno.test("stored paths: POSIX and Windows paths split into segments; hostile ones refused", () => {
  assert.deepEqual(pathSegments("/home/a/x.txt"), {
    segments: ["home", "a", "x.txt"],
    isFolder: false,
  });
  assert.deepEqual(pathSegments("/home/a/"), { segments: ["home", "a"], isFolder: true });
  assert.deepEqual(pathSegments("C:\\data\\x.txt"), {
    segments: ["C", "data", "x.txt"],
    isFolder: false,
  });
  assert.deepEqual(pathSegments("\\\\server\\share\\d\\"), {
    segments: ["server", "share", "d"],
    isFolder: true,
  });
  for (const bad of ["relative/x", "/a/../etc/passwd", "/a/./b", "C:\\a\\..\\b", "/a/b\0c"]) {
    assert.throws(() => pathSegments(bad), /Refusing to restore/, bad);
  }
});
