/**
 * Test fixtures for updates: a test Ed25519 key pair, a portable zip made like `deno task
 * portable` makes it, a current portable folder with data/, and a local HTTP server serving a
 * signed manifest and the zip.
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { zipFolder } from "../../build/portable.ts";
import { signManifest, type UpdateManifest } from "../../src/update/manifest.ts";
import { programTarget } from "../../src/core/version.ts";
import { createHash, generateKeyPairSync } from "node:crypto";

/** A fresh Ed25519 key pair: public as DER SPKI base64 (like keys.ts), private as PEM. */
export function testKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    publicKey: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
    privateKey: privateKey.export({ format: "pem", type: "pkcs8" }) as string,
  };
}

export const TARGET = programTarget();

/** Makes `duplicati-<version>-<target>.zip` in `dir` and returns its bytes. */
export async function portableZip(dir: string, version: string): Promise<Uint8Array> {
  const name = `duplicati-${version}-${TARGET}`;
  const folder = join(dir, name);
  await Deno.mkdir(join(folder, "runtime"), { recursive: true });
  await Deno.writeTextFile(join(folder, "duplicati"), `#!/bin/sh\necho ${version}\n`);
  await Deno.chmod(join(folder, "duplicati"), 0o755);
  await Deno.writeTextFile(join(folder, "README.txt"), `Duplicati ${version}\n`);
  await Deno.writeTextFile(join(folder, "LICENSE"), "licence text\n");
  await Deno.writeFile(
    join(folder, "runtime", "big.bin"),
    crypto.getRandomValues(new Uint8Array(60_000)),
  );
  await Deno.symlink("duplicati", join(folder, "duplicati-cli"));
  const zip = join(dir, `${name}.zip`);
  await zipFolder(folder, zip);
  return await Deno.readFile(zip);
}

/** A current portable folder `<parent>/duplicati-0.1.0-<target>/` with data/ (a database and a file). */
export async function currentFolder(parent: string): Promise<string> {
  const folder = join(parent, `duplicati-0.1.0-${TARGET}`);
  await Deno.mkdir(join(folder, "data", "sub"), { recursive: true });
  await Deno.writeTextFile(join(folder, "README.txt"), "Duplicati 0.1.0\n");
  await Deno.writeTextFile(join(folder, "duplicati"), "#!/bin/sh\necho 0.1.0\n");
  await Deno.writeTextFile(join(folder, "data", "sub", "notes.txt"), "keep me\n");
  const db = new DatabaseSync(join(folder, "data", "Duplicati-server.sqlite"));
  db.exec("PRAGMA journal_mode=WAL; CREATE TABLE Option (Name TEXT, Value TEXT)");
  db.prepare("INSERT INTO Option VALUES (?, ?)").run("server-timezone", "Europe/Berlin");
  db.close();
  return folder;
}

/** What the test server serves; change the fields between requests. */
export interface UpdateSite {
  url: string;
  /** The manifest envelope text at /manifest.json. */
  envelope: string;
  /** The bytes at /pkg.zip. */
  zip: Uint8Array;
  /** Requests seen, by path. */
  hits: string[];
  /** When set, /pkg.zip sends this many bytes and then nothing more (a stalled download). */
  stallAfter?: number;
  close(): Promise<void>;
}

/** The manifest for `version` with the zip's size and hash, the zip at /pkg.zip. */
export function manifestFor(version: string, zip: Uint8Array): UpdateManifest {
  return {
    version,
    notes: `https://example.org/releases/${version}`,
    packages: {
      [TARGET]: {
        url: "pkg.zip",
        size: zip.length,
        sha256: createHash("sha256").update(zip).digest("hex"),
      },
      "other-os": { url: "other.zip", size: 1, sha256: "0".repeat(64) },
    },
  };
}

/** Starts a server on 127.0.0.1:0 serving `envelope` and `zip`. */
export function startUpdateSite(envelope: string, zip: Uint8Array): UpdateSite {
  const site = { envelope, zip, hits: [] as string[] } as UpdateSite;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    site.hits.push(path);
    if (path === "/manifest.json") {
      return new Response(site.envelope, { headers: { "content-type": "application/json" } });
    }
    if (path === "/pkg.zip" && site.stallAfter !== undefined) {
      const head = site.zip.slice(0, site.stallAfter);
      let sent = false;
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(ctl) {
            if (!sent) {
              sent = true;
              ctl.enqueue(head);
            }
            return new Promise(() => {}); // never more
          },
        }),
        { headers: { "content-length": String(site.zip.length) } },
      );
    }
    if (path === "/pkg.zip") return new Response(site.zip as Uint8Array<ArrayBuffer>);
    return new Response("not found", { status: 404 });
  });
  site.url = `http://127.0.0.1:${server.addr.port}/manifest.json`;
  site.close = () => server.shutdown();
  return site;
}

export { signManifest };
