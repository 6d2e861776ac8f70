/**
 * The portable folder as a user gets it: `deno task portable` makes the zip (here the bundled
 * form: the program as JavaScript plus this machine's Deno runtime and the `duplicati` launcher,
 * since no compiled executable can be produced without network access), the test unzips it into
 * a temp folder and runs `duplicati` with no arguments. The browser is a small script that records
 * the address it is given; ports and browser come from DUPLICATI__* environment variables.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { until } from "../helpers/server.ts";
import { type Captured as Running, spawnCaptured } from "../helpers/spawn.ts";
import { freePort } from "../servers/process.ts";
import { VERSION } from "../../src/core/version.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NAME = `duplicati-${VERSION}-${Deno.build.os === "darwin" ? "macos" : Deno.build.os}-${
  Deno.build.arch === "x86_64" ? "x64" : "arm64"
}`;

async function makeZip(out: string): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "build/portable.ts", "--bundle", `--out=${out}`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  assert.ok(r.success, text);
  return join(out, `${NAME}.zip`);
}

async function unzip(zip: string, into: string): Promise<string> {
  const r = await new Deno.Command("unzip", { args: ["-q", zip, "-d", into] }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  return join(into, NAME);
}

function start(program: string, env: Record<string, string>, args: string[] = []): Running {
  return spawnCaptured(program, { args, env });
}

async function signIn(url: string): Promise<Response> {
  const u = new URL(url);
  const token = u.searchParams.get("token");
  assert.ok(token, `no token in ${url}`);
  return await fetch(new URL("/api/v1/auth/signin", u), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ SigninToken: token }),
  });
}

Deno.test("portable: unzip, run without arguments, sign in, next port, second start, service, read-only folder", async (t) => {
  const work = await Deno.makeTempDir({ prefix: "portable-test-" });
  await Deno.chmod(work, 0o755);
  const procs: Running[] = [];
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const zip = await makeZip(join(work, "dist"));
    const urls = join(work, "urls.txt");
    const browser = join(work, "browser.sh");
    await Deno.writeTextFile(browser, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${urls}'\n`, {
      mode: 0o755,
    });
    const readUrls = async () =>
      (await Deno.readTextFile(urls).catch(() => "")).split("\n").filter((l) => l);
    const taken = (blocker.addr as Deno.NetAddr).port;

    await t.step(
      "no arguments: server on the next free port, browser signed in, data/ beside it",
      async () => {
        const folder = await unzip(zip, join(work, "a"));
        const free = freePort();
        const env = {
          DUPLICATI__BROWSER_COMMAND: browser,
          DUPLICATI__WEBSERVICE_PORT: `${taken},${free}`,
        };
        const first = start(join(folder, "duplicati"), env);
        procs.push(first);
        const url = await until(async () => (await readUrls())[0], 60_000);
        assert.ok(url, "the browser command was run");
        assert.equal(new URL(url).port, String(free), `the taken port ${taken} was skipped`);
        assert.match(url, /\/signin\.html\?token=/);
        assert.ok(first.output().includes(url), "the address is printed");

        const page = await fetch(url);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /<html/i);
        const login = await signIn(url);
        assert.equal(login.status, 200);
        const { AccessToken } = await login.json();
        assert.ok(AccessToken);

        // The web UI's Commandline page runs the bundled program's command line.
        const api = (path: string, init: RequestInit = {}) =>
          fetch(new URL(`/api/v1${path}`, url), {
            ...init,
            headers: { authorization: `Bearer ${AccessToken}`, "content-type": "application/json" },
          });
        const started = await api("/commandline", {
          method: "POST",
          body: JSON.stringify(["help", "backup"]),
        });
        assert.equal(started.status, 200);
        const { ID } = await started.json();
        const run = await until(async () => {
          const p = await (await api(`/commandline/${ID}?pagesize=1000`)).json();
          return p.Finished ? p : undefined;
        }, 60_000);
        assert.ok(run, "the command line run finished");
        assert.match(run.Items.join("\n"), /backup/i);
        assert.doesNotMatch(run.Items.join("\n"), /Module not found|error: /i);
        assert.equal((await signIn(url)).status, 401, "the sign-in token works once");

        const data = await Deno.stat(join(folder, "data"));
        assert.ok(data.isDirectory);
        assert.equal(data.mode! & 0o777, 0o700, "data/ is owner-only");
        assert.ok((await Deno.stat(join(folder, "data", "Duplicati-server.sqlite"))).isFile);

        // A second start only opens the browser to the running one.
        const second = start(join(folder, "duplicati"), env);
        const st2 = await second.done;
        assert.equal(st2.code, 0, second.output());
        assert.match(second.output(), /already running/);
        const lines = await readUrls();
        assert.equal(lines.length, 2);
        assert.equal(new URL(lines[1]).port, String(free));
        assert.notEqual(lines[1], url, "a fresh sign-in token");
        assert.equal((await signIn(lines[1])).status, 200);

        // SIGTERM stops it cleanly.
        first.child.kill("SIGTERM");
        const st = await first.done;
        assert.equal(st.code, 0, first.output());
        assert.match(first.output(), /Stopping the server/);
        await assert.rejects(fetch(url).then((r) => r.body?.cancel()));

        // Started again, it uses the port that worked last time; the end of the session stops it.
        const again = start(join(folder, "duplicati"), {
          ...env,
          DUPLICATI__WEBSERVICE_PORT: `${freePort()},${free}`,
        });
        procs.push(again);
        const third = await until(async () => (await readUrls())[2], 60_000);
        assert.ok(third, again.output());
        assert.equal(new URL(third).port, String(free));
        again.child.kill("SIGHUP");
        assert.equal((await again.done).code, 0, again.output());
      },
    );

    await t.step("duplicati-service runs the bundled server under the watchdog", async () => {
      const folder = await unzip(zip, join(work, "svc"));
      const port = freePort();
      const svc = start(join(folder, "duplicati-service"), {}, [`--webservice-port=${port}`]);
      procs.push(svc);
      const up = await until(async () => {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/health`);
          await r.body?.cancel();
          return r.ok;
        } catch {
          return false;
        }
      }, 60_000);
      assert.ok(up, svc.output());
      assert.match(svc.output(), /\[service\] Started the server \(process \d+\)/);
      assert.ok((await Deno.stat(join(folder, "data", "Duplicati-server.sqlite"))).isFile);
      svc.child.kill("SIGTERM");
      assert.equal((await svc.done).code, 0, svc.output());

      const units = join(work, "units");
      await Deno.mkdir(units);
      const install = start(join(folder, "duplicati-service"), {}, [
        "install",
        `--unit-dir=${units}`,
        "--no-activate",
      ]);
      assert.equal((await install.done).code, 0, install.output());
      const unit = await Deno.readTextFile(join(units, "duplicati.service"));
      assert.match(
        unit,
        new RegExp(
          `^ExecStart=${folder}/runtime/deno run -A --no-config \\S+ ${folder}/duplicati\\.js ` +
            "service run$",
          "m",
        ),
      );
    });

    await t.step("a read-only portable folder gives a clear error", async () => {
      const folder = await unzip(zip, join(work, "b"));
      await Deno.chmod(folder, 0o555);
      const home = join(work, "home");
      await Deno.mkdir(home, { mode: 0o777 });
      await Deno.chmod(home, 0o777);
      const env = { DENO_DIR: join(home, "deno"), HOME: home, DUPLICATI__NO_BROWSER: "true" };
      // root writes into read-only folders, so the program runs as nobody when the test is root.
      const program = join(folder, "duplicati");
      const run = Deno.uid() === 0
        ? start("setpriv", env, [
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          program,
        ])
        : start(program, env);
      procs.push(run);
      const st = await run.done;
      assert.equal(st.code, 200, run.output());
      assert.match(run.output(), /cannot be written/);
      assert.match(run.output(), /--server-datafolder=<folder>/);
      assert.match(run.output(), /DUPLICATI_HOME/);
      await assert.rejects(Deno.stat(join(folder, "data")), Deno.errors.NotFound);
      await Deno.chmod(folder, 0o755);
    });

    await t.step(
      "the unzipped folder is one `update download` can put a new version beside",
      async () => {
        const folder = await unzip(zip, join(work, "c"));
        assert.match(await Deno.readTextFile(join(folder, "README.txt")), /update download/);
        const run = start(join(folder, "duplicati"), {}, [
          "update",
          "download",
          `--update-url=http://127.0.0.1:${freePort()}/latest.json`,
        ]);
        procs.push(run);
        const st = await run.done;
        // It gets as far as asking the update server (not "is not a portable folder").
        assert.equal(st.code, 100, run.output());
        assert.match(run.output(), /update server at .* could not be reached/);
        const names = [];
        for await (const e of Deno.readDir(join(work, "c"))) names.push(e.name);
        assert.deepEqual(names, [NAME]);
      },
    );
  } finally {
    blocker.close();
    for (const p of procs) {
      try {
        p.child.kill("SIGKILL");
      } catch {
        // already ended
      }
      await p.done.catch(() => {});
    }
    await Deno.remove(work, { recursive: true });
  }
});
