/**
 * Chooses a backend by URL scheme (a bare path means the local folder backend), parses Duplicati's
 * URL syntax, resolves the login (URL, `--auth-username`/`--auth-password`, then the
 * AUTH_USERNAME/AUTH_PASSWORD environment) and wraps the backend in the decorators.
 */
import { isAbsolute, resolve } from "node:path";
import { ArgumentError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { OptionValues } from "../core/option_values.ts";
import { expandPortablePath, isPortablePath, PORTABLE_MARKER } from "../core/portable_paths.ts";
import { findOption, type OptionDef, registerOptions } from "../core/options.ts";
import type { Backend } from "./backend.ts";
import { COMMON_BACKEND_OPTIONS, decorateBackend } from "./decorate.ts";
import { FileBackend } from "./file.ts";
import { FTP_MODULE } from "./ftp.ts";
import { RCLONE_MODULE } from "./rclone.ts";
import { S3_MODULE } from "./s3.ts";
import { SSH_MODULE } from "./ssh.ts";
import { WEBDAV_MODULE } from "./webdav.ts";
import { FAULTS_ENV, FaultyBackend, parseFaultRules } from "./faulty.ts";

/** The parts of a storage URL that identify a destination (used to find its local database). */
export interface StorageLocation {
  scheme: string;
  host: string;
  path: string;
  port: string;
  username: string;
  /** The password given in the URL, if any (never shown). */
  password?: string;
  /** Options given in the URL query (`?opt=value`); they win over command line options. */
  query: Record<string, string>;
  /**
   * For a local folder given relative to the portable folder (`file://%PORTABLE%/backups`): the
   * path as written, while `path` is where it is now. What identifies the backup keys on this.
   */
  portablePath?: string;
}

/** What a backend factory gets. */
export interface BackendContext {
  /** The URL without its password, for messages. */
  displayUrl: string;
  location: StorageLocation;
  /** Command line options with the URL's query options applied on top. */
  options: OptionValues;
  /** Login from the URL, else the options, else the environment. */
  username?: string;
  password?: string;
}

/** One kind of backend: its URL schemes, its options and how to open it. */
export interface BackendModule {
  schemes: string[];
  /** One line for help and the tools. */
  description: string;
  options: OptionDef[];
  create(ctx: BackendContext): Backend;
}

const FILE_MODULE: BackendModule = {
  schemes: ["file"],
  description: "A local or mounted folder: file:///path or a bare path",
  options: [],
  create: (ctx) => new FileBackend(ctx.location.path),
};

/** TEST-ONLY fault injection (see faulty.ts); present only when DUPLICATI_TEST_FAULTS=1. */
const FAULTY_MODULE: BackendModule = {
  schemes: ["faulty"],
  description: "Test only: a local folder that fails or crashes on purpose",
  options: [],
  create: (ctx) =>
    new FaultyBackend(ctx.location.path, parseFaultRules(new URLSearchParams(ctx.location.query))),
};

function faultsEnabled(): boolean {
  try {
    return Deno.env.get(FAULTS_ENV) === "1";
  } catch {
    return false;
  }
}

/** Every built-in backend. */
export const BACKEND_MODULES: BackendModule[] = [
  FILE_MODULE,
  WEBDAV_MODULE,
  FTP_MODULE,
  S3_MODULE,
  SSH_MODULE,
  RCLONE_MODULE,
  ...(faultsEnabled() ? [FAULTY_MODULE] : []),
];

let registered = false;
/** Declares the backends' options in the options registry (once; shared names once). */
export function registerBackendOptions(): void {
  if (registered) return;
  registered = true;
  const seen = new Set<string>();
  const defs: OptionDef[] = [];
  for (const d of [...COMMON_BACKEND_OPTIONS, ...BACKEND_MODULES.flatMap((m) => m.options)]) {
    if (seen.has(d.name) || findOption(d.name)) continue;
    seen.add(d.name);
    defs.push(d);
  }
  registerOptions(defs);
}
registerBackendOptions();

const URL_RE = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Parses a storage URL or a bare local path. Throws ArgumentError for a malformed URL. */
export function parseStorageUrl(url: string): StorageLocation {
  if (!URL_RE.test(url) || /^[a-z]:[\\/]/i.test(url)) {
    const portablePath = isPortablePath(url) ? url : undefined;
    const path = resolve(expandPortablePath(url));
    return { scheme: "file", host: "", path, port: "", username: "", query: {}, portablePath };
  }
  const scheme = url.match(URL_RE)![1].toLowerCase();
  if (scheme === "file" || scheme === "faulty") { // faulty: test-only, see faulty.ts
    // file:///abs/path, file://relative/path (Duplicati accepts both), and query options.
    let rest = url.slice(scheme.length + "://".length);
    const q = rest.indexOf("?");
    const query: Record<string, string> = {};
    if (q >= 0) {
      for (const [k, v] of new URLSearchParams(rest.slice(q + 1))) query[k] = v;
      rest = rest.slice(0, q);
    }
    if (isPortablePath(rest)) {
      // "%PO" is not a percent escape: only the part after the marker is decoded.
      const n = PORTABLE_MARKER.length;
      const portablePath = rest.slice(0, n) + decodeURIComponent(rest.slice(n));
      const path = expandPortablePath(portablePath);
      return { scheme, host: "", path, port: "", username: "", query, portablePath };
    }
    rest = decodeURIComponent(rest);
    const path = isAbsolute(rest) || /^[a-z]:[\\/]/i.test(rest) ? rest : resolve(rest);
    return { scheme, host: "", path, port: "", username: "", query };
  }
  let u: URL;
  try {
    // Parsed as http so the WHATWG parser splits user, host and port for every scheme.
    u = new URL("http" + url.slice(scheme.length));
  } catch {
    throw new ArgumentError(
      `The storage URL "${
        redact(url)
      }" is not valid. Use scheme://[user[:password]@]host[:port]/path[?option=value]`,
    );
  }
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) query[k] = v;
  return {
    scheme,
    host: u.hostname,
    path: decodeURIComponent(u.pathname),
    port: u.port,
    username: decodeURIComponent(u.username),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    query,
  };
}

/** The URL with any password removed, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*):[^@/]*@/, "$1:***@");
}

/** The backend module for a URL scheme, or undefined. */
export function findBackendModule(scheme: string): BackendModule | undefined {
  const s = scheme.toLowerCase();
  return BACKEND_MODULES.find((m) => m.schemes.includes(s));
}

function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates the undecorated backend for a storage URL. Throws ArgumentError for an unsupported
 * scheme or a malformed URL.
 */
export function openRawBackend(
  url: string,
  options: OptionValues | Record<string, string> = {},
): Backend {
  const loc = parseStorageUrl(url);
  const mod = findBackendModule(loc.scheme);
  if (!mod) {
    const known = BACKEND_MODULES.flatMap((m) => m.schemes).map((s) => `${s}://`).join(", ");
    throw new ArgumentError(
      `The storage type "${loc.scheme}://" is not supported. Supported: ${known} or a local folder path`,
    );
  }
  const base = options instanceof OptionValues ? options : new OptionValues(options);
  const opts = Object.keys(loc.query).length ? base.with(loc.query) : base;
  const username = loc.username || opts.str("auth-username") || envVar("AUTH_USERNAME");
  const password = loc.password ?? (opts.str("auth-password") || envVar("AUTH_PASSWORD"));
  return mod.create({ displayUrl: redact(url), location: loc, options: opts, username, password });
}

/**
 * Creates the backend for a storage URL with retries, throttling, timeouts and upload checks
 * applied as the options say. Throws ArgumentError for an unsupported scheme or a malformed URL.
 */
export function openBackend(
  url: string,
  options: OptionValues | Record<string, string> = {},
  logger?: Logger,
): Backend {
  const base = options instanceof OptionValues ? options : new OptionValues(options);
  const loc = parseStorageUrl(url);
  const opts = Object.keys(loc.query).length ? base.with(loc.query) : base;
  return decorateBackend(openRawBackend(url, base), opts, logger);
}
