/**
 * `deno run -A build/update_manifest.ts`: publishes a version for `duplicati update` and the
 * server's update check. It reads the portable zips `deno task portable` made and writes the
 * signed version manifest (see src/update/manifest.ts) to serve at the update address.
 *
 * Usage:
 *   deno run -A build/update_manifest.ts --key=<private.pem> --base-url=<where the zips go>
 *       [--notes=<release notes link>] [--out=dist/latest.json] dist/duplicati-<version>-*.zip
 *   deno run -A build/update_manifest.ts --new-key=<private.pem>
 *       makes a new Ed25519 key pair: the private key goes to the file (keep it off the
 *       repository), the public key is printed for UPDATE_SIGNING_KEYS in src/update/keys.ts.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import { basename } from "node:path";
import { signManifest, type UpdateManifest } from "../src/update/manifest.ts";

/** The manifest for the given zips (all of one version), with addresses under `baseUrl`. */
export async function manifestForZips(
  zips: string[],
  baseUrl: string,
  notes?: string,
): Promise<UpdateManifest> {
  let version: string | undefined;
  const packages: UpdateManifest["packages"] = {};
  for (const zip of zips) {
    const m = basename(zip).match(/^duplicati-(.+)-([a-z0-9]+-[a-z0-9]+)\.zip$/);
    if (!m) throw new Error(`${zip} is not named duplicati-<version>-<target>.zip`);
    if (version && version !== m[1]) throw new Error(`${zip} is not version ${version}`);
    version = m[1];
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of (await Deno.open(zip)).readable) {
      hash.update(chunk);
      size += chunk.length;
    }
    packages[m[2]] = {
      url: new URL(basename(zip), baseUrl.endsWith("/") ? baseUrl : baseUrl + "/").href,
      size,
      sha256: hash.digest("hex"),
    };
  }
  if (!version) throw new Error("Give the portable zips to publish");
  return { version, ...(notes ? { notes } : {}), released: new Date().toISOString(), packages };
}

/** Writes a new key pair; returns the public key (DER SPKI, base64). */
export function newKeyPair(privateFile: string): string {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  Deno.writeTextFileSync(
    privateFile,
    privateKey.export({ format: "pem", type: "pkcs8" }) as string,
    {
      mode: 0o600,
      createNew: true,
    },
  );
  return publicKey.export({ format: "der", type: "spki" }).toString("base64");
}

if (import.meta.main) {
  const opt = (n: string) => Deno.args.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3);
  const files = Deno.args.filter((a) => !a.startsWith("--"));
  const newKey = opt("new-key");
  if (newKey) {
    console.log(`Private key written to ${newKey}. Public key for src/update/keys.ts:`);
    console.log(newKeyPair(newKey));
    Deno.exit(0);
  }
  const key = opt("key");
  const baseUrl = opt("base-url");
  if (!key || !baseUrl || files.length === 0) {
    console.error(
      "Usage: build/update_manifest.ts --key=<private.pem> --base-url=<url> [--notes=<url>] " +
        "[--out=dist/latest.json] <zips>  |  --new-key=<private.pem>",
    );
    Deno.exit(2);
  }
  const manifest = await manifestForZips(files, baseUrl, opt("notes"));
  const out = opt("out") ?? "dist/latest.json";
  await Deno.writeTextFile(out, signManifest(manifest, await Deno.readTextFile(key)));
  console.log(
    `${out}: version ${manifest.version} for ${Object.keys(manifest.packages).join(", ")}`,
  );
}
