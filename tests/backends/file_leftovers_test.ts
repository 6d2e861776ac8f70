import assert from "node:assert/strict";
import { FileBackend } from "../../src/backends/file.ts";

Deno.test("file backend: unfinished uploads are hidden from list and removed by removeLeftovers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/duplicati-b1.dblock.zip`, "done");
    await Deno.writeTextFile(`${dir}/.duplicati-b2.dblock.zip.1234.partial-upload`, "half");
    const b = new FileBackend(dir);
    assert.deepEqual((await b.list()).map((e) => e.name), ["duplicati-b1.dblock.zip"]);
    assert.equal(await b.removeLeftovers(), 1);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["duplicati-b1.dblock.zip"]);
    assert.equal(await b.removeLeftovers(), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file backend: putMove renames into place, and copies when it cannot rename", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const b = new FileBackend(`${dir}/remote`);
    await b.createFolder();
    await Deno.writeTextFile(`${dir}/vol`, "volume bytes");
    await b.putMove("duplicati-b1.dblock.zip", `${dir}/vol`);
    assert.equal(await Deno.readTextFile(`${dir}/remote/duplicati-b1.dblock.zip`), "volume bytes");
    await assert.rejects(() => Deno.stat(`${dir}/vol`), Deno.errors.NotFound);
    // /dev/shm is another file system here: rename fails with EXDEV and the file is copied.
    const shm = await Deno.makeTempDir({ dir: "/dev/shm" }).catch(() => undefined);
    if (shm) {
      try {
        await Deno.writeTextFile(`${shm}/vol`, "other fs");
        await b.putMove("duplicati-b2.dblock.zip", `${shm}/vol`);
        assert.equal(await Deno.readTextFile(`${dir}/remote/duplicati-b2.dblock.zip`), "other fs");
      } finally {
        await Deno.remove(shm, { recursive: true });
      }
    }
    // A destination folder that vanished gives the backend's clear error, not a rename error.
    await Deno.remove(`${dir}/remote`, { recursive: true });
    await Deno.writeTextFile(`${dir}/vol2`, "x");
    await assert.rejects(() => b.putMove("duplicati-b3.dblock.zip", `${dir}/vol2`), /folder/i);
    assert.equal(await Deno.readTextFile(`${dir}/vol2`), "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
