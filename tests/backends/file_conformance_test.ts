/** The conformance suite on the local folder backend (bare path and file:// URL). */
import { join } from "node:path";
import { runConformance } from "./conformance.ts";
import { backupAndRestoreThrough } from "./end_to_end.ts";

runConformance("file (bare path)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "file-backend-" });
  return {
    url: join(dir, "dest"),
    options: {},
    childUrl: (n) => join(dir, "dest", n),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});

runConformance("file (file:// URL)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "file-backend-" });
  return {
    url: `file://${join(dir, "dest")}`,
    options: {},
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});

Deno.test("end to end through a file:// URL: two backups, restore without the database", async () => {
  const dir = await Deno.makeTempDir({ prefix: "file-e2e-" });
  try {
    await backupAndRestoreThrough(`file://${join(dir, "dest")}`, {}, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
