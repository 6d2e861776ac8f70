/**
 * `duplicati update check|download` against a local update server with a test key: a good
 * update, a bad signature, a tampered or oversized zip, no newer version, an unreachable address
 * and an unsafe zip.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { runUpdate } from "../../src/tools/update.ts";
import { ZipWriter } from "../../src/format/zip.ts";
import { runMain } from "../helpers/cli.ts";
import {
  currentFolder,
  manifestFor,
  portableZip,
  signManifest,
  startUpdateSite,
  TARGET,
  testKeyPair,
} from "../helpers/update_server.ts";

const KEYS = testKeyPair();

interface Fixture {
  parent: string;
  current: string;
  zip: Uint8Array;
  out: string[];
  err: string[];
  run(args: string[], keys?: readonly string[]): Promise<number>;
  /** Names in the parent folder besides the current one. */
  others(): Promise<string[]>;
}

async function fixture(): Promise<Fixture> {
  const parent = await Deno.makeTempDir({ prefix: "dup-update-" });
  const current = await currentFolder(join(parent));
  const build = await Deno.makeTempDir({ prefix: "dup-update-build-" });
  const zip = await portableZip(build, "0.2.0");
  await Deno.remove(build, { recursive: true });
  const f: Fixture = {
    parent,
    current,
    zip,
    out: [],
    err: [],
    run: (args, keys = [KEYS.publicKey]) =>
      runUpdate(args, {
        keys,
        programFolder: current,
        print: (l) => f.out.push(l),
        printError: (l) => f.err.push(l),
      }),
    async others() {
      const names: string[] = [];
      for await (const e of Deno.readDir(parent)) {
        if (join(parent, e.name) !== current) names.push(e.name);
      }
      return names.sort();
    },
  };
  return f;
}

async function withSite(
  fn: (f: Fixture, site: ReturnType<typeof startUpdateSite>) => Promise<void>,
  version = "0.2.0",
): Promise<void> {
  const f = await fixture();
  const site = startUpdateSite(
    signManifest(manifestFor(version, f.zip), KEYS.privateKey),
    f.zip,
  );
  try {
    await fn(f, site);
  } finally {
    await site.close();
    await Deno.remove(f.parent, { recursive: true });
  }
}

Deno.test("update download: a good update is unpacked beside the current folder with data/", async () => {
  await withSite(async (f, site) => {
    const check = await f.run(["check", `--update-url=${site.url}`]);
    assert.equal(check, 0, f.err.join("\n"));
    assert.match(f.out.join("\n"), /Version 0\.2\.0 is available \(this is 0\.1\.0\)/);
    assert.match(f.out.join("\n"), /https:\/\/example\.org\/releases\/0\.2\.0/);
    assert.deepEqual(await f.others(), [], "check writes nothing");
    assert.ok(!site.hits.includes("/pkg.zip"), "check downloads nothing");

    const code = await f.run(["download", `--update-url=${site.url}`]);
    assert.equal(code, 0, f.err.join("\n"));
    const name = `duplicati-0.2.0-${TARGET}`;
    assert.deepEqual(await f.others(), [name], "only the new folder, no partial leftovers");
    const next = join(f.parent, name);
    assert.equal(await Deno.readTextFile(join(next, "duplicati")), "#!/bin/sh\necho 0.2.0\n");
    assert.equal(await Deno.readTextFile(join(next, "README.txt")), "Duplicati 0.2.0\n");
    assert.equal((await Deno.stat(join(next, "runtime", "big.bin"))).size, 60_000);
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(join(next, "duplicati"))).mode! & 0o111, 0o111, "executable");
      assert.equal(await Deno.readLink(join(next, "duplicati-cli")), "duplicati");
    }
    // data/ copied: the database as a readable snapshot, other files byte for byte.
    assert.equal(await Deno.readTextFile(join(next, "data", "sub", "notes.txt")), "keep me\n");
    const db = new DatabaseSync(join(next, "data", "Duplicati-server.sqlite"), { readOnly: true });
    assert.deepEqual(
      { ...db.prepare("SELECT Value FROM Option WHERE Name = 'server-timezone'").get() },
      { Value: "Europe/Berlin" },
    );
    db.close();
    // The current folder is untouched.
    assert.equal(await Deno.readTextFile(join(f.current, "duplicati")), "#!/bin/sh\necho 0.1.0\n");
    assert.equal(await Deno.readTextFile(join(f.current, "data", "sub", "notes.txt")), "keep me\n");
    assert.match(f.out.join("\n"), new RegExp(`ready in .*${name}`));

    // A second download finds it there and does nothing.
    f.out.length = 0;
    assert.equal(await f.run(["download", `--update-url=${site.url}`]), 0);
    assert.match(f.out.join("\n"), /already there/);
  });
});

Deno.test("update: a manifest signed with another key is refused and nothing is written", async () => {
  await withSite(async (f, site) => {
    const other = testKeyPair();
    site.envelope = signManifest(manifestFor("0.2.0", f.zip), other.privateKey);
    assert.equal(await f.run(["download", `--update-url=${site.url}`]), 100);
    assert.match(f.err.join("\n"), /not signed with this program's update key/);
    assert.deepEqual(await f.others(), []);
    assert.ok(!site.hits.includes("/pkg.zip"));

    // A manifest changed after signing fails the same way.
    const env = JSON.parse(signManifest(manifestFor("0.2.0", f.zip), KEYS.privateKey));
    const m = JSON.parse(atob(env.manifest));
    m.packages[TARGET].url = "http://127.0.0.1:1/evil.zip";
    env.manifest = btoa(JSON.stringify(m));
    site.envelope = JSON.stringify(env);
    f.err.length = 0;
    assert.equal(await f.run(["check", `--update-url=${site.url}`]), 100);
    assert.match(f.err.join("\n"), /not signed/);
  });
});

Deno.test("update: the program's own key does not accept a manifest signed with the test key", async () => {
  await withSite(async (_f, site) => {
    const r = await runMain(["update", "check", `--update-url=${site.url}`]);
    assert.equal(r.code, 100, r.out + r.err);
    assert.match(r.err, /not signed with this program's update key/);
  });
});

Deno.test("update: a tampered zip (hash mismatch) is refused and removed; nothing is replaced", async () => {
  await withSite(async (f, site) => {
    const bad = f.zip.slice();
    bad[Math.floor(bad.length / 2)] ^= 0xff;
    site.zip = bad;
    assert.equal(await f.run(["download", `--update-url=${site.url}`]), 100);
    assert.match(f.err.join("\n"), /does not match the SHA-256 in the signed manifest/);
    assert.deepEqual(await f.others(), [], "no partial download or folder left");
    assert.equal(await Deno.readTextFile(join(f.current, "duplicati")), "#!/bin/sh\necho 0.1.0\n");

    // Longer than the manifest says: stopped and removed.
    const longer = new Uint8Array(f.zip.length + 100_000);
    longer.set(f.zip);
    site.zip = longer;
    f.err.length = 0;
    assert.equal(await f.run(["download", `--update-url=${site.url}`]), 100);
    assert.match(f.err.join("\n"), /larger than the \d+ bytes the signed manifest gives/);
    assert.deepEqual(await f.others(), []);
  });
});

Deno.test("update: nothing newer means nothing to do", async () => {
  for (const version of ["0.1.0", "0.0.9"]) {
    await withSite(async (f, site) => {
      assert.equal(await f.run(["download", `--update-url=${site.url}`]), 0, f.err.join("\n"));
      assert.match(f.out.join("\n"), /0\.1\.0 is up to date/);
      assert.deepEqual(await f.others(), []);
      assert.ok(!site.hits.includes("/pkg.zip"));
    }, version);
  }
});

Deno.test("update: an unreachable address or a missing manifest gives a clear message", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const r = await runMain(["update", "check", `--update-url=http://127.0.0.1:${port}/m.json`]);
  assert.equal(r.code, 100, r.out + r.err);
  assert.match(r.err, /update server at http:\/\/127\.0\.0\.1:\d+\/m\.json could not be reached/);
  assert.match(r.err, /Check your internet connection/);

  await withSite(async (f, site) => {
    assert.equal(
      await f.run(["check", `--update-url=${site.url.replace("manifest", "nope")}`]),
      100,
    );
    assert.match(f.err.join("\n"), /could not be reached \(HTTP 404/);
    f.err.length = 0;
    assert.equal(await f.run(["check", "--update-url=ftp://example.org/m"]), 200);
    assert.match(f.err.join("\n"), /must be an http:\/\/ or https:\/\/ address/);
  });

  const usage = await runMain(["update"]);
  assert.equal(usage.code, 200);
  assert.match(usage.out, /Usage: duplicati update <check\|download>/);
  const help = await runMain(["update", "--help"]);
  assert.equal(help.code, 0);
  const bad = await runMain(["update", "install"]);
  assert.equal(bad.code, 200);
  assert.match(bad.err, /Unknown update command "install"/);
});

Deno.test("update: a zip with entries outside its folder is refused", async () => {
  await withSite(async (f, site) => {
    const name = `duplicati-0.2.0-${TARGET}`;
    const tmp = await Deno.makeTempDir();
    const path = join(tmp, "evil.zip");
    const w = ZipWriter.create(path);
    const entry = (n: string) => {
      const e = w.beginEntry(n, { compress: false });
      e.write(new TextEncoder().encode("x"));
      e.end();
    };
    entry(`${name}/README.txt`);
    entry(`${name}/../escaped.txt`);
    w.close();
    const evil = await Deno.readFile(path);
    await Deno.remove(tmp, { recursive: true });
    site.zip = evil;
    site.envelope = signManifest(manifestFor("0.2.0", evil), KEYS.privateKey);
    assert.equal(await f.run(["download", `--update-url=${site.url}`]), 100);
    assert.match(f.err.join("\n"), /cannot be unpacked safely .*not a plain relative path/);
    assert.deepEqual(await f.others(), []);
  });
});

Deno.test("update download: a folder that is not a portable folder is refused", async () => {
  await withSite(async (f, site) => {
    await Deno.remove(join(f.current, "README.txt"));
    assert.equal(await f.run(["download", `--update-url=${site.url}`]), 200);
    assert.match(f.err.join("\n"), /is not a portable folder/);
    assert.deepEqual(await f.others(), []);
  });
});

Deno.test("build/update_manifest.ts signs a manifest that the update check accepts", async () => {
  const { manifestForZips } = await import("../../build/update_manifest.ts");
  const { openSignedManifest } = await import("../../src/update/manifest.ts");
  const dir = await Deno.makeTempDir({ prefix: "dup-update-publish-" });
  try {
    const zip = await portableZip(dir, "0.4.1");
    const m = await manifestForZips(
      [join(dir, `duplicati-0.4.1-${TARGET}.zip`)],
      "https://example.org/dl",
      "https://example.org/notes",
    );
    const env = signManifest(m, KEYS.privateKey);
    const back = openSignedManifest(env, [KEYS.publicKey], "https://example.org/latest.json");
    assert.equal(back.version, "0.4.1");
    assert.equal(back.notes, "https://example.org/notes");
    assert.deepEqual(back.packages[TARGET], {
      url: `https://example.org/dl/duplicati-0.4.1-${TARGET}.zip`,
      size: zip.length,
      sha256: manifestFor("0.4.1", zip).packages[TARGET].sha256,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
