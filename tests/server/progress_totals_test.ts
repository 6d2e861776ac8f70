/**
 * `/api/v1/progressstate`: while a backup runs it reports the counted totals (StillCounting false,
 * TotalFileCount and TotalFileSize of the source) and an overall progress between 0 and 1; with
 * no task running it answers 404 "No active backup", as Duplicati does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { finished, until, withServer } from "../helpers/server.ts";
import { prng, put, tempDir, writeRandomFile } from "../helpers/tree.ts";

const SMALL_FILES = 300;
const BIG_MB = 64;

Deno.test("progressstate reports the source totals once counted, and 404 when idle", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  try {
    let bytes = 0;
    for (let i = 0; i < SMALL_FILES; i++) {
      const data = prng(i + 1, 1000 + i);
      put(src, `a/d${i % 10}/f${i}.bin`, data);
      bytes += data.length;
    }
    // A large file walked last keeps the backup busy long enough to be watched.
    await writeRandomFile(join(src, "z_big.bin"), BIG_MB);
    bytes += BIG_MB << 20;

    await withServer(async ({ client }) => {
      const idle = await client.get("/api/v1/progressstate");
      assert.equal(idle.status, 404);
      assert.equal(idle.body.Error, "No active backup");

      const id = (await client.post("/api/v1/backups", {
        Backup: {
          Name: "Totals",
          TargetURL: `file://${dst}`,
          Sources: [src + "/"],
          Settings: [{ Name: "no-encryption", Value: "true" }, {
            Name: "dblock-size",
            Value: "8mb",
          }],
          Filters: [],
        },
        Schedule: null,
      })).body.ID;
      const taskId = (await client.post(`/api/v1/backup/${id}/run`)).body.ID;
      const counted = await until(
        async () => {
          const r = await client.get("/api/v1/progressstate");
          const p = r.body;
          if (r.status === 200 && p.TaskID === taskId && p.StillCounting === false) return p;
          const s = (await client.get(`/api/v1/task/${taskId}`)).body.Status;
          return s === "Waiting" || s === "Running" ? undefined : { ended: s };
        },
        120_000,
        20,
      );
      assert.ok(counted && !counted.ended, `no counted totals seen (${JSON.stringify(counted)})`);
      assert.equal(counted.TotalFileCount, SMALL_FILES + 1);
      assert.equal(counted.TotalFileSize, bytes);
      assert.equal(counted.Phase, "Backup_ProcessingFiles");
      assert.ok(counted.OverallProgress >= 0 && counted.OverallProgress <= 1);
      assert.ok(counted.ProcessedFileCount <= SMALL_FILES + 1);

      const task = await finished(client, taskId, 120_000);
      assert.equal(task.Status, "Completed", JSON.stringify(task));
      const after = await client.get("/api/v1/progressstate");
      assert.equal(after.status, 404, "no task runs any more");
    });
  } finally {
    await cleanSrc();
    await cleanDst();
  }
});
