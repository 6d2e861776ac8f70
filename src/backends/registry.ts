/** Chooses a backend by URL scheme. A bare path means the local folder backend. */
import { isAbsolute, resolve } from "node:path";
import { ArgumentError } from "../core/errors.ts";
import type { Backend } from "./backend.ts";
import { FileBackend } from "./file.ts";

/** The parts of a storage URL that identify a destination (used to find its local database). */
export interface StorageLocation {
  scheme: string;
  host: string;
  path: string;
  port: string;
  username: string;
  /** Options given in the URL query (`?opt=value`); they win over command line options. */
  query: Record<string, string>;
}

const URL_RE = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Parses a storage URL or a bare local path. */
export function parseStorageUrl(url: string): StorageLocation {
  if (!URL_RE.test(url) || /^[a-z]:[\\/]/i.test(url)) {
    return { scheme: "file", host: "", path: resolve(url), port: "", username: "", query: {} };
  }
  const scheme = url.match(URL_RE)![1].toLowerCase();
  if (scheme === "file") {
    // file:///abs/path, file://relative/path (Duplicati accepts both), and query options.
    let rest = url.slice("file://".length);
    const q = rest.indexOf("?");
    const query: Record<string, string> = {};
    if (q >= 0) {
      for (const [k, v] of new URLSearchParams(rest.slice(q + 1))) query[k] = v;
      rest = rest.slice(0, q);
    }
    rest = decodeURIComponent(rest);
    const path = isAbsolute(rest) || /^[a-z]:[\\/]/i.test(rest) ? rest : resolve(rest);
    return { scheme, host: "", path, port: "", username: "", query };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ArgumentError(`The storage URL "${redact(url)}" is not valid`);
  }
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) query[k] = v;
  return {
    scheme,
    host: u.hostname,
    path: decodeURIComponent(u.pathname),
    port: u.port,
    username: decodeURIComponent(u.username),
    query,
  };
}

/** The URL with any password removed, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*):[^@/]*@/, "$1:***@");
}

/** Creates the backend for a storage URL. Throws ArgumentError for an unsupported scheme. */
export function openBackend(url: string, _options: Record<string, string> = {}): Backend {
  const loc = parseStorageUrl(url);
  switch (loc.scheme) {
    case "file":
      return new FileBackend(loc.path);
    default:
      throw new ArgumentError(
        `The storage type "${loc.scheme}://" is not supported yet. Supported: file:// or a local folder path`,
      );
  }
}
