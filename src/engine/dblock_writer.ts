/**
 * Fills dblock volumes with new blocks and hands each full volume to the {@link VolumeUploader}
 * together with its dindex. A CPU worker holds the open volume's archive (see SealStream's zip
 * mode): it compresses the blocks, adds them and seals the result, so compressed bytes never come
 * back to this thread; when that worker falls behind, this thread compresses batches itself
 * (work stealing). Memory stays bounded: at most a few MiB of blocks are in flight, and finished
 * volumes are files in the temp folder.
 */
import { type PreparedEntry, prepareEntry } from "../format/zip.ts";
import { looksCompressible } from "../format/deflate.ts";
import { encodeManifest } from "../format/manifest.ts";
import { generateVolumeName } from "../format/volume_names.ts";
import { base64ToUrl, type Bytes } from "../core/bytes.ts";
import { VERSION } from "../core/version.ts";
import { collectWhenBuffersExceed, collectYoungGarbage } from "../core/memory.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { VolumeState, VolumeType } from "../db/schema.ts";
import { addVolume, deleteVolumeRow, linkIndex, setVolumeState } from "../db/volumes.ts";
import type { FormatSettings, Session } from "./session.ts";
import { handOver, type RawEntry, SealStream } from "./seal_stream.ts";
import type { VolumeUploader } from "./uploader.ts";
import { writeIndexFile } from "./index_writer.ts";

/** A batch on its way into the archive; `done` resolves once the worker has added it. */
interface InFlight {
  done: Promise<void>;
  settled: boolean;
}

/**
 * Work stealing: when the worker that builds and seals the volume already has this many jobs
 * waiting, the next batch is compressed elsewhere (another worker, or this thread) instead of
 * waiting for it.
 */
const STEAL_WHEN_BUSY = 4;
/** Where batches are compressed: by load (`auto`), or always in one place (tests). */
export type StealPolicy = "auto" | "sealer" | "here" | "other";
let stealPolicy: StealPolicy = "auto";

/** Forces where batches are compressed, so tests can cover each path; `auto` is the default. */
export function setStealPolicy(policy: StealPolicy): void {
  stealPolicy = policy;
}

/** Batches in flight (each up to 1 MiB of blocks) before `add` waits for the oldest. */
const MAX_IN_FLIGHT = 6;

interface Item {
  name: string;
  hash: string;
  size: number;
  data: Uint8Array;
  compress: boolean;
}

/** Builds the manifest bytes for a new volume. */
export function manifestFor(settings: FormatSettings): Bytes {
  return encodeManifest({
    blocksize: settings.blocksize,
    blockHash: settings.blockHash,
    fileHash: settings.fileHash,
    created: new Date(),
    appVersion: VERSION,
  });
}

/**
 * Dead block buffers kept by the main thread before a full GC frees them: without it they pile up
 * to ~50 MB before V8 acts. Since most blocks go to the workers without passing through here
 * again, 6 MiB costs few collections. A 100,000-file backup peaked at 183-197 MB with 12 MiB and
 * 172-181 MB with 6 MiB (3 alternating runs each, same speed); a 1 GiB one at about 165 MB
 * either way.
 */
const BUFFER_LIMIT = 6 << 20;

/** Writes blocks into a sequence of dblock volumes. */
export class DblockWriter {
  /** The open volume: its archive is built and sealed (encrypted, hashed) in a worker. */
  private sink!: SealStream;
  /** The archive's size as the worker last reported it (blocks still in flight come on top). */
  private zipSize = 0;
  private name!: string;
  /** ID of the Remotevolume row of the volume being filled (state Temporary). */
  volumeId!: number;
  private blocks: { hash: string; size: number }[] = [];
  private blocklists: { hash: string; data: Uint8Array }[] = [];
  private batch: Item[] = [];
  private batchBytes = 0;
  private inflight: InFlight[] = [];
  private inflightBytes = 0;
  /** Number of dblocks handed to the uploader. */
  volumesWritten = 0;
  /**
   * Called (synchronously, inside the upload job) once a dblock and its dindex are on the remote
   * and recorded as `Uploaded`, before anything else is committed for them.
   */
  onUploaded?: (volumeId: number, name: string) => void;
  private opened = false;
  private drained = 0;

  constructor(
    private session: Session,
    private settings: FormatSettings,
    private db: LocalDatabase,
    private operationId: number,
    private uploader: VolumeUploader,
    private indexPolicy: "None" | "Lookup" | "Full",
  ) {}

  /** Makes sure a volume is open (creates its Temporary row). */
  ensureOpen(): void {
    if (this.opened) return;
    this.name = generateVolumeName({
      prefix: this.settings.prefix,
      type: "dblock",
      compression: "zip",
      encryption: this.settings.encryption,
    });
    this.volumeId = addVolume(
      this.db,
      this.name,
      VolumeType.Blocks,
      VolumeState.Temporary,
      this.operationId,
    );
    const encrypted = this.settings.passphrase !== undefined;
    const path = this.session.tempFile(encrypted ? ".dblock.zip.aes" : ".dblock.zip");
    this.sink = new SealStream(this.session.pool, path, this.settings.passphrase, { zip: true });
    const manifest = prepareEntry(manifestFor(this.settings), { compress: true, level: 6 });
    this.zipSize = 0;
    this.track(0, this.sink.addPrepared([{ name: "manifest", entry: manifest }]));
    this.blocks = [];
    this.blocklists = [];
    this.opened = true;
  }

  /**
   * Adds a block whose Block row the caller has just recorded with {@link volumeId}.
   * `isBlocklist` marks blocklist blocks (stored uncompressed and copied into the dindex).
   */
  async add(
    hashB64: string,
    data: Uint8Array,
    compress: boolean,
    isBlocklist = false,
  ): Promise<void> {
    this.ensureOpen();
    const item: Item = {
      name: base64ToUrl(hashB64),
      hash: hashB64,
      size: data.length,
      data,
      compress: compress && !isBlocklist && this.settings.zipLevel > 0,
    };
    this.blocks.push({ hash: hashB64, size: data.length });
    if (isBlocklist) this.blocklists.push({ hash: hashB64, data: data.slice() });
    this.batch.push(item);
    this.batchBytes += data.length;
    if (this.batchBytes >= 1 << 20 || this.batch.length >= 256) this.dispatch();
    while (this.inflight.length && this.inflight[0].settled) await this.drainOne();
    while (this.inflight.length > MAX_IN_FLIGHT) await this.drainOne();
  }

  /**
   * Adds a block taken as is (already compressed or stored) from another volume, as compact
   * does. `blocklist` is the block's content when it is a blocklist (copied into the dindex).
   */
  async addPrepared(hashB64: string, entry: PreparedEntry, blocklist?: Uint8Array): Promise<void> {
    this.ensureOpen();
    this.dispatch();
    this.track(entry.data.length, this.sink.addPrepared([{ name: base64ToUrl(hashB64), entry }]));
    this.blocks.push({ hash: hashB64, size: entry.uncompressedSize });
    if (blocklist) this.blocklists.push({ hash: hashB64, data: blocklist });
    while (this.inflight.length > MAX_IN_FLIGHT) await this.drainOne();
  }

  /** True when the open volume has reached the size limit and should be closed. */
  get full(): boolean {
    if (!this.opened) return false;
    const est = this.zipSize + this.batchBytes + this.inflightBytes;
    // Duplicati closes a volume once it is within one block of the limit; with a block size close
    // to the volume size that would make one volume per block, so never close below half.
    const limit = Math.max(
      this.settings.dblockSize - this.settings.blocksize,
      this.settings.dblockSize / 2,
    );
    return est >= limit;
  }

  private dispatch(): void {
    if (this.batch.length === 0) return;
    const items = this.batch;
    const bytes = this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    const level = this.settings.zipLevel;
    const raw = items.map((it) => ({ name: it.name, data: it.data, compress: it.compress }));
    const where = this.placement();
    if (where === "sealer") {
      this.track(bytes, this.sink.addEntries(raw, level));
    } else if (where === "here") {
      // The sealing worker is behind: compress here rather than wait for it.
      const entries = raw.map((it) => ({
        name: it.name,
        entry: prepareEntry(it.data, {
          compress: it.compress && looksCompressible(it.data),
          level,
        }),
      }));
      this.track(bytes, this.sink.addPrepared(entries));
    } else {
      // Another worker compresses; the sealing one adds its entries.
      this.track(bytes, this.compressElsewhere(where, raw, level));
    }
  }

  /** Where the next batch is compressed: by the sealing worker, here, or by worker n. */
  private placement(): "sealer" | "here" | number {
    const pool = this.session.pool;
    const sealer = this.sink.slot % Math.max(1, pool.size);
    if (pool.size === 0) return "sealer"; // jobs run in this thread anyway
    const next = (sealer + 1) % pool.size;
    if (stealPolicy === "sealer") return "sealer";
    if (stealPolicy === "here") return "here";
    if (stealPolicy === "other") return pool.size > 1 ? next : "here";
    if (pool.backlog(sealer) < STEAL_WHEN_BUSY) return "sealer";
    const other = pool.pickSlot();
    return pool.size > 1 && other !== sealer && pool.backlog(other) < STEAL_WHEN_BUSY
      ? other
      : "here";
  }

  /** Compresses a batch in worker `slot`, then adds the result to the archive. */
  private async compressElsewhere(slot: number, raw: RawEntry[], level: number): Promise<number> {
    const transfer: ArrayBuffer[] = [];
    const items = raw.map((it) => ({ data: handOver(it.data, transfer), compress: it.compress }));
    const r = await this.session.pool.runOn(slot, { op: "compress", items, level }, transfer);
    if (r.op !== "compress") throw new Error("CPU pool: unexpected result");
    return await this.sink.addPrepared(
      raw.map((it, i) => ({ name: it.name, entry: r.entries[i] })),
    );
  }

  /** Follows one addition to the archive: its bytes count as in flight until the worker has it. */
  private track(bytes: number, added: Promise<number>): void {
    this.inflightBytes += bytes;
    const entry: InFlight = {
      settled: false,
      done: added.then((size) => {
        this.zipSize = Math.max(this.zipSize, size);
      }).finally(() => {
        this.inflightBytes -= bytes;
        entry.settled = true;
      }),
    };
    // Awaited by drainOne; a run that fails or is aborted before draining closes the pool, which
    // rejects the batches still in a worker: that must not become an unhandled rejection.
    entry.done.catch(() => {});
    this.inflight.push(entry);
  }

  private async drainOne(): Promise<void> {
    const head = this.inflight.shift();
    if (!head) return;
    await head.done;
    // The blocks just handed over are garbage here now.
    if (++this.drained % 8 === 0) {
      collectYoungGarbage();
      collectWhenBuffersExceed(BUFFER_LIMIT);
    }
  }

  /** Closes the open volume (if it has blocks) and queues it for upload with its dindex. */
  async closeVolume(): Promise<void> {
    if (!this.opened) return;
    if (this.blocks.length === 0) {
      // Opened, but every block turned out to be known already: nothing to upload.
      while (this.inflight.length) await this.drainOne().catch(() => {});
      this.sink.abort();
      deleteVolumeRow(this.db, this.volumeId);
      this.opened = false;
      return;
    }
    this.dispatch();
    while (this.inflight.length) await this.drainOne();
    this.sink.close();
    this.opened = false;
    const name = this.name;
    const volumeId = this.volumeId;
    const sealing = this.sink.sealed();
    sealing.catch(() => {}); // awaited by the upload job
    const blocks = this.blocks;
    const blocklists = this.blocklists;
    this.volumesWritten++;
    await this.uploader.enqueue(async () => {
      const sealed = await sealing;
      let index: { name: string; id: number; path: string; size: number; hash: string } | undefined;
      if (this.indexPolicy !== "None") {
        const written = await writeIndexFile(this.session, this.settings, {
          dblockName: name,
          dblockSize: sealed.size,
          dblockHash: sealed.hash,
          blocks,
          blocklists: this.indexPolicy === "Full" ? blocklists : [],
        });
        const iid = addVolume(
          this.db,
          written.name,
          VolumeType.Index,
          VolumeState.Temporary,
          this.operationId,
        );
        linkIndex(this.db, iid, volumeId);
        index = { ...written, id: iid };
      }
      // Record intent (name, size, hash) before anything reaches the remote.
      setVolumeState(this.db, volumeId, VolumeState.Uploading, sealed);
      if (index) setVolumeState(this.db, index.id, VolumeState.Uploading, index);
      this.db.checkpoint();
      this.session.remoteLog.knownHash(name, sealed.hash);
      await this.uploader.put(name, sealed.path, sealed.size);
      setVolumeState(this.db, volumeId, VolumeState.Uploaded);
      if (index) {
        if (index.hash) this.session.remoteLog.knownHash(index.name, index.hash);
        await this.uploader.put(index.name, index.path, index.size);
        setVolumeState(this.db, index.id, VolumeState.Uploaded);
      }
      this.onUploaded?.(volumeId, name);
    });
  }
}
