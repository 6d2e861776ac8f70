import assert from "node:assert/strict";
import { join } from "node:path";
import { locateDatabase } from "../../src/db/dbconfig.ts";

Deno.test("dbconfig.json: one database per destination, found again, random 10-letter names", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const key = {
      type: "file",
      server: "",
      path: "/mnt/b",
      prefix: "duplicati",
      username: "",
      port: -1,
    };
    const a = locateDatabase(dir, key);
    assert.match(a, /[A-Z]{10}\.sqlite$/);
    assert.equal(locateDatabase(dir, key), a);
    const b = locateDatabase(dir, { ...key, prefix: "other" });
    assert.notEqual(a, b);
    const cfg = JSON.parse(Deno.readTextFileSync(join(dir, "dbconfig.json")));
    assert.equal(cfg.length, 2);
    assert.deepEqual(Object.keys(cfg[0]), [
      "Type",
      "Server",
      "Path",
      "Prefix",
      "Username",
      "Port",
      "Databasepath",
      "ParameterFile",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
