// deno-lint-ignore-file no-explicit-any
/**
 * Stop and abort of a running backup through the API, caught in the middle of a large file:
 * both end the task within 2 seconds; stop keeps a partial version that restores the files it
 * finished, abort leaves nothing that stops the next backup.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, finished, localBackupBody, until, withServer } from "../helpers/server.ts";
import { diffSnapshots, prng, put, snapshot, tempDir, writeRandomFile } from "../helpers/tree.ts";

const SMALL_FILES = 300;
const BIG_MB = 256;

/** Many small files under a/ (walked first), then one large file of random bytes. */
async function makeSource(root: string): Promise<string> {
  for (let i = 0; i < SMALL_FILES; i++) put(root, `a/d${i % 10}/f${i}.bin`, prng(i + 1, 1500));
  const big = join(root, "z_big.bin");
  await writeRandomFile(big, BIG_MB);
  return big;
}

const backupBody = (source: string, target: string) =>
  localBackupBody("Large and many", source, target, {
    passphrase: "stop-abort-pass",
    "dblock-size": "4mb",
  });

/** Starts a backup and waits until it is reading the large file (past its first block). */
async function runUntilInsideBigFile(client: Client, id: string): Promise<number> {
  const taskId = (await client.post(`/api/v1/backup/${id}/run`)).body.ID;
  const inside = await until(
    async () => {
      const p = (await client.get("/api/v1/progressstate")).body;
      return p.TaskID === taskId && String(p.CurrentFilename).endsWith("z_big.bin") &&
          p.CurrentFileoffset > 0
        ? p
        : undefined;
    },
    120_000,
    20,
  );
  assert.ok(inside, "the backup never reported progress inside the large file");
  assert.equal(inside.CurrentFilesize, BIG_MB << 20);
  assert.ok(inside.CurrentFileoffset < BIG_MB << 20);
  return taskId;
}

/** Sends stop or abort and returns the status the task has at most 2 s later. */
async function cancelWithin2s(client: Client, taskId: number, mode: "stop" | "abort") {
  const r = await client.post(`/api/v1/task/${taskId}/${mode}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // The one timing bound the product promises: the task ends within 2 s of the request.
  return await until(
    async () => {
      const s = (await client.get(`/api/v1/task/${taskId}`)).body.Status;
      return s !== "Running" ? s : undefined;
    },
    2000,
    20,
  );
}

Deno.test("stop inside a large file ends within 2 s and keeps a partial version of the finished files", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  const [out, cleanOut] = await tempDir();
  try {
    await makeSource(src);
    await withServer(async ({ client }) => {
      const id = (await client.post("/api/v1/backups", backupBody(src, dst))).body.ID;
      const taskId = await runUntilInsideBigFile(client, id);
      assert.equal(await cancelWithin2s(client, taskId, "stop"), "Stopped");

      const task = (await client.get(`/api/v1/task/${taskId}`)).body;
      assert.equal(task.Result.interrupted, true, JSON.stringify(task));
      assert.equal(task.Result.version.partial, true);
      assert.equal(task.Result.exitCode, 50);
      assert.equal(task.Result.addedFiles, SMALL_FILES);

      const sets = (await client.get(`/api/v1/backup/${id}/filesets`)).body;
      assert.equal(sets.length, 1, JSON.stringify(sets));
      assert.equal(sets[0].IsFullBackup, false);
      assert.equal(sets[0].FileCount, SMALL_FILES);

      // The stopped run counts as the last backup, with its numbers.
      const meta = (await client.get(`/api/v1/backup/${id}`)).body.Backup.Metadata;
      assert.equal(meta.BackupListCount, "1");
      assert.match(meta.LastBackupDuration, /^\d{2}:\d{2}:\d{2}(\.\d{7})?$/);
      // A stop the user asked for is not a notification.
      const notes = (await client.get("/api/v1/notifications")).body;
      assert.deepEqual(notes.filter((n: any) => n.BackupID === id), []);

      const restore = await client.post(`/api/v1/backup/${id}/restore`, {
        paths: [src + "/"],
        restore_path: out,
        overwrite: true,
      });
      const rt = await finished(client, restore.body.ID);
      assert.equal(rt.Status, "Completed", JSON.stringify(rt));
      // The version holds only files under a/, so they are restored relative to it.
      const want = snapshot(join(src, "a"));
      assert.equal(want.size > SMALL_FILES, true);
      assert.deepEqual(diffSnapshots(want, snapshot(out)), []);
    });
  } finally {
    await cleanSrc();
    await cleanDst();
    await cleanOut();
  }
});

Deno.test("abort inside a large file ends within 2 s and the next backup succeeds", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  const [out, cleanOut] = await tempDir();
  try {
    const big = await makeSource(src);
    await withServer(async ({ client }) => {
      const id = (await client.post("/api/v1/backups", backupBody(src, dst))).body.ID;
      const taskId = await runUntilInsideBigFile(client, id);
      assert.equal(await cancelWithin2s(client, taskId, "abort"), "Aborted");
      const names = () => [...Deno.readDirSync(dst)].map((e) => e.name);
      assert.equal(names().some((n) => n.includes(".dlist.")), false, names().join());

      // Smaller now, so the next run is quick; it must clean up what the aborted one left.
      await Deno.truncate(big, 3 << 20);
      const next = await finished(
        client,
        (await client.post(`/api/v1/backup/${id}/run`)).body.ID,
        120_000,
      );
      assert.equal(next.Status, "Completed", JSON.stringify(next));
      assert.equal(next.Result.interrupted, false);
      // What the aborted run had uploaded may be kept as an older partial version.
      const sets = (await client.get(`/api/v1/backup/${id}/filesets`)).body;
      assert.ok(sets.length === 1 || sets.length === 2, JSON.stringify(sets));
      assert.equal(sets[0].IsFullBackup, true);
      if (sets.length === 2) assert.equal(sets[1].IsFullBackup, false);

      const rt = await finished(
        client,
        (await client.post(`/api/v1/backup/${id}/restore`, {
          paths: [src + "/"],
          restore_path: out,
          overwrite: true,
        })).body.ID,
      );
      assert.equal(rt.Status, "Completed", JSON.stringify(rt));
      assert.deepEqual(diffSnapshots(snapshot(src), snapshot(out)), []);
    });
  } finally {
    await cleanSrc();
    await cleanDst();
    await cleanOut();
  }
});
