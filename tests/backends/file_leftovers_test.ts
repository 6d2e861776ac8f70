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
