/**
 * THE backend conformance suite: the same checks, unchanged, for every backend on its real
 * server. A backend test file provides a {@link ConformanceTarget} and calls
 * {@link runConformance}:
 *
 * ```ts
 * runConformance("sftp (OpenSSH, key)", async () => {
 *   const server = await startSshd();
 *   return { url: server.url("backup"), options: {...}, stopServer: ..., startServer: ...,
 *            cleanup: () => server.stop() };
 * });
 * ```
 *
 * Every backend is opened through `openBackend`, i.e. with the retry, timeout, throttle and
 * upload-check decorators, exactly as the engine opens it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Backend } from "../../src/backends/backend.ts";
import {
  BackendError,
  FileMissingError,
  FolderMissingError,
  isPermanent,
} from "../../src/backends/backend.ts";
import { openBackend } from "../../src/backends/registry.ts";
import { Logger } from "../../src/core/log.ts";

/** A destination on a running server, prepared by the backend's test file. */
export interface ConformanceTarget {
  /** URL of an empty folder on the server; it need not exist yet. */
  url: string;
  /** Options for openBackend: credentials, host keys, certificates... */
  options: Record<string, string>;
  /** The same destination with a wrong password or key; omit for backends without a login. */
  wrongCredentials?: { url: string; options: Record<string, string> };
  /** Stops the server, breaking open connections; omit when there is no server. */
  stopServer?: () => Promise<void>;
  /** Starts the server again on the same port and data after `stopServer`. */
  startServer?: () => Promise<void>;
  /** The URL of sub folder `name` of `url` (default: `/name` appended before any query). */
  childUrl?: (name: string) => string;
  /** Stops servers and removes temp data. Called even when a step fails. */
  cleanup(): Promise<void>;
}

/** Size of the big file; 60 MB as the acceptance asks (larger than one default dblock). */
export const BIG_FILE = 60 * 1024 * 1024;

/** Defaults for the suite: quick retries so failure cases finish fast. */
const FAST = { "number-of-retries": "2", "retry-delay": "200ms" };

function defaultChild(url: string, name: string): string {
  const q = url.indexOf("?");
  const base = q >= 0 ? url.slice(0, q) : url;
  const query = q >= 0 ? url.slice(q) : "";
  return `${base.replace(/\/+$/, "")}/${encodeURIComponent(name)}${query}`;
}

/** Random files and their hashes (shared with the backend tester). */
export { hashFile as sha256File, randomFile } from "../../src/tools/random_file.ts";
import { hashFile as sha256File, randomFile } from "../../src/tools/random_file.ts";

function retryCounter(): { logger: Logger; retries: () => number } {
  let n = 0;
  return {
    logger: new Logger((e) => {
      if (e.level === "Retry") n++;
    }),
    retries: () => n,
  };
}

async function names(b: Backend): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const e of await b.list()) if (!e.isFolder) m.set(e.name, e.size);
  return m;
}

/**
 * Registers one Deno test named `conformance: <name>` whose steps check the backend contract
 * against the target `setup` prepares. Steps: folder auto-create, empty listing, 0 B / 1 B /
 * 60 MB round trips, awkward names, overwrite, parallel uploads, missing files, quota/test,
 * wrong credentials (clear, not retried), and, with a server that can be stopped, a transfer
 * broken by the server stopping (retried, then a clear error) and healing once it is back.
 */
export function runConformance(
  name: string,
  setup: () => Promise<ConformanceTarget>,
  o: { ignore?: boolean } = {},
): void {
  Deno.test({
    name: `conformance: ${name}`,
    ignore: o.ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async (t) => {
      const target = await setup();
      const tmp = await Deno.makeTempDir({ prefix: "conformance-" });
      const open = (url = target.url, extra: Record<string, string> = {}, logger?: Logger) =>
        openBackend(url, { ...target.options, ...FAST, ...extra }, logger);
      const child = (n: string) =>
        target.childUrl ? target.childUrl(n) : defaultChild(target.url, n);
      const opened: Backend[] = [];
      const track = (b: Backend) => (opened.push(b), b);
      try {
        const b = track(open());

        await t.step("a missing folder is reported or empty, then created", async () => {
          const nested = track(open(child("new folder")));
          let listed: unknown;
          try {
            listed = await nested.list();
          } catch (err) {
            assert.ok(
              err instanceof FolderMissingError,
              `list of a missing folder: expected FolderMissingError, got ${err}`,
            );
          }
          if (listed !== undefined) assert.deepEqual(listed, []);
          await nested.createFolder();
          await nested.createFolder(); // a second time is no error
          assert.deepEqual(await nested.list(), []);
          const f = await randomFile(tmp, 10);
          await nested.put("in-new-folder.bin", f.path);
          assert.deepEqual([...(await names(nested))], [["in-new-folder.bin", 10]]);
          await nested.delete("in-new-folder.bin");
        });

        await t.step("empty listing", async () => {
          await b.createFolder();
          const entries = (await b.list()).filter((e) => !e.isFolder || e.name !== "new folder");
          assert.deepEqual(entries, []);
          await b.test();
        });

        for (const size of [0, 1, BIG_FILE]) {
          await t.step(`put, list, get and delete a ${size} byte file`, async () => {
            const f = await randomFile(tmp, size);
            const remote = `file-${size}.bin`;
            await b.put(remote, f.path);
            assert.equal((await names(b)).get(remote), size);
            const back = join(tmp, `back-${size}`);
            await b.get(remote, back);
            assert.equal((await Deno.stat(back)).size, size);
            assert.equal(await sha256File(back), f.sha256);
            await b.delete(remote);
            assert.equal((await names(b)).has(remote), false);
            await Deno.remove(back);
            await Deno.remove(f.path);
          });
        }

        await t.step("names with spaces, unicode and URL characters", async () => {
          const awkward = [
            "a file with spaces.bin",
            "ünïcødé-文件-ø.bin",
            "plus+and&percent%20 hash#1;semi=eq.bin",
          ];
          for (const [i, n] of awkward.entries()) {
            const f = await randomFile(tmp, 100 + i);
            await b.put(n, f.path);
            const back = join(tmp, `awkward-${i}`);
            await b.get(n, back);
            assert.equal(await sha256File(back), f.sha256, n);
          }
          const listed = await names(b);
          for (const [i, n] of awkward.entries()) assert.equal(listed.get(n), 100 + i, n);
          for (const n of awkward) await b.delete(n);
          assert.deepEqual([...(await names(b))], []);
        });

        await t.step("overwrite replaces the content", async () => {
          const first = await randomFile(tmp, 5000);
          const second = await randomFile(tmp, 1234);
          await b.put("same.bin", first.path);
          await b.put("same.bin", second.path);
          assert.deepEqual([...(await names(b))], [["same.bin", 1234]]);
          const back = join(tmp, "same-back");
          await b.get("same.bin", back);
          assert.equal(await sha256File(back), second.sha256);
          await b.delete("same.bin");
        });

        await t.step("parallel uploads and downloads", async () => {
          const files = await Promise.all([0, 1, 2, 3].map((i) => randomFile(tmp, 300_000 + i)));
          await Promise.all(files.map((f, i) => b.put(`par-${i}.bin`, f.path)));
          const listed = await names(b);
          for (let i = 0; i < 4; i++) assert.equal(listed.get(`par-${i}.bin`), 300_000 + i);
          await Promise.all(files.map((_, i) => b.get(`par-${i}.bin`, join(tmp, `par-back-${i}`))));
          for (const [i, f] of files.entries()) {
            assert.equal(await sha256File(join(tmp, `par-back-${i}`)), f.sha256);
          }
          await Promise.all(files.map((_, i) => b.delete(`par-${i}.bin`)));
          assert.deepEqual([...(await names(b))], []);
        });

        await t.step("missing files give FileMissingError, without retries", async () => {
          const { logger, retries } = retryCounter();
          const m = track(open(target.url, {}, logger));
          await assert.rejects(m.get("no-such-file.bin", join(tmp, "x")), FileMissingError);
          await assert.rejects(m.delete("no-such-file.bin"), FileMissingError);
          assert.equal(retries(), 0);
          if (m.stat) assert.equal(await m.stat("no-such-file.bin"), undefined);
        });

        await t.step("quota, where the service has one, is numbers", async () => {
          const q = await b.quota?.();
          if (q) {
            assert.ok(Number.isFinite(q.total) && Number.isFinite(q.free), JSON.stringify(q));
            assert.ok(q.free <= q.total || q.total < 0, JSON.stringify(q));
          }
        });

        if (target.wrongCredentials) {
          const wrong = target.wrongCredentials;
          await t.step("wrong credentials: a clear error, not retried", async () => {
            const { logger, retries } = retryCounter();
            const w = track(openBackend(wrong.url, { ...wrong.options, ...FAST }, logger));
            const err = await w.list().then(() => undefined, (e) => e);
            assert.ok(err instanceof Error, "listing with wrong credentials must fail");
            assert.ok(isPermanent(err), `expected an error marked permanent, got ${err}`);
            assert.match(
              err.message,
              /password|credential|authenticat|login|key|denied|access|permission|forbidden|unauthori[sz]ed/i,
            );
            assert.equal(retries(), 0, "wrong credentials must not be retried");
          });
        }

        if (target.stopServer && target.startServer) {
          const { stopServer, startServer } = target;
          await t.step(
            "server stopped during a transfer: retries, then a clear error",
            async () => {
              const { logger, retries } = retryCounter();
              // 16 MB at 4 MB/s: the upload is surely running when the server stops after 1 s.
              const s = track(open(target.url, {
                "throttle-upload": "4mb",
                "read-write-timeout": "3s",
              }, logger));
              const f = await randomFile(tmp, 16 * 1024 * 1024);
              const put = s.put("interrupted.bin", f.path).then(() => undefined, (e) => e);
              await new Promise((r) => setTimeout(r, 1000));
              await stopServer();
              const err = await put;
              try {
                assert.ok(err instanceof BackendError, `expected BackendError, got ${err}`);
                assert.match(err.message, /interrupted\.bin/);
                assert.match(err.message, /failed after 3 attempts/);
                assert.equal(retries(), 2);
              } finally {
                await startServer();
              }
            },
          );

          await t.step("an operation heals when the server comes back", async () => {
            await stopServer();
            const { logger, retries } = retryCounter();
            const s = track(open(target.url, {
              "number-of-retries": "20",
              "retry-delay": "250ms",
            }, logger));
            const listing = s.list();
            await new Promise((r) => setTimeout(r, 1200));
            await startServer();
            const entries = await listing;
            assert.ok(Array.isArray(entries));
            assert.ok(retries() >= 1, "the listing should have been retried");
            const f = await randomFile(tmp, 1000);
            await s.put("after-restart.bin", f.path);
            assert.equal((await names(s)).get("after-restart.bin"), 1000);
            await s.delete("after-restart.bin");
            for (const e of await s.list()) {
              if (!e.isFolder) await s.delete(e.name).catch(() => {});
            }
          });
        }
      } finally {
        for (const b of opened) await b.close().catch(() => {});
        await target.cleanup().catch((e) => console.error("cleanup failed:", e));
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
      }
    },
  });
}
