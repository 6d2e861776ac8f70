/**
 * `system-info`: the facts a bug report needs — program and runtime versions, platform, paths,
 * SQLite version, and the storage types and modules this build supports.
 */
import { DatabaseSync } from "node:sqlite";
import { hostname, tmpdir } from "node:os";
import { isCompiled, resolveDataFolder } from "../core/datafolder.ts";
import { PRODUCT_NAME, VERSION } from "../core/version.ts";
import { BACKEND_MODULES } from "../backends/registry.ts";

function sqliteVersion(): string {
  try {
    const db = new DatabaseSync(":memory:");
    const v = (db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
    db.close();
    return v;
  } catch (err) {
    return `unavailable (${(err as Error).message})`;
  }
}

function safe(fn: () => string): string {
  try {
    return fn();
  } catch (err) {
    return `unavailable (${(err as Error).message})`;
  }
}

/** Returns the system information as `Name: value` lines. */
export function systemInfo(opts: { serverDatafolder?: string } = {}): string[] {
  const mem = safe(() => {
    const m = Deno.systemMemoryInfo();
    return `${Math.round(m.total / 1048576)} MiB total, ${
      Math.round(m.available / 1048576)
    } MiB available`;
  });
  const intl = Intl.DateTimeFormat().resolvedOptions();
  const now = new Date();
  return [
    `Duplicati: ${PRODUCT_NAME} ${VERSION}`,
    `Executable: ${Deno.execPath()}${isCompiled() ? " (compiled)" : " (run from source)"}`,
    `Deno: ${Deno.version.deno} (V8 ${Deno.version.v8}, TypeScript ${Deno.version.typescript})`,
    `OSType: ${Deno.build.os}`,
    `OSVersion: ${safe(() => Deno.osRelease())}`,
    `Architecture: ${Deno.build.arch}`,
    `64bit: ${/64/.test(Deno.build.arch) ? "True" : "False"}`,
    `Machinename: ${safe(() => hostname())}`,
    `Processors: ${navigator.hardwareConcurrency}`,
    `Memory: ${mem}`,
    `Locale: ${intl.locale}`,
    `Time zone: ${intl.timeZone} (UTC offset ${-now.getTimezoneOffset()} minutes)`,
    `Date/time strings: ${now.toLocaleString()} - ${now.toISOString()}`,
    `Tempdir: ${tmpdir()}`,
    `Data folder: ${safe(() => resolveDataFolder({ serverDatafolder: opts.serverDatafolder }))}`,
    `SQLite version: ${sqliteVersion()}`,
    `Storage types: ${BACKEND_MODULES.flatMap((m) => m.schemes).join(", ")}`,
    "Compression modules: zip",
    "Encryption modules: aes",
    "Generic modules: runscript, sendmail, sendhttp",
  ];
}
