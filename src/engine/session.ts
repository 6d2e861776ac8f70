/**
 * What every operation needs before it starts: the backend, the local database, the format
 * settings (block size, hashes, prefix, encryption), a temp folder and the CPU pool.
 */
import { join } from "node:path";
import type { OptionValues } from "../core/option_values.ts";
import { ArgumentError } from "../core/errors.ts";
import { ensureDataFolder } from "../core/datafolder.ts";
import { Logger } from "../core/log.ts";
import type { Backend } from "../backends/backend.ts";
import { openBackend, parseStorageUrl, redact } from "../backends/registry.ts";
import { locateDatabase } from "../db/dbconfig.ts";
import { LocalDatabase } from "../db/local_database.ts";
import { addRemoteOperations, purgeLogsBefore } from "../db/operation_log.ts";
import { CpuPool } from "./cpu_pool.ts";
import { RecordingBackend, RemoteLog } from "./remote_log.ts";

/** The remote format settings of one backup. */
export interface FormatSettings {
  blocksize: number;
  blockHash: string;
  fileHash: string;
  hashSize: number;
  prefix: string;
  compression: string;
  /** Undefined when the backup is not encrypted. */
  passphrase?: string;
  encryption?: string;
  zipLevel: number;
  dblockSize: number;
}

/** Reads the format settings from the options; throws ArgumentError for impossible values. */
export function formatSettings(opts: OptionValues): FormatSettings {
  const blocksize = opts.size("blocksize", 1024 * 1024)!;
  if (blocksize < 1024 || blocksize > 0x7fffffff || blocksize % 32 !== 0) {
    throw new ArgumentError(
      `Invalid value for --blocksize: ${blocksize} bytes. Use at least 1kb, a multiple of 32 bytes`,
    );
  }
  const dblockSize = opts.size("dblock-size", 50 * 1024 * 1024)!;
  if (dblockSize < 1024 * 1024) {
    throw new ArgumentError("Invalid value for --dblock-size: the smallest allowed is 1mb");
  }
  for (const o of ["block-hash-algorithm", "file-hash-algorithm"]) {
    if (opts.has(o) && opts.str(o)!.toUpperCase() !== "SHA256") {
      throw new ArgumentError(`--${o}=${opts.str(o)} is not supported; only SHA256 is`);
    }
  }
  const prefix = opts.str("prefix") ?? "duplicati";
  if (prefix.includes("-") || prefix === "") {
    throw new ArgumentError(
      `Invalid value for --prefix: "${prefix}" must not be empty or contain "-"`,
    );
  }
  const compression = (opts.str("compression-module") ?? "zip").toLowerCase();
  if (compression !== "zip") {
    throw new ArgumentError(`--compression-module=${compression} is not supported; use zip`);
  }
  let passphrase: string | undefined = opts.str("passphrase");
  const noEnc = opts.bool("no-encryption");
  if (noEnc || passphrase === "") passphrase = undefined;
  const encModule = (opts.str("encryption-module") ?? "aes").toLowerCase();
  if (passphrase !== undefined && encModule !== "aes") {
    throw new ArgumentError(`--encryption-module=${encModule} is not supported; use aes`);
  }
  const level = opts.int("zip-compression-level", 2)!;
  if (level < 0 || level > 9) {
    throw new ArgumentError("Invalid value for --zip-compression-level: use 0 to 9");
  }
  return {
    blocksize,
    blockHash: "SHA256",
    fileHash: "SHA256",
    hashSize: 32,
    prefix,
    compression,
    passphrase,
    encryption: passphrase !== undefined ? "aes" : undefined,
    zipLevel: level,
    dblockSize,
  };
}

/** Finds the local database path for a storage URL (`--dbpath` wins). */
export function databasePathFor(url: string, opts: OptionValues): string {
  const explicit = opts.str("dbpath");
  if (explicit) return explicit;
  const folder = ensureDataFolder({ serverDatafolder: opts.str("server-datafolder") });
  const loc = parseStorageUrl(url);
  return locateDatabase(folder, {
    type: loc.scheme,
    server: loc.host,
    // Where a portable destination is now changes when its folder moves; its name does not.
    path: loc.portablePath ?? loc.path,
    prefix: opts.str("prefix") ?? "duplicati",
    username: loc.username || (opts.str("auth-username") ?? ""),
    port: loc.port ? Number(loc.port) : -1,
  });
}

/**
 * An open operation context; `close()` releases everything. Every remote operation goes through
 * `backend`, which records it in `remoteLog`; `close()` writes that log to the backup's local
 * database when there is one.
 */
export class Session {
  readonly logger: Logger;
  readonly startedAt = Date.now();
  /** The newest Operation row of the backup's database when the session opened (0: none). */
  lastOperationBefore = 0;
  private closers: (() => void | Promise<void>)[] = [];
  constructor(
    readonly url: string,
    readonly opts: OptionValues,
    readonly backend: Backend,
    readonly tempDir: string,
    readonly pool: CpuPool,
    logger: Logger,
    /** The operation's name for the log when it records no operation row itself. */
    readonly operation = "Operation",
    /** What went through `backend` (a RecordingBackend over the same log). */
    readonly remoteLog = new RemoteLog(),
  ) {
    this.logger = logger;
  }

  /**
   * Opens backend, temp folder and CPU pool. The database is opened separately when needed.
   * `operation` names the run in the remote operation log (Backup, Restore, Test, ...).
   */
  static async open(
    url: string,
    opts: OptionValues,
    logger = new Logger(),
    operation = "Operation",
  ): Promise<Session> {
    const log = new RemoteLog();
    const lastOperation = lastOperationId(url, opts);
    const backend = new RecordingBackend(openBackend(url, opts, logger), log);
    const base = opts.str("tempdir");
    if (base) await Deno.mkdir(base, { recursive: true });
    const tempDir = await Deno.makeTempDir({ dir: base, prefix: "dup-" });
    const threads = opts.has("concurrency-compressors")
      ? opts.int("concurrency-compressors", 2)!
      : Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1));
    const pool = new CpuPool(threads);
    await pool.ready();
    const s = new Session(url, opts, backend, tempDir, pool, logger, operation, log);
    s.lastOperationBefore = lastOperation;
    return s;
  }

  /** Text for messages: the URL without credentials. */
  get displayUrl(): string {
    return redact(this.url);
  }

  /** A fresh temp file path inside the session's temp folder. */
  tempFile(suffix = ""): string {
    return join(this.tempDir, `${crypto.randomUUID()}${suffix}`);
  }

  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.reverse()) {
      try {
        await fn();
      } catch { /* keep closing */ }
    }
    this.pool.close();
    this.writeRemoteLog();
    await this.backend.close().catch(() => {});
    await Deno.remove(this.tempDir, { recursive: true }).catch(() => {});
  }

  /**
   * Adds the recorded remote operations to the backup's local database, if it exists (an
   * operation on a temporary database, or with --no-local-db, has nowhere to keep them), and
   * drops log rows older than --log-retention.
   */
  private writeRemoteLog(): void {
    const entries = this.remoteLog.entries.splice(0);
    if (entries.length === 0 || this.opts.bool("no-local-db")) return;
    let db: LocalDatabase | undefined;
    try {
      const path = databasePathFor(this.url, this.opts);
      try {
        Deno.statSync(path);
      } catch {
        return;
      }
      db = LocalDatabase.open(path, { create: false });
      addRemoteOperations(
        db,
        entries.map((e) => ({
          Timestamp: e.timestamp,
          Operation: e.operation,
          Path: e.path,
          Data: e.data,
        })),
        this.operation,
        this.startedAt,
        this.lastOperationBefore,
      );
      // --log-retention: the log stays as long as asked, not forever.
      purgeLogsBefore(db, Date.now() - this.opts.timespan("log-retention", 30 * 86_400_000));
    } catch (err) {
      this.logger.warn(`Could not write the remote operation log: ${(err as Error).message}`);
    } finally {
      db?.close();
    }
  }
}

/** The newest Operation row ID in the backup's existing local database, or 0. Never throws. */
function lastOperationId(url: string, opts: OptionValues): number {
  if (opts.bool("no-local-db")) return 0;
  let db: LocalDatabase | undefined;
  try {
    const path = databasePathFor(url, opts);
    Deno.statSync(path);
    db = LocalDatabase.open(path, { create: false, readOnly: true });
    return db.get<{ n: number | null }>("SELECT MAX(ID) AS n FROM Operation")?.n ?? 0;
  } catch {
    return 0;
  } finally {
    db?.close();
  }
}

/** Opens the local database for an operation. */
export function openDatabase(url: string, opts: OptionValues, create = true): LocalDatabase {
  return LocalDatabase.open(databasePathFor(url, opts), { create });
}
