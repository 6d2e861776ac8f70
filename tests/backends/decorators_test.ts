/**
 * The decorators around every backend: retries, the shared throttle, idle timeouts and the upload
 * size check. The faults (a truncating upload, a stalling stream, flaky calls) are injected by
 * small wrappers around the real file backend, because a real server cannot be asked to
 * misbehave on cue; the conformance suite covers the same paths against real servers.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Backend } from "../../src/backends/backend.ts";
import { AuthenticationError, BackendError, FileMissingError } from "../../src/backends/backend.ts";
import { decorateBackend } from "../../src/backends/decorate.ts";
import { FileBackend } from "../../src/backends/file.ts";
import { openBackend, parseStorageUrl } from "../../src/backends/registry.ts";
import { TokenBucket } from "../../src/backends/throttle.ts";
import { BackendTimeoutError } from "../../src/backends/timeouts.ts";
import { UploadVerificationError } from "../../src/backends/transfer_controls.ts";
import { Logger } from "../../src/core/log.ts";
import { OptionValues } from "../../src/core/option_values.ts";

async function setup() {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "dest"));
  const src = join(dir, "src.bin");
  await Deno.writeFile(src, new Uint8Array(100_000).fill(7));
  return { dir, dest: join(dir, "dest"), src };
}

function logCount() {
  const lines: string[] = [];
  return { logger: new Logger((e) => e.level === "Retry" && lines.push(e.message)), lines };
}

const QUICK = new OptionValues({ "number-of-retries": "3", "retry-delay": "10ms" });

Deno.test("retry: a flaky operation heals; the number of attempts is bounded", async () => {
  const { dir, dest, src } = await setup();
  try {
    let failures = 2;
    const inner = new FileBackend(dest);
    const flaky: Backend = Object.assign(Object.create(inner), {
      put(n: string, p: string) {
        if (failures-- > 0) return Promise.reject(new Error("connection reset"));
        return inner.put(n, p);
      },
    });
    const { logger, lines } = logCount();
    const b = decorateBackend(flaky, QUICK, logger);
    await b.put("x.bin", src);
    assert.equal(lines.length, 2);
    assert.match(lines[0], /Uploading x\.bin failed \(attempt 1 of 4\).*connection reset/);

    failures = 100;
    const err = await b.put("y.bin", src).catch((e) => e);
    assert.ok(err instanceof BackendError);
    assert.match(err.message, /Uploading y\.bin on .* failed after 4 attempts: connection reset/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("retry: permanent errors and missing files are not retried", async () => {
  const { dir, dest } = await setup();
  try {
    const inner = new FileBackend(dest);
    const denied: Backend = Object.assign(Object.create(inner), {
      list: () => Promise.reject(new AuthenticationError("Wrong password for test@host")),
    });
    const { logger, lines } = logCount();
    await assert.rejects(decorateBackend(denied, QUICK, logger).list(), AuthenticationError);
    await assert.rejects(
      decorateBackend(inner, QUICK, logger).get("nope", join(dir, "n")),
      FileMissingError,
    );
    assert.equal(lines.length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("retry: a delete that reached the server before failing counts as done", async () => {
  const { dir, dest, src } = await setup();
  try {
    const inner = new FileBackend(dest);
    await inner.put("d.bin", src);
    let first = true;
    const lossy: Backend = Object.assign(Object.create(inner), {
      async delete(n: string) {
        await inner.delete(n);
        if (first) {
          first = false;
          throw new Error("connection lost before the reply");
        }
      },
    });
    await decorateBackend(lossy, QUICK).delete("d.bin");
    assert.deepEqual(await inner.list(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("upload check: a truncated upload is caught and re-sent", async () => {
  const { dir, dest, src } = await setup();
  try {
    const inner = new FileBackend(dest);
    let truncations = 1;
    const cutting: Backend = Object.assign(Object.create(inner), {
      async put(n: string, p: string) {
        await inner.put(n, p);
        if (truncations-- > 0) await Deno.truncate(join(dest, n), 1000);
      },
      putStream: undefined,
    });
    const { logger, lines } = logCount();
    await decorateBackend(cutting, QUICK, logger).put("v.bin", src);
    assert.equal((await Deno.stat(join(dest, "v.bin"))).size, 100_000);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /has 1000 bytes .* but 100000 bytes locally/);

    truncations = 100;
    const err = await decorateBackend(cutting, QUICK).put("w.bin", src).catch((e) => e);
    assert.ok(err instanceof BackendError);
    assert.ok(err.cause instanceof UploadVerificationError);

    // Turned off, the check does not run.
    truncations = 1;
    await decorateBackend(cutting, QUICK.with({ "disable-length-verification": "true" }))
      .put("z.bin", src);
    assert.equal((await Deno.stat(join(dest, "z.bin"))).size, 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("read-write timeout: a stalled download fails and is retried", async () => {
  const { dir, dest, src } = await setup();
  try {
    const inner = new FileBackend(dest);
    await inner.put("s.bin", src);
    let cancelled = 0;
    const stalling: Backend = Object.assign(Object.create(inner), {
      localPath: undefined,
      getStream: () =>
        Promise.resolve(
          new ReadableStream<Uint8Array>({
            start(c) {
              c.enqueue(new Uint8Array(10));
            },
            cancel() {
              cancelled++;
            },
          }),
        ),
    });
    const { logger, lines } = logCount();
    const opts = QUICK.with({ "read-write-timeout": "150ms", "number-of-retries": "1" });
    const err = await decorateBackend(stalling, opts, logger).get("s.bin", join(dir, "o"))
      .catch((e) => e);
    assert.ok(err instanceof BackendError, String(err));
    assert.ok(err.cause instanceof BackendTimeoutError);
    assert.match(err.message, /Download of s\.bin: no data moved for 150ms/);
    assert.equal(lines.length, 1);
    assert.equal(cancelled, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("throttle: one bucket shared by concurrent transfers limits their sum", async () => {
  let now = 0;
  const bucket = new TokenBucket(() => now, (ms) => {
    now += ms;
    return Promise.resolve();
  });
  bucket.rate = 1000; // bytes per second
  // Two "transfers" of 5 x 1000 bytes each, interleaved: 10 000 bytes need about 10 s.
  const transfer = async () => {
    for (let i = 0; i < 5; i++) await bucket.take(1000);
  };
  await Promise.all([transfer(), transfer()]);
  assert.ok(now >= 9_700 && now <= 10_000, `virtual time ${now}`);
  bucket.rate = 0;
  const before = now;
  await bucket.take(1e9);
  assert.equal(now, before, "unlimited takes no time");
});

Deno.test("throttled transfer through the file backend keeps the bytes intact", async () => {
  const { dir, dest, src } = await setup();
  try {
    const b = openBackend(dest, { "throttle-upload": "100mb", "throttle-download": "100mb" });
    await b.put("t.bin", src);
    assert.equal(b.localPath?.("t.bin"), undefined, "no in-place reads while throttling");
    await b.get("t.bin", join(dir, "t.out"));
    assert.deepEqual(await Deno.readFile(join(dir, "t.out")), await Deno.readFile(src));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("registry: URL syntax, login sources and unsupported schemes", () => {
  const loc = parseStorageUrl(
    "ssh://us%40er:p%3Ass@example.org:2222/some%20path/x?ssh-fingerprint=abc",
  );
  assert.equal(loc.scheme, "ssh");
  assert.equal(loc.username, "us@er");
  assert.equal(loc.password, "p:ss");
  assert.equal(loc.host, "example.org");
  assert.equal(loc.port, "2222");
  assert.equal(loc.path, "/some path/x");
  assert.deepEqual(loc.query, { "ssh-fingerprint": "abc" });
  assert.throws(() => openBackend("nosuch://host/path"), /not supported.*file:\/\//);
});

Deno.test("throttle: backends opened with the same limit share one bucket, others do not touch it", async () => {
  const { sharedBucket } = await import("../../src/backends/throttle.ts");
  const a = sharedBucket("upload", 123_000);
  assert.equal(sharedBucket("upload", 123_000), a);
  // Opening a backend without a limit (e.g. a connection test) leaves the limited bucket alone.
  const dir = await Deno.makeTempDir();
  try {
    openBackend(dir, { "throttle-upload": "0" });
    assert.equal(a.rate, 123_000);
    assert.notEqual(sharedBucket("download", 123_000), a);
    assert.equal(sharedBucket("upload", 0).rate, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
