import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { listenAddress, parsePorts, parseServerArgs } from "../../src/server/server_options.ts";
import { startServer } from "../../src/server/server.ts";
import { Client, TEST_PASSWORD } from "../helpers/server.ts";
import { tempDir } from "../helpers/tree.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

Deno.test("server options: command line, DUPLICATI__ environment, and clear errors", () => {
  const c = parseServerArgs(["--webservice-port=8300,8400", "--webservice-interface=any"], {
    DUPLICATI__WEBSERVICE_PORT: "9999",
    DUPLICATI__WEBSERVICE_ALLOWED_HOSTNAMES: "nas.local",
    DUPLICATI__LOG_LEVEL: "Information",
    SETTINGS_ENCRYPTION_KEY: "k3y-from-env",
  });
  assert.deepEqual(c.ports, [8300, 8400]);
  assert.equal(c.listenInterface, "0.0.0.0");
  assert.equal(c.allowedHostnames, "nas.local");
  assert.equal(c.logLevel, "Information");
  assert.equal(c.settingsKey, "k3y-from-env");
  assert.equal(c.tokenDurationS, 30 * 86400);
  const d = parseServerArgs([], {});
  assert.deepEqual(d.ports, [8200]);
  assert.equal(d.listenInterface, undefined);
  assert.equal(parseServerArgs(["--webservice-api-only"], {}).apiOnly, true);
  assert.equal(listenAddress("loopback"), "127.0.0.1");
  assert.equal(listenAddress("192.168.1.5"), "192.168.1.5");
  assert.throws(() => listenAddress("wifi"), /loopback, any, or an IP/);
  assert.throws(() => parsePorts("80,http"), /Invalid port "http"/);
  assert.throws(
    () => parseServerArgs(["--webservice-prot=1"], {}),
    /Unknown server option --webservice-prot/,
  );
  assert.throws(() => parseServerArgs(["stray"], {}), /Unexpected argument/);
  assert.throws(() => parseServerArgs(["--log-level=loud"], {}), /log-level/);
  assert.throws(
    () => parseServerArgs(["--webservice-token-duration=forever"], {}),
    /token-duration/,
  );
  assert.throws(() => parseServerArgs(["--portable-mode=perhaps"], {}), /portable-mode/);
});

Deno.test("--webservice-pre-auth-tokens: ; separated, at least 10 safe characters each", () => {
  assert.deepEqual(
    parseServerArgs(["--webservice-pre-auth-tokens=abcdefghij;KLMNOPQRST_-1"], {}).preAuthTokens,
    ["abcdefghij", "KLMNOPQRST_-1"],
  );
  assert.deepEqual(parseServerArgs([], {}).preAuthTokens, []);
  for (const bad of ["short", "has space in it", "abcdefghij;tiny", "ümlautsümlauts"]) {
    assert.throws(
      () => parseServerArgs([`--webservice-pre-auth-tokens=${bad}`], {}),
      /--webservice-pre-auth-tokens.*at least 10 characters/,
      bad,
    );
  }
});

Deno.test("ports are tried in order; the port that worked is preferred next time", async () => {
  const [dir, clean] = await tempDir();
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const spare = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const busy = (blocker.addr as Deno.NetAddr).port;
  const free = (spare.addr as Deno.NetAddr).port;
  spare.close();
  try {
    const cfg = (ports: string) =>
      parseServerArgs([
        `--server-datafolder=${dir}`,
        `--webservice-port=${ports}`,
        `--webservice-password=${TEST_PASSWORD}`,
      ], {});
    const s1 = await startServer(cfg(`${busy},${free}`), {
      print: () => {},
      startScheduler: false,
    });
    assert.equal(s1.port, free);
    await s1.close();
    const s2 = await startServer(cfg(`0,${free}`), { print: () => {}, startScheduler: false });
    assert.equal(s2.port, free, "the last working port should be tried first");
    await s2.close();
    assert.throws(
      () => startServer(cfg(`${busy}`), { print: () => {}, startScheduler: false }),
      /could not listen/,
    );
  } finally {
    blocker.close();
    await clean();
  }
});

async function readUntil(
  r: ReadableStreamDefaultReader<string>,
  re: RegExp,
  out: string[],
): Promise<string> {
  let text = out.join("");
  while (!re.test(text)) {
    const { value, done } = await r.read();
    if (done) throw new Error(`output ended before ${re}: ${text}`);
    out.push(value);
    text = out.join("");
  }
  return text;
}

Deno.test("main.ts without arguments starts the server and prints the sign-in address; ping-pong and a log file", async () => {
  const [dir, clean] = await tempDir();
  const logFile = `${dir}/server.log`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    env: {
      DUPLICATI__SERVER_DATAFOLDER: dir,
      DUPLICATI__WEBSERVICE_PORT: "0",
      DUPLICATI__NO_BROWSER: "true",
      DUPLICATI__PING_PONG_KEEPALIVE: "true",
      DUPLICATI__LOG_FILE: logFile,
      DUPLICATI__LOG_LEVEL: "Information",
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out: string[] = [];
  const reader = child.stdout.pipeThrough(
    new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>,
  ).getReader();
  const writer = child.stdin.getWriter();
  try {
    const text = await readUntil(reader, /signin\.html\?token=\S+/, out);
    const url = new URL(text.match(/http:\/\/localhost:\d+\/signin\.html\?token=\S+/)![0]);
    const c = new Client(`http://127.0.0.1:${url.port}`);
    const r = await c.post("/api/v1/auth/signin", { SigninToken: url.searchParams.get("token") });
    assert.equal(r.status, 200);
    await writer.write(new TextEncoder().encode("ping\n"));
    await readUntil(reader, /pong/, out);
    await writer.write(new TextEncoder().encode("shutdown\n"));
    const status = await child.status;
    assert.equal(status.code, 0);
    assert.match(Deno.readTextFileSync(logFile), /Server started on 127\.0\.0\.1:\d+/);
  } finally {
    await writer.close().catch(() => {});
    try {
      child.kill();
    } catch { /* already gone */ }
    await child.status;
    await reader.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
    await clean();
  }
});

Deno.test("a second server process on the same data folder exits with code 200 and a clear message", async () => {
  const [dir, clean] = await tempDir();
  const { startTestServer } = await import("../helpers/server.ts");
  const t = await startTestServer([], { dataFolder: dir });
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "server", `--server-datafolder=${dir}`, "--webservice-port=0"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 200);
    assert.match(new TextDecoder().decode(r.stderr), /Another Duplicati server is already running/);
    const help = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "server", "--help"],
      stdout: "piped",
    }).output();
    assert.equal(help.code, 0);
    assert.match(new TextDecoder().decode(help.stdout), /--webservice-port/);
  } finally {
    await t.close();
    await clean();
  }
});
