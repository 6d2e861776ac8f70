// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { join } from "node:path";
import { finished, localBackupBody, until, withServer } from "../helpers/server.ts";
import { diffSnapshots, prng, put, snapshot, tempDir } from "../helpers/tree.ts";

const backupBody = (name: string, source: string, target: string) =>
  localBackupBody(name, source, target);

Deno.test("a real backup through the API to a local folder, browsing its version, and a restore", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  const [out, cleanOut] = await tempDir();
  try {
    put(src, "docs/a.txt", "hello server");
    put(src, "docs/deep/b.bin", prng(7, 300_000));
    put(src, "c.bin", prng(9, 2_500_000));
    await withServer(async ({ client, server }) => {
      const id = (await client.post("/api/v1/backups", backupBody("Real", src, dst))).body.ID;
      const idle = await client.get("/api/v1/progressstate");
      assert.equal(idle.status, 404, "no task is running");
      assert.equal(idle.body.Error, "No active backup");

      const run = await client.post(`/api/v1/backup/${id}/run`);
      assert.equal(run.status, 200);
      assert.equal(run.body.Status, "OK");
      const task = await finished(client, run.body.ID);
      assert.equal(task.Status, "Completed", JSON.stringify(task));
      assert.ok([...Deno.readDirSync(dst)].some((e) => e.name.endsWith(".dlist.zip.aes")));

      const b = (await client.get(`/api/v1/backup/${id}`)).body.Backup;
      assert.equal(b.Metadata.BackupListCount, "1");
      assert.equal(b.Metadata.SourceFilesCount, "3");
      // What the destination holds: the sum of the uploaded files' sizes.
      const remote = [...Deno.readDirSync(dst)].filter((e) => e.name.startsWith("duplicati-"));
      const remoteBytes = remote.reduce((n, e) => n + Deno.statSync(`${dst}/${e.name}`).size, 0);
      assert.equal(b.Metadata.TargetFilesSize, String(remoteBytes));
      assert.equal(b.Metadata.TargetFilesCount, String(remote.length));
      assert.ok(b.Metadata.LastBackupDate);
      assert.equal(b.DBPathExists, true);

      const sets = await client.get(`/api/v1/backup/${id}/filesets`);
      assert.equal(sets.status, 200, JSON.stringify(sets.body));
      assert.equal(sets.body.length, 1);
      assert.equal(sets.body[0].Version, 0);
      assert.equal(sets.body[0].FileCount, 3);
      const time = sets.body[0].Time;

      const roots = await client.get(
        `/api/v1/backup/${id}/files?time=${encodeURIComponent(time)}&prefix-only=true`,
      );
      assert.equal(roots.status, 200, JSON.stringify(roots.body));
      const srcPath = src.endsWith("/") ? src : src + "/";
      assert.deepEqual(roots.body.Files.map((f: any) => f.Path), [srcPath]);
      const inside = await client.get(
        `/api/v1/backup/${id}/files?time=${encodeURIComponent(time)}&folder-contents=true&filter=${
          encodeURIComponent(srcPath)
        }`,
      );
      assert.deepEqual(inside.body.Files.map((f: any) => f.Path), [
        srcPath + "docs/",
        srcPath + "c.bin",
      ]);
      assert.deepEqual(inside.body.Files[1].Sizes, [2_500_000]);
      const search = await client.get(`/api/v1/backup/${id}/files?all-versions=true&filter=b.bin`);
      assert.deepEqual(search.body.Files.map((f: any) => f.Path), [srcPath + "docs/deep/b.bin"]);
      assert.equal((await client.get(`/api/v1/backup/${id}/files`)).status, 400);

      // Restore one file and one folder to another place.
      const restore = await client.post(`/api/v1/backup/${id}/restore`, {
        paths: [srcPath + "c.bin", srcPath + "docs/"],
        time,
        restore_path: out,
        overwrite: true,
      });
      assert.equal(restore.status, 200, JSON.stringify(restore.body));
      const rt = await finished(client, restore.body.ID);
      assert.equal(rt.Status, "Completed", JSON.stringify(rt));
      const got = snapshot(out);
      const want = snapshot(src);
      assert.deepEqual(diffSnapshots(want, got), []);
      assert.deepEqual(Deno.readFileSync(join(out, "c.bin")), prng(9, 2_500_000));

      const log = await client.get(`/api/v1/backup/${id}/log`);
      assert.equal(log.status, 200);
      assert.equal(log.body.length, 2);
      assert.equal(JSON.parse(log.body[1].Message).MainOperation, "Backup");
      assert.equal((await client.get(`/api/v1/backup/${id}/remotelog`)).status, 200);

      const verify = await client.post(`/api/v1/backup/${id}/verify`);
      assert.equal(verify.status, 200);
      assert.equal((await finished(client, verify.body.ID)).Status, "Completed");
      const compact = await client.post(`/api/v1/backup/${id}/compact`);
      assert.equal((await finished(client, compact.body.ID)).Status, "Completed");
      const repair = await client.post(`/api/v1/backup/${id}/repair`);
      assert.equal(repair.status, 200);
      const rep = await finished(client, repair.body.ID);
      assert.equal(rep.Status, "Completed", JSON.stringify(rep));
      assert.equal(rep.Result.mode, "repair");

      // Recreate: delete the local database, then repair rebuilds it from the remote files.
      const dbPath = (await client.get(`/api/v1/backup/${id}`)).body.Backup.DBPath;
      assert.equal((await client.post(`/api/v1/backup/${id}/deletedb`)).status, 200);
      assert.equal((await client.get(`/api/v1/backup/${id}`)).body.Backup.DBPathExists, false);
      const rec = await finished(
        client,
        (await client.post(`/api/v1/backup/${id}/repair`)).body.ID,
      );
      assert.equal(rec.Status, "Completed", JSON.stringify(rec));
      assert.equal(rec.Result.mode, "recreate");
      assert.ok(Deno.statSync(dbPath).size > 0);
      assert.equal((await client.get(`/api/v1/backup/${id}/filesets`)).body.length, 1);

      const live = await client.get("/api/v1/logdata/poll?level=Information&id=0&pagesize=50");
      assert.ok(live.body.some((l: any) => /Backup task \d+ Completed/.test(l.Message)));
      assert.equal((await client.get("/api/v1/logdata/poll?level=Loud")).status, 400);
      assert.equal(server.ctx.queue.current, undefined);
    });
  } finally {
    await cleanSrc();
    await cleanDst();
    await cleanOut();
  }
});

Deno.test("a failing backup creates a notification that can be dismissed", async () => {
  const [dst, clean] = await tempDir();
  try {
    await withServer(async ({ client }) => {
      const id = (await client.post(
        "/api/v1/backups",
        backupBody("Broken", join(dst, "missing"), join(dst, "t")),
      ))
        .body.ID;
      const t = await finished(client, (await client.post(`/api/v1/backup/${id}/run`)).body.ID);
      assert.equal(t.Status, "Failed");
      assert.ok(t.ErrorMessage);
      const notes = await client.get("/api/v1/notifications");
      assert.equal(notes.body.length, 1);
      assert.equal(notes.body[0].Type, "Error");
      assert.equal(notes.body[0].BackupID, id);
      const state = (await client.get("/api/v1/serverstate")).body;
      assert.equal(state.HasError, true);
      assert.equal(state.SuggestedStatusIcon, "ReadyError");
      assert.equal((await client.get(`/api/v1/notification/${notes.body[0].ID}`)).status, 200);
      assert.equal((await client.delete(`/api/v1/notification/${notes.body[0].ID}`)).status, 200);
      assert.equal((await client.get("/api/v1/notifications")).body.length, 0);
      assert.equal((await client.delete(`/api/v1/notification/${notes.body[0].ID}`)).status, 404);
      assert.equal((await client.delete("/api/v1/notification/x")).status, 400);
      const meta = (await client.get(`/api/v1/backup/${id}`)).body.Backup.Metadata;
      assert.ok(meta.LastErrorMessage);
    });
  } finally {
    await clean();
  }
});

/** A source with many small files, so a backup runs long enough to be stopped. */
function manyFiles(root: string, n: number) {
  for (let i = 0; i < n; i++) put(root, `d${i % 50}/f${i}.bin`, prng(i + 1, 1500));
}

for (const mode of ["abort", "stop"] as const) {
  Deno.test(`${mode} ends a running backup within 2 seconds`, async () => {
    const [src, cleanSrc] = await tempDir();
    const [dst, cleanDst] = await tempDir();
    try {
      manyFiles(src, 6000);
      await withServer(async ({ client }) => {
        const id = (await client.post("/api/v1/backups", backupBody("Long", src, dst))).body.ID;
        const taskId = (await client.post(`/api/v1/backup/${id}/run`)).body.ID;
        const running = await until(
          async () => {
            const p = (await client.get("/api/v1/progressstate")).body;
            return p.TaskID === taskId && p.ProcessedFileCount > 0 ? p : undefined;
          },
          60_000,
          20,
        );
        assert.ok(running, "the backup never reported progress");
        assert.equal(running.Phase, "Backup_ProcessingFiles");
        assert.equal(running.BackupID, id);
        assert.equal((await client.get("/api/v1/serverstate")).body.ActiveTask.Item1, taskId);
        assert.equal((await client.get(`/api/v1/backup/${id}/isactive`)).body.Active, true);
        const r = await client.post(`/api/v1/task/${taskId}/${mode}`);
        assert.equal(r.status, 200);
        // Bounded wait: the task must leave the Running state within 2 s of the request.
        const ended = await until(
          async () => {
            const s = (await client.get(`/api/v1/task/${taskId}`)).body.Status;
            return s !== "Running" ? s : undefined;
          },
          2000,
          20,
        );
        assert.equal(ended, mode === "abort" ? "Aborted" : "Stopped");
        assert.equal((await client.get("/api/v1/serverstate")).body.ActiveTask, null);
        // The queue goes on working after a cancelled task.
        const again = (await client.post(`/api/v1/backup/${id}/run`)).body.ID;
        assert.notEqual(again, taskId);
        await client.post(`/api/v1/task/${again}/abort`);
        assert.ok(["Aborted", "Completed"].includes((await finished(client, again)).Status));
      });
    } finally {
      await cleanSrc();
      await cleanDst();
    }
  });
}

Deno.test("pause holds queued tasks; resume and timed pauses release them", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  try {
    put(src, "x.txt", "x");
    await withServer(async ({ client }) => {
      const id = (await client.post("/api/v1/backups", backupBody("P", src, dst))).body.ID;
      assert.equal((await client.post("/api/v1/serverstate/pause")).status, 200);
      let st = (await client.get("/api/v1/serverstate")).body;
      assert.equal(st.ProgramState, "Paused");
      assert.equal(st.SuggestedStatusIcon, "Paused");
      const t = (await client.post(`/api/v1/backup/${id}/run`)).body.ID;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await client.get(`/api/v1/task/${t}`)).body.Status, "Waiting");
      st = (await client.get("/api/v1/serverstate")).body;
      assert.deepEqual(st.SchedulerQueueIds, [{ Item1: t, Item2: id }]);
      const tasks = (await client.get("/api/v1/tasks")).body;
      assert.equal(tasks.length, 1);
      assert.equal(tasks[0].TaskID, t);
      assert.equal((await client.post("/api/v1/serverstate/resume")).status, 200);
      assert.equal((await finished(client, t)).Status, "Completed");

      assert.equal((await client.post("/api/v1/serverstate/pause?duration=1s")).status, 200);
      st = (await client.get("/api/v1/serverstate")).body;
      assert.equal(st.ProgramState, "Paused");
      assert.ok(Date.parse(st.EstimatedPauseEnd) > Date.now() - 1000);
      const t2 = (await client.post(`/api/v1/backup/${id}/run`)).body.ID;
      assert.equal((await finished(client, t2)).Status, "Completed");
      assert.equal((await client.get("/api/v1/serverstate")).body.ProgramState, "Running");
      assert.equal((await client.post("/api/v1/serverstate/pause?duration=soon")).status, 400);
      assert.equal((await client.get("/api/v1/task/9999")).status, 404);
      assert.equal((await client.post("/api/v1/task/9999/abort")).status, 404);
      assert.equal((await client.get("/api/v1/task/abc")).status, 400);
    });
  } finally {
    await cleanSrc();
    await cleanDst();
  }
});

Deno.test("serverstate long poll returns when something changes; bad polls are 400", async () => {
  await withServer(async ({ client }) => {
    const s0 = (await client.get("/api/v1/serverstate")).body;
    assert.equal(s0.ProgramState, "Running");
    assert.equal(s0.ActiveTask, null);
    const poll = client.get(
      `/api/v1/serverstate?longpoll=true&lastEventId=${s0.LastEventID}&duration=30s`,
    );
    await new Promise((r) => setTimeout(r, 200));
    await client.post("/api/v1/serverstate/pause");
    const s1 = (await poll).body;
    assert.ok(s1.LastEventID > s0.LastEventID);
    assert.equal(s1.ProgramState, "Paused");
    assert.equal((await client.get("/api/v1/serverstate?longpoll=true")).status, 400);
  });
});

Deno.test("the WebSocket pushes status, progress and finished tasks to subscribers", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  try {
    put(src, "x.bin", prng(3, 100_000));
    await withServer(async ({ client }) => {
      const id = (await client.post("/api/v1/backups", backupBody("WS", src, dst))).body.ID;
      const bad = await fetch(`${client.base}/notifications?token=nope`);
      assert.equal(bad.status, 401);
      await bad.body?.cancel();
      const token = (await client.post("/api/v1/auth/issuetoken/websocket")).body.Token;
      const ws = new WebSocket(`${client.base.replace("http", "ws")}/notifications?token=${token}`);
      const messages: any[] = [];
      const completed = new Promise<any>((resolve, reject) => {
        ws.onmessage = (e) => {
          const m = JSON.parse(e.data);
          messages.push(m);
          if (m.type === "taskcompleted") resolve(m.data);
        };
        ws.onerror = () => reject(new Error("websocket failed"));
      });
      await new Promise((r) => ws.onopen = r);
      ws.send(JSON.stringify({ version: 1, id: 1, action: "sub", service: "taskcompleted" }));
      ws.send(JSON.stringify({ version: 1, id: 2, action: "sub", service: "nonsense" }));
      await until(() => messages.filter((m) => m.type === "reply").length >= 2);
      assert.equal(messages.find((m) => m.type === "reply" && m.id === 1).data.success, true);
      assert.equal(messages.find((m) => m.type === "reply" && m.id === 2).data.success, false);
      assert.ok(
        messages.some((m) => m.type === "legacystatus" && m.data.ProgramState === "Running"),
      );
      const taskId = (await client.post(`/api/v1/backup/${id}/run`)).body.ID;
      const done = await completed;
      assert.equal(done.ID, taskId);
      assert.equal(done.Status, "Completed");
      const closed = new Promise((r) => ws.onclose = r);
      ws.close();
      await closed;
    });
  } finally {
    await cleanSrc();
    await cleanDst();
  }
});
