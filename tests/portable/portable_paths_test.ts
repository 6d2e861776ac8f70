/**
 * `%PORTABLE%` paths: the rule itself, and a portable folder (the bundled form `deno task portable
 * --bundle` makes, unzipped into a temp folder) whose backups, with source and destination inside
 * it, keep working after the whole folder is moved or copied elsewhere: through the command line
 * and through the server, with no trace of the old place.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expandPortablePath, isPortablePath } from "../../src/core/portable_paths.ts";
import { parseStorageUrl } from "../../src/backends/registry.ts";
import { programFolder } from "../../src/core/datafolder.ts";
import { VERSION } from "../../src/core/version.ts";
import { Client, finished, TEST_PASSWORD, until } from "../helpers/server.ts";
import { diffSnapshots, prng, put, snapshot } from "../helpers/tree.ts";
import { spawnCaptured } from "../helpers/spawn.ts";
import { freePort } from "../servers/process.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NAME = `duplicati-${VERSION}-${Deno.build.os === "darwin" ? "macos" : Deno.build.os}-${
  Deno.build.arch === "x86_64" ? "x64" : "arm64"
}`;

Deno.test("%PORTABLE% is expanded at the start of a path only, either separator, any case", () => {
  assert.equal(expandPortablePath("%PORTABLE%", "/media/stick"), "/media/stick");
  assert.equal(expandPortablePath("%PORTABLE%/docs", "/media/stick"), "/media/stick/docs");
  assert.equal(expandPortablePath("%portable%\\docs\\a", "/media/stick/"), "/media/stick/docs/a");
  assert.equal(expandPortablePath("%PORTABLE%/docs/", "/media/stick"), "/media/stick/docs/");
  assert.equal(expandPortablePath("/data/%PORTABLE%/x", "/media/stick"), "/data/%PORTABLE%/x");
  assert.equal(expandPortablePath("%PORTABLEX%/x", "/media/stick"), "%PORTABLEX%/x");
  assert.equal(expandPortablePath("./docs", "/media/stick"), "./docs");
  assert.equal(isPortablePath("%Portable%"), true);
  assert.equal(isPortablePath("%PORTABLE%x"), false);
  // The default folder is the program's folder (the project folder when run from source).
  assert.equal(expandPortablePath("%PORTABLE%/b"), join(programFolder(), "b"));

  const url = parseStorageUrl("file://%PORTABLE%/my%20backups?auth-username=x");
  assert.equal(url.path, join(programFolder(), "my backups"));
  assert.equal(url.portablePath, "%PORTABLE%/my backups");
  assert.equal(url.query["auth-username"], "x");
  const bare = parseStorageUrl("%PORTABLE%/backups");
  assert.equal(bare.scheme, "file");
  assert.equal(bare.path, join(programFolder(), "backups"));
  assert.equal(bare.portablePath, "%PORTABLE%/backups");
  assert.equal(parseStorageUrl("file:///mnt/b").portablePath, undefined);
});

async function makePortableFolder(into: string): Promise<string> {
  const out = join(into, "dist");
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "build/portable.ts", "--bundle", `--out=${out}`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.ok(r.success, dec.decode(r.stdout) + dec.decode(r.stderr));
  const unzip = await new Deno.Command("unzip", {
    args: ["-q", join(out, `${NAME}.zip`), "-d", join(into, "first-mount")],
  }).output();
  assert.ok(unzip.success, dec.decode(unzip.stderr));
  await Deno.remove(out, { recursive: true });
  return join(into, "first-mount", NAME);
}

/** Only what a user's shell would have: no data folder chosen from outside. */
function userEnv(): Record<string, string> {
  return { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/tmp" };
}

async function run(folder: string, args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(join(folder, "duplicati"), {
    args,
    env: userEnv(),
    clearEnv: true,
    cwd: "/",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** The modification times of the files in `dir`, by name. */
function mtimes(dir: string): Record<string, number> {
  return Object.fromEntries(
    [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((
      e,
    ) => [e.name, Deno.statSync(join(dir, e.name)).mtime!.getTime()]),
  );
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function remoteFiles(folder: string): string[] {
  return [...Deno.readDirSync(folder)].map((e) => e.name).sort();
}

/** Runs `fn` with a signed-in client of the portable folder's own server (data in `data/`). */
async function withPortableServer(folder: string, fn: (c: Client) => Promise<void>) {
  const port = freePort();
  const server = spawnCaptured(join(folder, "duplicati-server"), {
    args: [`--webservice-port=${port}`, `--webservice-password=${TEST_PASSWORD}`],
    env: userEnv(),
    clearEnv: true,
    cwd: "/",
  });
  try {
    assert.ok(
      await until(() => /listening on/.test(server.output()), 60_000),
      server.output(),
    );
    const client = new Client(`http://127.0.0.1:${port}`);
    const login = await client.login();
    assert.equal(login.status, 200, JSON.stringify(login.body));
    await fn(client);
  } finally {
    server.child.kill("SIGTERM");
    await server.done;
  }
}

const SETTINGS = [
  { Name: "encryption-module", Value: "aes" },
  { Name: "passphrase", Value: "stick pass" },
  { Name: "dblock-size", Value: "1mb" },
];

Deno.test({
  name:
    "a portable folder moved or copied elsewhere keeps backing up and restoring %PORTABLE% paths",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "dup-stick-" });
    try {
      const first = await makePortableFolder(tmp);
      put(first, "docs/a.txt", "on the stick");
      put(first, "docs/deep/b.bin", prng(3, 400_000));
      const common = ["--passphrase=stick pass", "--dblock-size=1mb"];

      // The command line, from the first mount point.
      const b1 = await run(first, [
        "backup",
        "file://%PORTABLE%/backups",
        "%PORTABLE%/docs/",
        ...common,
      ]);
      assert.equal(b1.code, 0, b1.out);
      const firstRemote = remoteFiles(join(first, "backups"));
      assert.ok(firstRemote.some((n) => n.endsWith(".dlist.zip.aes")), firstRemote.join(" "));
      const cfg = JSON.parse(await Deno.readTextFile(join(first, "data", "dbconfig.json")));
      assert.equal(cfg[0].Path, "%PORTABLE%/backups");
      assert.match(cfg[0].Databasepath, /^[A-Z]{10}\.sqlite$/);

      // The server, from the first mount point: stores the paths as given.
      let id = "";
      await withPortableServer(first, async (client) => {
        const add = await client.post("/api/v1/backups", {
          Backup: {
            Name: "Stick",
            TargetURL: "file://%PORTABLE%/server-backups",
            Sources: ["%PORTABLE%/docs/"],
            Settings: SETTINGS,
            Filters: [],
          },
          Schedule: null,
        });
        assert.equal(add.status, 200, JSON.stringify(add.body));
        id = add.body.ID;
        const task = await finished(
          client,
          (await client.post(`/api/v1/backup/${id}/run`)).body.ID,
        );
        assert.equal(task.Status, "Completed", JSON.stringify(task));
      });
      assert.ok(
        remoteFiles(join(first, "server-backups")).some((n) => n.endsWith(".dlist.zip.aes")),
      );

      // The stick comes back at another mount point.
      const second = join(tmp, "second-mount", NAME);
      await Deno.mkdir(join(tmp, "second-mount"));
      await Deno.rename(first, second);
      put(second, "docs/a.txt", "changed on the stick");
      put(second, "docs/c.txt", "new file");

      const b2 = await run(second, [
        "backup",
        "file://%PORTABLE%/backups",
        "%PORTABLE%/docs/",
        ...common,
      ]);
      assert.equal(b2.code, 0, b2.out);
      const list = await run(second, ["list", "file://%PORTABLE%/backups", ...common]);
      assert.equal(list.code, 0, list.out);
      assert.match(list.out, /^0\t: /m);
      assert.match(list.out, /^1\t: /m, "both versions are in the same backup:\n" + list.out);
      const restored = await run(second, [
        "restore",
        "file://%PORTABLE%/backups",
        "--restore-path=%PORTABLE%/restored",
        ...common,
      ]);
      assert.equal(restored.code, 0, restored.out);
      assert.deepEqual(
        diffSnapshots(snapshot(join(second, "docs")), snapshot(join(second, "restored"))),
        [],
      );

      await withPortableServer(second, async (client) => {
        const b = (await client.get(`/api/v1/backup/${id}`)).body.Backup;
        assert.equal(b.TargetURL, "file://%PORTABLE%/server-backups");
        assert.deepEqual(b.Sources, ["%PORTABLE%/docs/"]);
        assert.ok(b.DBPath.startsWith(join(second, "data")), b.DBPath);
        assert.equal(b.DBPathExists, true);
        const task = await finished(
          client,
          (await client.post(`/api/v1/backup/${id}/run`)).body.ID,
        );
        assert.equal(task.Status, "Completed", JSON.stringify(task));
        const sets = await client.get(`/api/v1/backup/${id}/filesets`);
        assert.equal(sets.body.length, 2, JSON.stringify(sets.body));
        const r = await client.post(`/api/v1/backup/${id}/restore`, {
          paths: [join(second, "docs") + "/"],
          time: sets.body[0].Time,
          restore_path: "%PORTABLE%/server-restored",
          overwrite: true,
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const rt = await finished(client, r.body.ID);
        assert.equal(rt.Status, "Completed", JSON.stringify(rt));
      });
      assert.deepEqual(
        diffSnapshots(snapshot(join(second, "docs")), snapshot(join(second, "server-restored"))),
        [],
      );

      // A copy of the stick backs up into its own folder and leaves the original alone.
      const third = join(tmp, "copy", NAME);
      await Deno.mkdir(join(tmp, "copy"));
      const cp = await new Deno.Command("cp", { args: ["-a", second, third] }).output();
      assert.ok(cp.success);
      const before = remoteFiles(join(second, "backups"));
      const dataBefore = mtimes(join(second, "data"));
      put(third, "docs/d.txt", "only on the copy");
      const b3 = await run(third, [
        "backup",
        "file://%PORTABLE%/backups",
        "%PORTABLE%/docs/",
        ...common,
      ]);
      assert.equal(b3.code, 0, b3.out);
      assert.deepEqual(remoteFiles(join(second, "backups")), before, "the original is untouched");
      assert.ok(remoteFiles(join(third, "backups")).length > before.length);

      // Nothing was written where the stick was first mounted, and the copy did not touch the
      // original's databases.
      assert.equal(exists(first), false, "nothing recreated at the old mount point");
      assert.deepEqual(mtimes(join(second, "data")), dataBefore);
      const cfg3 = await Deno.readTextFile(join(third, "data", "dbconfig.json"));
      assert.ok(!cfg3.includes(tmp), cfg3);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
