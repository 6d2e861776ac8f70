/**
 * `duplicati-service`: the watchdog brings a killed or hung server back (real server children on
 * 127.0.0.1, real signals), gives up on a server that cannot start, stops cleanly on SIGTERM; and
 * `install` / `uninstall` write and remove a systemd unit that runs the watchdog.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MAIN, runMain } from "../helpers/cli.ts";
import { until as poll } from "../helpers/server.ts";
import { type Captured, spawnCaptured } from "../helpers/spawn.ts";

/** Waits until `fn` is true; fails naming `what` when it is not within `ms`. */
async function until(fn: () => Promise<boolean> | boolean, what: string, ms: number) {
  assert.ok(await poll(fn, ms, 100), `timed out waiting for ${what}`);
}

const ROOT = join(MAIN, "..");

type Service = Captured;

/**
 * Runs the watchdog under its busybox name (`duplicati-service`, as the portable folder's link
 * does), so the server child must not inherit that name.
 */
function startService(dataFolder: string, args: string[]): Service {
  return spawnCaptured(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: {
      NO_COLOR: "1",
      DUPLICATI__SERVER_DATAFOLDER: dataFolder,
      DUPLICATI_CALLED_AS: "duplicati-service",
    },
  });
}

/** The process ids of the servers the watchdog started, in order. */
function serverPids(out: string): number[] {
  return [...out.matchAll(/Started the server \(process (\d+)\)/g)].map((m) => Number(m[1]));
}

/** The ports the servers listened on, in order. */
function serverPorts(out: string): number[] {
  return [...out.matchAll(/listening on [^,]+, port (\d+)/g)].map((m) => Number(m[1]));
}

async function health(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/health`);
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** Waits until the `n`th server (1-based) was started and answers HTTP; returns its pid and port. */
async function nthServerUp(svc: Service, n: number): Promise<{ pid: number; port: number }> {
  await until(
    () => serverPids(svc.output()).length >= n && serverPorts(svc.output()).length >= n,
    `server #${n} to start:\n${svc.output()}`,
    120_000,
  );
  const pid = serverPids(svc.output())[n - 1];
  const port = serverPorts(svc.output())[n - 1];
  await until(() => health(port), `server #${n} to answer on port ${port}`, 60_000);
  return { pid, port };
}

Deno.test({
  name: "the watchdog restarts a killed server and a hung one, and stops cleanly on SIGTERM",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "dup-service-" });
    const svc = startService(dir, [
      "--webservice-port=0",
      "--ping-interval=1s",
      "--ping-timeout=1s",
      "--ping-attempts=2",
      "--restart-delay=500ms",
    ]);
    const pids: number[] = [];
    try {
      const first = await nthServerUp(svc, 1);
      pids.push(first.pid);
      assert.notEqual(first.pid, svc.child.pid, "the server runs as a child process");

      // A crash: the watchdog starts a new server that answers again.
      Deno.kill(first.pid, "SIGKILL");
      const second = await nthServerUp(svc, 2);
      pids.push(second.pid);
      assert.notEqual(second.pid, first.pid);
      assert.match(svc.output(), /The server was ended by SIGKILL; starting it again/);

      // A hang: the stopped server misses its pings, is killed and replaced.
      Deno.kill(second.pid, "SIGSTOP");
      const third = await nthServerUp(svc, 3);
      pids.push(third.pid);
      assert.notEqual(third.pid, second.pid);
      assert.match(svc.output(), /did not answer 2 pings in a row; killing it/);
      await until(() => !alive(second.pid), "the hung server to be gone", 30_000);

      // SIGTERM to the watchdog shuts the server down and ends the watchdog with 0.
      svc.child.kill("SIGTERM");
      const st = await svc.done;
      assert.equal(st.code, 0, svc.output());
      assert.ok(!alive(third.pid), "the server stopped with the watchdog");
      assert.equal(serverPids(svc.output()).length, 3, "no start after the stop");
    } finally {
      for (const pid of [...pids, ...serverPids(svc.output())]) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      try {
        svc.child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await svc.done;
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a server whose watchdog was killed stops by itself (its standard input closes)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "dup-service-" });
    const svc = startService(dir, ["--webservice-port=0"]);
    let pid = 0;
    try {
      pid = (await nthServerUp(svc, 1)).pid;
      svc.child.kill("SIGKILL");
      await svc.done;
      await until(() => !alive(pid), "the orphaned server to stop", 30_000);
    } finally {
      if (pid && alive(pid)) Deno.kill(pid, "SIGKILL");
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the watchdog gives up on a server that never starts, with exit code 100", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dup-service-" });
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const svc = startService(dir, [
      `--webservice-port=${(busy.addr as Deno.NetAddr).port}`,
      "--max-failed-starts=2",
      "--restart-delay=200ms",
    ]);
    const st = await svc.done;
    assert.equal(st.code, 100, svc.output());
    assert.equal(serverPids(svc.output()).length, 2);
    assert.match(svc.output(), /could not listen/);
    assert.match(svc.output(), /2 times in a row; giving up/);
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad service and server options are refused before anything starts", async () => {
  const badServer = await runMain(["service", "--webservice-port=abc"]);
  assert.equal(badServer.code, 200);
  assert.match(badServer.err, /Invalid port "abc"/);
  const badSpan = await runMain(["service", "--ping-interval=soon"]);
  assert.equal(badSpan.code, 200);
  assert.match(badSpan.err, /Invalid --ping-interval "soon"/);
  const badCommand = await runMain(["service", "start"]);
  assert.equal(badCommand.code, 200);
  assert.match(badCommand.err, /Unknown service command "start": use run, install or uninstall/);
  const help = await runMain(["service", "--help"]);
  assert.equal(help.code, 0, help.err);
  assert.match(help.out, /--ping-interval/);
  assert.match(help.out, /--unit-dir/);
  assert.match(help.out, /registered with schtasks/);
  assert.match(help.out, /--webservice-port/);
});

Deno.test("install writes a systemd unit that runs the watchdog; uninstall removes it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dup-unit-" });
  try {
    const unit = join(dir, "duplicati-test.service");
    const dry = await runMain([
      "service",
      "install",
      `--unit-dir=${dir}`,
      "--service-name=duplicati-test",
      "--dry-run",
      "--webservice-port=8300",
    ]);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /Write .*duplicati-test\.service:/);
    assert.match(dry.out, /Run: systemctl enable --now duplicati-test\.service/);
    await assert.rejects(Deno.stat(unit), Deno.errors.NotFound, "--dry-run writes nothing");

    const r = await runMain([
      "service",
      "install",
      `--unit-dir=${dir}`,
      "--service-name=duplicati-test",
      "--no-activate",
      "--ping-interval=5m",
      "--webservice-port=8300",
      "--webservice-interface=any",
    ]);
    assert.equal(r.code, 0, r.err);
    const text = await Deno.readTextFile(unit);
    const exec = text.match(/^ExecStart=(.*)$/m)?.[1];
    assert.equal(
      exec,
      `${Deno.execPath()} run -A ${MAIN} service run --ping-interval=5m ` +
        "--webservice-port=8300 --webservice-interface=any",
    );
    assert.match(text, new RegExp(`^WorkingDirectory=${ROOT}$`, "m"));
    assert.match(text, /^WantedBy=multi-user\.target$/m);
    assert.doesNotMatch(text, /--unit-dir|--no-activate|--service-name/);

    const u = await runMain([
      "service",
      "uninstall",
      `--unit-dir=${dir}`,
      "--service-name=duplicati-test",
      "--no-activate",
    ]);
    assert.equal(u.code, 0, u.err);
    await assert.rejects(Deno.stat(unit), Deno.errors.NotFound);

    const extra = await runMain(["service", "uninstall", "--webservice-port=1"]);
    assert.equal(extra.code, 200);
    assert.match(extra.err, /uninstall takes only/);

    const denied = await runMain([
      "service",
      "install",
      `--unit-dir=${join(dir, "missing", "folder")}`,
      "--no-activate",
    ]);
    assert.equal(denied.code, 100);
    assert.match(denied.err, /Could not write .*--unit-dir=<folder>/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
