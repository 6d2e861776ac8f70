// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { join } from "node:path";
import { finished, withServer } from "../helpers/server.ts";
import { prng, put, tempDir } from "../helpers/tree.ts";

Deno.test("direct restore through a temporary configuration; vacuum and bug report tasks", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  const [out, cleanOut] = await tempDir();
  try {
    put(src, "photos/cat.jpg", prng(11, 400_000));
    put(src, "notes.txt", "direct restore");
    await withServer(async ({ client, server }) => {
      const settings = [
        { Name: "passphrase", Value: "direct-pass" },
        { Name: "dblock-size", Value: "1mb" },
      ];
      const id = (await client.post("/api/v1/backups", {
        Backup: {
          Name: "Origin",
          TargetURL: `file://${dst}`,
          Sources: [src + "/"],
          Settings: settings,
        },
      })).body.ID;
      assert.equal(
        (await finished(client, (await client.post(`/api/v1/backup/${id}/run`)).body.ID)).Status,
        "Completed",
      );

      // A temporary configuration pointing at the same destination, as the restore wizard makes.
      const tmp = await client.post("/api/v1/backups?temporary=true", {
        Backup: { Name: "Direct", TargetURL: `file://${dst}`, Sources: [], Settings: settings },
      });
      assert.equal(tmp.status, 200, JSON.stringify(tmp.body));
      assert.equal(tmp.body.Temporary, true);
      const tid = tmp.body.ID;
      assert.equal(
        (await client.get("/api/v1/backups")).body.length,
        1,
        "temporaries are not listed",
      );
      const got = (await client.get(`/api/v1/backup/${tid}`)).body;
      assert.equal(got.Backup.IsTemporary, true);
      assert.equal(got.Backup.DBPathExists, false);
      const sets = await client.get(`/api/v1/backup/${tid}/filesets`);
      assert.equal(sets.status, 200, JSON.stringify(sets.body));
      assert.equal(sets.body.length, 1);
      assert.equal(sets.body[0].FileCount, 2);
      assert.equal((await client.post(`/api/v1/backup/${tid}/run`)).status, 400);
      const r = await client.post(`/api/v1/backup/${tid}/restore`, {
        paths: [join(src, "photos", "cat.jpg")],
        time: sets.body[0].Time,
        restore_path: out,
      });
      assert.equal(r.status, 200);
      const rt = await finished(client, r.body.ID);
      assert.equal(rt.Status, "Completed", JSON.stringify(rt));
      assert.deepEqual(Deno.readFileSync(join(out, "cat.jpg")), prng(11, 400_000));
      assert.equal((await client.delete(`/api/v1/backup/${tid}`)).status, 200);
      assert.equal((await client.get(`/api/v1/backup/${tid}`)).status, 404);

      const v = await finished(client, (await client.post(`/api/v1/backup/${id}/vacuum`)).body.ID);
      assert.equal(v.Status, "Completed", JSON.stringify(v));
      assert.ok(v.Result.sizeAfter > 0);

      const rep = await finished(
        client,
        (await client.post(`/api/v1/backup/${id}/createreport`)).body.ID,
      );
      assert.equal(rep.Status, "Completed", JSON.stringify(rep));
      const note = (await client.get("/api/v1/notifications")).body.find((n: any) =>
        n.Action.startsWith("bug-report:created:")
      );
      assert.ok(note);
      const reportId = note.Action.split(":")[2];
      assert.equal((await client.get(`/api/v1/bugreport/${reportId}`)).status, 401);
      const token = (await client.post("/api/v1/auth/issuetoken/bugreport")).body.Token;
      const zip = await fetch(`${client.base}/api/v1/bugreport/${reportId}?token=${token}`);
      assert.equal(zip.status, 200);
      const bytes = new Uint8Array(await zip.arrayBuffer());
      assert.equal(String.fromCharCode(bytes[0], bytes[1]), "PK");
      assert.ok(!new TextDecoder().decode(bytes).includes("direct-pass"));
      assert.ok(server.ctx.queue.current === undefined);
    });
  } finally {
    await cleanSrc();
    await cleanDst();
    await cleanOut();
  }
});
