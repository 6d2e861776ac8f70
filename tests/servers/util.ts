/**
 * Small tools for the storage-server start helpers: a range of free ports (passive FTP), a
 * throwaway TLS certificate for 127.0.0.1 with its SHA-1 hash, whether we run as root.
 */
import { join } from "node:path";
import { run } from "./process.ts";
import { makeCertificate } from "./smtp.ts";

function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** The first of `count` consecutive free ports (for passive FTP ranges). */
export function freePortRange(count: number): number {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 40000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = portFree(p);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** A certificate for 127.0.0.1 in a server's folder. */
export interface TestCert {
  /** The certificate alone (what a client trusts as its CA). */
  crt: string;
  /** The private key alone. */
  key: string;
  /** Key and certificate in one file (what pure-ftpd reads). */
  both: string;
  /** SHA-1 hash, upper-case hex without separators (the form --accept-specified-ssl-hash takes). */
  sha1: string;
}

/** Makes a self-signed server certificate for 127.0.0.1 in `dir`. */
export async function makeCert(dir: string): Promise<TestCert> {
  const { cert, key } = await makeCertificate(dir);
  const both = join(dir, "both.pem");
  await Deno.writeTextFile(both, (await Deno.readTextFile(key)) + (await Deno.readTextFile(cert)));
  await Deno.chmod(key, 0o600);
  await Deno.chmod(both, 0o600);
  const fp = await run("openssl", ["x509", "-in", cert, "-noout", "-fingerprint", "-sha1"]);
  const sha1 = fp.split("=")[1].trim().replaceAll(":", "").toUpperCase();
  return { crt: cert, key, both, sha1 };
}

/** Whether the tests run as root (servers then drop to www-data/nobody and need chowns). */
export function isRoot(): boolean {
  return Deno.uid() === 0;
}
