// deno-lint-ignore-file no-explicit-any
/**
 * What the server tells about a backup's remote files: the remote operation log, the metadata
 * after a backup (sizes, counts, dates, TimeSpan durations), `report-remote-size`, and deleting a
 * backup together with its remote files and local database.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Client, finished, localBackupBody, withServer } from "../helpers/server.ts";
import { prng, put, tempDir } from "../helpers/tree.ts";

const backupBody = (name: string, source: string, target: string) =>
  localBackupBody(name, source, target, { passphrase: "remote-files-pass" });

/** The files of the destination with size and base64 SHA-256, as the log records them. */
function destination(dst: string): Map<string, { Size: number; Hash: string }> {
  const out = new Map<string, { Size: number; Hash: string }>();
  for (const e of Deno.readDirSync(dst)) {
    const data = Deno.readFileSync(join(dst, e.name));
    out.set(e.name, {
      Size: data.length,
      Hash: createHash("sha256").update(data).digest("base64"),
    });
  }
  return out;
}

async function runTask(client: Client, path: string, body?: unknown): Promise<any> {
  const r = await client.post(path, body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const t = await finished(client, r.body.ID);
  assert.equal(t.Status, "Completed", JSON.stringify(t));
  return t;
}

Deno.test("remotelog lists every list, put and get of each operation with size and hash", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  const [out, cleanOut] = await tempDir();
  try {
    put(src, "a.txt", "remote log");
    put(src, "b.bin", prng(3, 2_500_000));
    await withServer(async ({ client }) => {
      const id = (await client.post("/api/v1/backups", backupBody("Logged", src, dst))).body.ID;
      const before = Math.floor(Date.now() / 1000);
      await runTask(client, `/api/v1/backup/${id}/run`);
      const files = destination(dst);

      const log = await client.get(`/api/v1/backup/${id}/remotelog`);
      assert.equal(log.status, 200);
      const rows: any[] = log.body;
      for (const r of rows) {
        assert.deepEqual(Object.keys(r), [
          "ID",
          "OperationID",
          "Timestamp",
          "Operation",
          "Path",
          "Data",
        ]);
        // Unix seconds, as Duplicati returns them.
        assert.ok(r.Timestamp >= before - 1 && r.Timestamp <= Date.now() / 1000 + 1, r.Timestamp);
      }
      // Newest first; one operation so far.
      assert.deepEqual(rows.map((r) => r.ID), [...rows.map((r) => r.ID)].sort((a, b) => b - a));
      assert.equal(new Set(rows.map((r) => r.OperationID)).size, 1);
      const puts = rows.filter((r) => r.Operation === "put");
      assert.deepEqual(puts.map((r) => r.Path).sort(), [...files.keys()].sort());
      for (const p of puts) assert.deepEqual(JSON.parse(p.Data), files.get(p.Path));
      const lists = rows.filter((r) => r.Operation === "list");
      assert.ok(lists.length >= 1);
      assert.deepEqual(JSON.parse(lists[lists.length - 1].Data), []);

      // Paging backwards by ID.
      const page1 = (await client.get(`/api/v1/backup/${id}/remotelog?pagesize=2`)).body;
      assert.deepEqual(page1, rows.slice(0, 2));
      const page2 =
        (await client.get(`/api/v1/backup/${id}/remotelog?pagesize=2&offset=${page1[1].ID}`))
          .body;
      assert.deepEqual(page2, rows.slice(2, 4));

      // A restore and a verify read the remote files: their reads are logged as get, by name.
      await runTask(client, `/api/v1/backup/${id}/restore`, {
        paths: [src + "/"],
        restore_path: out,
        overwrite: true,
      });
      await runTask(client, `/api/v1/backup/${id}/verify`);
      const after: any[] = (await client.get(`/api/v1/backup/${id}/remotelog?pagesize=1000`)).body;
      const gets = after.filter((r) => r.Operation === "get");
      assert.ok(gets.length >= 2, JSON.stringify(after.map((r) => r.Operation)));
      for (const g of gets) assert.deepEqual(JSON.parse(g.Data), files.get(g.Path), g.Path);
      assert.ok(new Set(after.map((r) => r.OperationID)).size >= 3);

      const bad = await client.get(`/api/v1/backup/${id}/remotelog?pagesize=abc`);
      assert.equal(bad.status, 400);
      assert.match(bad.body.Error, /pagesize/);
      assert.equal((await client.get(`/api/v1/backup/999/remotelog`)).status, 404);
    });
  } finally {
    await cleanSrc();
    await cleanDst();
    await cleanOut();
  }
});

Deno.test("after a backup the metadata holds Duplicati's sizes, counts, dates and durations", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  try {
    put(src, "x/one.txt", "one");
    put(src, "two.bin", prng(5, 1_200_000));
    await withServer(async ({ client }) => {
      const id = (await client.post("/api/v1/backups", backupBody("Meta", src, dst))).body.ID;
      await runTask(client, `/api/v1/backup/${id}/run`);
      const files = destination(dst);
      const total = [...files.values()].reduce((n, f) => n + f.Size, 0);
      const list = (await client.get("/api/v1/backups")).body;
      const m = list.find((x: any) => x.Backup.ID === id).Backup.Metadata;
      assert.match(m.LastBackupDuration, /^\d{2}:\d{2}:\d{2}(\.\d{7})?$/);
      assert.match(m.LastBackupStarted, /^\d{8}T\d{6}Z$/);
      assert.match(m.LastBackupFinished, /^\d{8}T\d{6}Z$/);
      assert.match(m.LastBackupDate, /^\d{8}T\d{6}Z$/);
      assert.ok(m.LastBackupStarted <= m.LastBackupFinished);
      assert.equal(m.SourceFilesCount, "2");
      assert.equal(m.SourceFilesSize, String(3 + 1_200_000));
      assert.equal(m.TargetFilesCount, String(files.size));
      assert.equal(m.TargetFilesSize, String(total));
      assert.equal(m.BackupListCount, "1");
      // A local folder cannot tell its quota.
      assert.equal(m.TotalQuotaSpace, "-1");
      assert.equal(m.FreeQuotaSpace, "-1");
      assert.ok(m.TargetSizeString && m.SourceSizeString);

      // report-remote-size lists the destination; foreign files are not the backup's.
      put(dst, "not-ours.txt", "foreign");
      const t = await runTask(client, `/api/v1/backup/${id}/report-remote-size`);
      assert.equal(t.Result.knownFileCount, files.size);
      assert.equal(t.Result.unknownFileCount, 1);
      const m2 = (await client.get(`/api/v1/backup/${id}`)).body.Backup.Metadata;
      assert.equal(m2.TargetFilesSize, String(total));
      assert.equal(m2.TargetFilesCount, String(files.size));
      const listed = (await client.get(`/api/v1/backup/${id}/remotelog`)).body;
      assert.equal(listed[0].Operation, "list");
      assert.equal(JSON.parse(listed[0].Data).length, files.size + 1);
    });
  } finally {
    await cleanSrc();
    await cleanDst();
  }
});

Deno.test("DELETE with delete-remote-files and delete-local-db removes the backup's files only", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  const [dst2, cleanDst2] = await tempDir();
  try {
    put(src, "f.txt", "delete me remotely");
    await withServer(async ({ client }) => {
      // Without the flags, remote files and database stay.
      const keep = (await client.post("/api/v1/backups", backupBody("Kept", src, dst2))).body.ID;
      await runTask(client, `/api/v1/backup/${keep}/run`);
      const keepDb = (await client.get(`/api/v1/backup/${keep}`)).body.Backup.DBPath;
      const kept = [...Deno.readDirSync(dst2)].length;
      assert.equal((await client.delete(`/api/v1/backup/${keep}`)).status, 200);
      assert.equal([...Deno.readDirSync(dst2)].length, kept);
      assert.ok(existsSync(keepDb));

      const id = (await client.post("/api/v1/backups", backupBody("Gone", src, dst))).body.ID;
      await runTask(client, `/api/v1/backup/${id}/run`);
      const dbPath = (await client.get(`/api/v1/backup/${id}`)).body.Backup.DBPath;
      assert.ok(existsSync(dbPath));
      put(dst, "someone-elses.txt", "stays");
      const r = await client.delete(
        `/api/v1/backup/${id}?delete-remote-files=true&delete-local-db=true`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual([...Deno.readDirSync(dst)].map((e) => e.name), ["someone-elses.txt"]);
      assert.equal(existsSync(dbPath), false);
      assert.equal((await client.get(`/api/v1/backup/${id}`)).status, 404);
    });
  } finally {
    await cleanSrc();
    await cleanDst();
    await cleanDst2();
  }
});

Deno.test("DELETE with delete-remote-files keeps the configuration when the destination fails", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  try {
    put(src, "f.txt", "x");
    put(dst, "a-file", "not a folder");
    await withServer(async ({ client }) => {
      const body = backupBody("Lost", src, join(dst, "a-file"));
      body.Backup.Settings.push({ Name: "number-of-retries", Value: "0" });
      const id = (await client.post("/api/v1/backups", body)).body.ID;
      const r = await client.delete(`/api/v1/backup/${id}?delete-remote-files=true`);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.ok(r.body.Error);
      assert.equal((await client.get(`/api/v1/backup/${id}`)).status, 200);
      // A destination folder that does not exist has nothing to delete.
      const gone = (await client.post("/api/v1/backups", backupBody("Gone", src, join(dst, "no"))))
        .body.ID;
      const ok = await client.delete(`/api/v1/backup/${gone}?delete-remote-files=true`);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal((await client.get(`/api/v1/backup/${gone}`)).status, 404);
    });
  } finally {
    await cleanSrc();
    await cleanDst();
  }
});
