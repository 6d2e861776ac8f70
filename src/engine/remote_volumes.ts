/**
 * Moving volumes between the local temp folder and the backend: seal (encrypt, hash) before an
 * upload, verify (size, hash) and decrypt after a download.
 */
import { createHash } from "node:crypto";
import { IntegrityError, UserError } from "../core/errors.ts";
import { eventLoopTurn } from "../core/event_loop.ts";
import { FileMissingError } from "../backends/backend.ts";
import type { FormatSettings, Session } from "./session.ts";
import { dataMacMismatch, decryptFile, encryptFile } from "../format/aescrypt.ts";
import { ZipReader } from "../format/zip.ts";
import { AesRangeFile } from "../format/aes_ranges.ts";
import { equalBytes } from "../core/bytes.ts";

/** A volume ready for upload. */
export interface SealedVolume {
  path: string;
  size: number;
  /** Standard base64 SHA-256 of the bytes as stored remotely. */
  hash: string;
}

/**
 * SHA-256 (base64) and size of a local file, read in 1 MiB chunks. The reads are synchronous
 * (into one buffer; an asynchronous read allocates a buffer of its own each time, which waits for
 * the garbage collector), with a turn of the event loop between chunks when one is due.
 */
export async function hashFile(path: string): Promise<{ size: number; hash: string }> {
  const h = createHash("sha256");
  const f = await Deno.open(path);
  const buf = new Uint8Array(1 << 20);
  let size = 0;
  try {
    while (true) {
      const n = f.readSync(buf);
      if (n === null) break;
      h.update(buf.subarray(0, n));
      size += n;
      await eventLoopTurn();
    }
  } finally {
    f.close();
  }
  return { size, hash: h.digest("base64") };
}

/** Encrypts (when the backup is encrypted) and hashes a finished zip; removes the plain file. */
export async function sealVolume(
  settings: FormatSettings,
  zipPath: string,
): Promise<SealedVolume> {
  if (settings.passphrase === undefined) {
    const { size, hash } = await hashFile(zipPath);
    return { path: zipPath, size, hash };
  }
  const out = `${zipPath}.aes`;
  // AES runs through WebCrypto, which works off the JavaScript thread: no Worker needed, and the
  // compression workers are never held up behind a 50 MB encryption.
  const r = await encryptFile(zipPath, out, settings.passphrase);
  await Deno.remove(zipPath).catch(() => {});
  return { path: out, size: r.size, hash: r.sha256 };
}

/**
 * A local path holding the remote file `name`: a local destination's file itself, else a download
 * into the temp folder (`downloaded`: the caller removes it). Throws "missing" when it is not there.
 */
async function obtain(
  session: Session,
  name: string,
): Promise<{ path: string; downloaded: boolean }> {
  const local = session.backend.localPath?.(name);
  if (local !== undefined) {
    try {
      Deno.statSync(local);
    } catch {
      throw missing(name);
    }
    return { path: local, downloaded: false };
  }
  const path = session.tempFile(".download");
  try {
    await session.backend.get(name, path);
  } catch (err) {
    await Deno.remove(path).catch(() => {});
    if (err instanceof FileMissingError) throw missing(name, err);
    throw err;
  }
  return { path, downloaded: true };
}

/**
 * Downloads a remote volume and returns the path of the plain zip (a temp file the caller
 * removes). Checks size and hash when they are known. Throws IntegrityError naming the file on any
 * mismatch, and a UserError that says so when the passphrase is wrong.
 */
export async function fetchVolume(
  session: Session,
  settings: FormatSettings,
  name: string,
  expected?: { size?: number; hash?: string },
): Promise<string> {
  const encrypted = /\.aes$/i.test(name);
  if (encrypted && settings.passphrase === undefined) {
    throw new UserError(
      `The remote file ${name} is encrypted: give the passphrase with --passphrase or PASSPHRASE`,
      { code: "PassphraseMissing", exitCode: 100 },
    );
  }
  const { path: local, downloaded } = await obtain(session, name);
  const cleanup = async () => {
    if (downloaded) await Deno.remove(local).catch(() => {});
  };
  try {
    const size = Deno.statSync(local).size;
    if (expected?.size !== undefined && expected.size >= 0 && size !== expected.size) {
      throw sizeMismatch(name, size, expected.size);
    }
    // A read in place is logged with the hash the check computes anyway (or one made for it).
    if (!encrypted) {
      const got = expected?.hash ? (await hashFile(local)).hash : undefined;
      if (!downloaded) await session.remoteLog.recordRead(name, local, got);
      if (expected?.hash && got !== expected.hash) throw badHash(name);
      if (downloaded) return local;
      const copy = session.tempFile(".zip");
      await Deno.copyFile(local, copy);
      return copy;
    }
    const plain = session.tempFile(".zip");
    let r: { inputSha256?: string };
    try {
      // In a CPU worker: decrypting, the HMAC and the hash keep the main thread free (a restore
      // fetches the next volume while it writes out the current one).
      const done = await session.pool.run({
        op: "decrypt-file",
        input: local,
        output: plain,
        passphrase: settings.passphrase!,
        hashInput: !!expected?.hash,
      });
      if (done.op !== "decrypt-file") throw new Error("CPU pool: unexpected result");
      r = done;
    } catch (err) {
      await Deno.remove(plain).catch(() => {});
      throw decryptError(name, err);
    }
    if (!downloaded) await session.remoteLog.recordRead(name, local, r.inputSha256);
    if (expected?.hash && r.inputSha256 !== expected.hash) {
      await Deno.remove(plain).catch(() => {});
      throw badHash(name);
    }
    return plain;
  } finally {
    await cleanup();
  }
}

function missing(name: string, cause?: unknown): UserError {
  return new UserError(
    `The remote file ${name} is missing. Run "repair" to rebuild what can be rebuilt, ` +
      `or "list-broken-files" to see which files are affected.`,
    { code: "RemoteFileMissing", cause },
  );
}

function badHash(name: string): IntegrityError {
  return new IntegrityError(
    `The remote file ${name} does not have the recorded hash: it is corrupt or was changed.`,
    "RemoteFileHashMismatch",
  );
}

/**
 * Checks a remote file's size and hash without decrypting it (what `test` does unless asked for a
 * deep check). Local destinations are hashed in place. Throws like {@link fetchVolume}.
 */
export async function verifyRemoteFile(
  session: Session,
  name: string,
  expected: { size: number; hash: string },
): Promise<void> {
  const { path, downloaded } = await obtain(session, name);
  try {
    let size: number;
    try {
      size = Deno.statSync(path).size;
    } catch {
      throw missing(name);
    }
    if (expected.size >= 0 && size !== expected.size) throw sizeMismatch(name, size, expected.size);
    const got = await hashFile(path);
    if (!downloaded) await session.remoteLog.recordRead(name, path, got.hash);
    if (got.hash !== expected.hash) throw badHash(name);
  } finally {
    if (downloaded) await Deno.remove(path).catch(() => {});
  }
}

/** Size and SHA-256 (base64) of a volume's file, computed by a {@link VolumeHasher}. */
export interface HashedVolume {
  size: number;
  sha256: string;
}

/**
 * Hashes encrypted volumes of a local destination ahead of their use, one at a time in the CPU
 * pool, so that the pass over each file runs while the pool would otherwise wait (a restore
 * reading its file lists and preparing folders, say). Give it to {@link openVolume}, which takes
 * a volume's result instead of hashing the file itself. One job at a time: other jobs sent to the
 * pool meanwhile wait for at most one file.
 */
export class VolumeHasher {
  #queue: string[] = [];
  #queued = new Set<string>();
  #started = new Map<string, Promise<HashedVolume>>();
  #busy = false;
  #closed = false;

  constructor(private session: Session) {}

  /** Queues the volumes not queued yet (only encrypted ones on a local destination). */
  add(names: Iterable<string>): void {
    for (const name of names) {
      if (!/\.aes$/i.test(name) || this.#started.has(name) || this.#queued.has(name)) continue;
      if (this.session.backend.localPath?.(name) === undefined) continue;
      this.#queue.push(name);
      this.#queued.add(name);
    }
    this.#pump();
  }

  /** The result for `name` if its hashing has started (it is then forgotten here), else undefined. */
  take(name: string): Promise<HashedVolume> | undefined {
    const p = this.#started.get(name);
    this.#started.delete(name);
    if (this.#queued.delete(name)) this.#queue.splice(this.#queue.indexOf(name), 1);
    return p;
  }

  /** Stops queueing (jobs running finish on their own). */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#queued.clear();
  }

  #pump(): void {
    if (this.#busy || this.#closed) return;
    const name = this.#queue.shift();
    if (name === undefined) return;
    this.#queued.delete(name);
    this.#busy = true;
    const p = this.session.pool.run({
      op: "hash-file",
      path: this.session.backend.localPath!(name)!,
    })
      .then((r) => {
        if (r.op !== "hash-file") throw new Error("CPU pool: unexpected result");
        return { size: r.size, sha256: r.sha256 };
      });
    p.catch(() => {}).finally(() => {
      this.#busy = false;
      this.#pump();
    });
    this.#started.set(name, p);
  }
}

/** An opened remote volume; `close()` releases it (and any temp file). */
export interface OpenedVolume {
  zip: ZipReader;
  /**
   * Set when the volume is read in place through random-access decryption (openVolume's
   * `inPlace`): `zip` decrypts what it reads in the calling thread, and ranges may instead be
   * copied as ciphertext and decrypted elsewhere with this file's key.
   */
  cipher?: AesRangeFile;
  close(): Promise<void>;
}

/**
 * Opens an encrypted volume in place: checks size and passphrase, verifies the whole file in a
 * CPU worker (its recorded hash, or else the HMAC of its ciphertext), then parses the zip
 * directory through random-access decryption. Nothing decrypted is written anywhere.
 */
async function openEncryptedInPlace(
  session: Session,
  passphrase: string,
  name: string,
  expected?: { size?: number; hash?: string },
  ahead?: Promise<HashedVolume>,
): Promise<OpenedVolume> {
  const { path, downloaded } = await obtain(session, name);
  let file: AesRangeFile | undefined;
  try {
    const size = Deno.statSync(path).size;
    if (expected?.size !== undefined && expected.size >= 0 && size !== expected.size) {
      throw sizeMismatch(name, size, expected.size);
    }
    try {
      file = AesRangeFile.open(path, passphrase, name);
    } catch (err) {
      throw decryptError(name, err);
    }
    const { dataStart: start, ctLen: length, key, mac } = file.layout;
    // A hash computed ahead serves when there is a recorded hash to compare it with.
    const early = expected?.hash && !downloaded ? await ahead?.catch(() => undefined) : undefined;
    const r = early && early.size === size ? { op: "hash-file" as const, ...early } : await session
      .pool.run({
        op: "hash-file",
        path,
        mac: expected?.hash ? undefined : { key, start, length },
      });
    if (r.op !== "hash-file") throw new Error("CPU pool: unexpected result");
    if (!downloaded) await session.remoteLog.recordRead(name, path, r.sha256);
    if (expected?.hash && r.sha256 !== expected.hash) throw badHash(name);
    if (!expected?.hash && !(r.mac && equalBytes(r.mac, mac))) {
      throw decryptError(name, dataMacMismatch(name));
    }
    const zip = ZipReader.fromSource(file, name);
    const opened = file;
    return {
      zip,
      cipher: opened,
      close: async () => {
        opened.close();
        if (downloaded) await Deno.remove(path).catch(() => {});
      },
    };
  } catch (err) {
    file?.close();
    if (downloaded) await Deno.remove(path).catch(() => {});
    throw err;
  }
}

/**
 * Volumes up to this size are decrypted in memory instead of into a temp file. Larger ones (the
 * default 50 MB dblocks) go through a temp file: measured, it costs no time and keeps memory low.
 * A restore holds two volumes at once (the one being read and the next one), so a volume in memory
 * counts twice towards the peak.
 */
const IN_MEMORY_LIMIT = 4 * 1024 * 1024;

/**
 * Opens a remote volume as a zip, with the same checks as {@link fetchVolume}. Encrypted volumes
 * of normal size are decrypted straight into memory, and unencrypted volumes on a local
 * destination are read in place, so no temp file is written. With `inPlace`, encrypted volumes
 * are read in place too, decrypting only what is read (see {@link OpenedVolume.cipher}).
 */
export async function openVolume(
  session: Session,
  settings: FormatSettings,
  name: string,
  expected?: { size?: number; hash?: string },
  opts: { inPlace?: boolean; hasher?: VolumeHasher } = {},
): Promise<OpenedVolume> {
  const local = session.backend.localPath?.(name);
  const encrypted = /\.aes$/i.test(name);
  if (opts.inPlace && encrypted && settings.passphrase !== undefined) {
    return openEncryptedInPlace(
      session,
      settings.passphrase,
      name,
      expected,
      opts.hasher?.take(name),
    );
  }
  let size = -1;
  if (local !== undefined) {
    try {
      size = Deno.statSync(local).size;
    } catch {
      throw missing(name);
    }
  }
  if (
    local !== undefined && size <= IN_MEMORY_LIMIT && settings.passphrase !== undefined && encrypted
  ) {
    if (expected?.size !== undefined && expected.size >= 0 && size !== expected.size) {
      throw sizeMismatch(name, size, expected.size);
    }
    let r: { inputSha256?: string; data?: Uint8Array };
    try {
      r = await decryptFile(local, "", settings.passphrase, {
        hashInput: !!expected?.hash,
        toMemory: true,
      });
    } catch (err) {
      throw decryptError(name, err);
    }
    await session.remoteLog.recordRead(name, local, r.inputSha256);
    if (expected?.hash && r.inputSha256 !== expected.hash) throw badHash(name);
    const zip = ZipReader.fromBytes(r.data!, name);
    return { zip, close: () => Promise.resolve(zip.close()) };
  }
  if (local !== undefined && !encrypted) {
    if (expected?.size !== undefined && expected.size >= 0 && size !== expected.size) {
      throw sizeMismatch(name, size, expected.size);
    }
    const got = expected?.hash ? (await hashFile(local)).hash : undefined;
    await session.remoteLog.recordRead(name, local, got);
    if (expected?.hash && got !== expected.hash) throw badHash(name);
    const zip = await ZipReader.open(local);
    return { zip, close: () => Promise.resolve(zip.close()) };
  }
  const path = await fetchVolume(session, settings, name, expected);
  const zip = await ZipReader.open(path);
  return {
    zip,
    close: async () => {
      zip.close();
      await Deno.remove(path).catch(() => {});
    },
  };
}

function sizeMismatch(name: string, got: number, want: number): IntegrityError {
  return new IntegrityError(
    `The remote file ${name} has ${got} bytes but ${want} were recorded: it is ` +
      `truncated or was changed. Run "repair" or restore from the other files.`,
    "RemoteFileSizeMismatch",
  );
}

function decryptError(name: string, err: unknown): Error {
  const kind = (err as { kind?: string }).kind;
  if (kind === "bad-password") {
    return new UserError(
      `Cannot decrypt ${name}: the passphrase is wrong (or the file is damaged). ` +
        `Check --passphrase and try again.`,
      { code: "WrongPassphrase", cause: err },
    );
  }
  return new IntegrityError(
    `The remote file ${name} is damaged and cannot be decrypted: ${(err as Error).message}`,
    "RemoteFileCorrupt",
  );
}
