/**
 * The dlist written through a CPU worker (dlist_stream.ts) holds exactly the file list that
 * encoding the database rows directly gives, with or without workers, and a dlist that cannot be
 * written fails cleanly.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { prng, put, tempDir } from "../helpers/tree.ts";
import { toBase64 } from "../../src/core/bytes.ts";
import { LocalDatabase } from "../../src/db/local_database.ts";
import { completedFilesets, filesetEntriesSorted } from "../../src/db/filesets.ts";
import { blocklistHashes } from "../../src/db/blocks.ts";
import { FOLDER_BLOCKSET_ID } from "../../src/db/schema.ts";
import { type FilelistEntry, FilelistWriter } from "../../src/format/filelist.ts";
import { formatDlistTime } from "../../src/format/volume_names.ts";
import { ZipReader } from "../../src/format/zip.ts";
import { CpuPool } from "../../src/engine/cpu_pool.ts";
import { writeDlist } from "../../src/engine/dlist_writer.ts";
import type { FormatSettings } from "../../src/engine/session.ts";

const settings: FormatSettings = {
  blocksize: 1024,
  blockHash: "SHA256",
  fileHash: "SHA256",
  hashSize: 32,
  prefix: "duplicati",
  compression: "zip",
  zipLevel: 2,
  dblockSize: 1024 * 1024,
};

/** filelist.json encoded straight from the rows, in one thread (what the worker must match). */
function directFilelist(db: LocalDatabase, filesetId: number): Uint8Array {
  const w = new FilelistWriter();
  const lists = (id: number) => blocklistHashes(db, id).map((h) => toBase64(h));
  for (const r of filesetEntriesSorted(db, filesetId)) {
    const meta = {
      metahash: toBase64(r.MetaHash),
      metasize: r.MetaLength,
      ...(r.MetaLength > settings.blocksize ? { metablocklists: lists(r.MetaBlocksetID) } : {}),
    };
    const e: FilelistEntry = r.BlocksetID < 0
      ? {
        type: r.BlocksetID === FOLDER_BLOCKSET_ID ? "Folder" : "Symlink",
        path: r.Path,
        ...meta,
      }
      : {
        type: "File",
        path: r.Path,
        hash: toBase64(r.FullHash!),
        size: r.Length!,
        time: formatDlistTime(new Date(r.Lastmodified)),
        ...meta,
        ...(r.Length! > settings.blocksize ? { blocklists: lists(r.BlocksetID) } : {}),
      };
    w.add(e);
  }
  return w.finish();
}

Deno.test("dlist writer: the worker writes exactly the file list of the database rows", async () => {
  const [dir, cleanup] = await tempDir("dup-dlist-");
  try {
    const src = join(dir, "src");
    put(src, "empty", "");
    put(src, "small.txt", "small\n");
    put(src, "multi.bin", prng(1, 40 * 1024)); // 40 blocks: two blocklists of 32 hashes
    put(src, 'sub/ünïcødé "quoted".txt', "x");
    for (let i = 0; i < 2500; i++) put(src, `many/f${i}`, `${i}`); // more than one batch
    // Metadata over one block: a symlink with a long target.
    Deno.symlinkSync("t".repeat(1500), join(src, "long-link"));
    const db = join(dir, "db.sqlite");
    const r = await runMain([
      "backup",
      `file://${join(dir, "dest")}`,
      src,
      `--dbpath=${db}`,
      "--blocksize=1kb",
      "--no-encryption",
    ]);
    assert.equal(r.code, 0, r.err);

    const ldb = LocalDatabase.open(db, { create: false });
    try {
      const fs = completedFilesets(ldb)[0];
      const expected = directFilelist(ldb, fs.ID);
      const text = new TextDecoder().decode(expected);
      assert.match(text, /"blocklists":\[/);
      assert.match(text, /"metablocklists":\[/);
      assert.match(text, /"type":"Symlink"/);
      for (const threads of [1, 0]) {
        const pool = new CpuPool(threads);
        try {
          const session = { tempFile: (s: string) => join(dir, `t${threads}${s}`), pool };
          const path = await writeDlist(session, ldb, settings, fs.ID);
          const zip = ZipReader.openSync(path);
          try {
            assert.deepEqual(zip.read("filelist.json"), expected, `${threads} worker(s)`);
            assert.deepEqual(zip.entries().map((e) => e.name), [
              "manifest",
              "fileset",
              "filelist.json",
            ]);
          } finally {
            zip.close();
          }
        } finally {
          pool.close();
        }
      }

      // Without workers, a job that fails is a rejected promise, as it is from a worker.
      const inThread = new CpuPool(0);
      const orphan = inThread.runOn(0, { op: "dlist-close", id: -1 });
      assert.ok(orphan instanceof Promise);
      await assert.rejects(orphan, /dlist -1 is not open/);
      inThread.close();

      // A dlist that cannot be created fails with the cause, and the worker is left usable.
      const pool = new CpuPool(1);
      try {
        const bad = { tempFile: (s: string) => join(dir, "missing", `x${s}`), pool };
        await assert.rejects(writeDlist(bad, ldb, settings, fs.ID), /No such file|not found/i);
        const good = { tempFile: (s: string) => join(dir, `again${s}`), pool };
        const zip = ZipReader.openSync(await writeDlist(good, ldb, settings, fs.ID));
        assert.deepEqual(zip.read("filelist.json"), expected);
        zip.close();
      } finally {
        pool.close();
      }
    } finally {
      ldb.db.close();
    }
  } finally {
    await cleanup();
  }
});
