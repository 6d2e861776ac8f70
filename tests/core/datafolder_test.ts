import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureDataFolder, resolveDataFolder } from "../../src/core/datafolder.ts";

Deno.test("data folder: --server-datafolder, then DUPLICATI__SERVER_DATAFOLDER, then DUPLICATI_HOME, then data/ beside the program", () => {
  assert.equal(resolveDataFolder({ serverDatafolder: "/x/a" }, { DUPLICATI_HOME: "/x/b" }), "/x/a");
  assert.equal(
    resolveDataFolder({}, { DUPLICATI__SERVER_DATAFOLDER: "/x/c", DUPLICATI_HOME: "/x/b" }),
    "/x/c",
  );
  assert.equal(resolveDataFolder({}, { DUPLICATI_HOME: "/x/b" }), "/x/b");
  assert.match(resolveDataFolder({}, {}), /[\\/]data$/);
});

Deno.test("data folder: created owner-only; an unwritable one gives a message saying what to do", async () => {
  const base = await Deno.makeTempDir();
  try {
    const f = ensureDataFolder({ serverDatafolder: join(base, "d") }, {});
    assert.equal(Deno.statSync(f).mode! & 0o777, 0o700);
    const file = join(base, "file");
    Deno.writeTextFileSync(file, "");
    assert.throws(
      () => ensureDataFolder({ serverDatafolder: join(file, "sub") }, {}),
      /--server-datafolder/,
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
