/**
 * Import benchmark: the CPU cost of filling a fresh database from the remote files (what restore
 * without a local database and recreate do), phase by phase. A seeded tree of small files (plus
 * empty files, duplicates and a few files with one or two blocklists at a 10 KB block size) is
 * backed up twice (the second version changes a few files), once, and reused; each round then
 * imports into a fresh database:
 *
 * - dlist phase: both dlists (file lists, blocksets, metadata);
 * - dindex phase: the index files (block locations and blocklists).
 *
 *   deno run -A bench/import.ts [--files=20000] [--seed=1] [--rounds=3]
 *
 * Prints wall and CPU (user+sys) milliseconds per phase and round, their medians, and a digest of
 * the resulting database rows (equal digests: the same content, IDs included).
 */
import { createHash } from "node:crypto";
import process from "node:process";
import { DatabaseSync } from "node:sqlite";
import { defaultWorkDir } from "./datasets.ts";
import { rmrf } from "./tree.ts";
import { runMain } from "./main_cli.ts";
import { OptionValues } from "../src/core/option_values.ts";
import { Logger } from "../src/core/log.ts";
import { LocalDatabase } from "../src/db/local_database.ts";
import { formatSettings, Session } from "../src/engine/session.ts";
import { importFromRemote, listRemoteVolumes } from "../src/engine/remote_index.ts";

const args = new Map(
  Deno.args.map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]),
);
const files = Number(args.get("files") ?? 20_000);
const seed = Number(args.get("seed") ?? 1);
const rounds = Number(args.get("rounds") ?? 3);

const base = `${defaultWorkDir()}/run/import-${files}-${seed}`;
const src = `${base}/src`;
const repo = `${base}/repo`;

/** xorshift32: the same tree for the same seed. */
function rng(s: number): () => number {
  let x = (s * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

function bytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

function writeTree(r: () => number, version: number): void {
  const dirs = Math.max(1, Math.round(files / 50));
  const contents: Uint8Array[] = [];
  for (let i = 0; i < files; i++) {
    const dir = `${src}/d${i % dirs}/s${i % 3}`;
    if (i < dirs * 3) Deno.mkdirSync(dir, { recursive: true });
    const p = `${dir}/f${i}.bin`;
    const roll = r();
    let data: Uint8Array;
    if (version > 0) {
      if (roll >= 0.05) continue; // 5 % of the files change in the second version
      data = bytes(r, 1 + ((r() * 4000) | 0));
    } else if (roll < 0.01) data = new Uint8Array(0);
    else if (roll < 0.06 && contents.length) data = contents[(r() * contents.length) | 0];
    else if (roll < 0.065) data = bytes(r, 250_000 + ((r() * 100_000) | 0)); // one blocklist
    else if (roll < 0.0652) data = bytes(r, 4_000_000); // two blocklists
    else data = bytes(r, 1 + ((r() * 4000) | 0));
    contents.push(data);
    Deno.writeFileSync(p, data);
    const t = new Date(Date.UTC(2020, 0, 1) + i * 1000 + version * 1e9);
    Deno.utimeSync(p, t, t); // distinct metadata, as in a real tree
  }
}

async function cli(cmd: string[]): Promise<void> {
  const r = await runMain(cmd);
  if (![0, 1, 2].includes(r.code)) {
    console.error(`${cmd[0]} failed: ${r.out}\n${r.err}`);
    Deno.exit(1);
  }
}

async function ensureBackup(): Promise<void> {
  try {
    if ([...Deno.readDirSync(repo)].filter((e) => e.name.includes(".dlist.")).length === 2) return;
  } catch { /* not made yet */ }
  rmrf(base);
  Deno.mkdirSync(src, { recursive: true });
  const r = rng(seed);
  // Small blocks, so that a few files need one or two blocklists.
  const common = [`--no-encryption`, `--blocksize=10KB`, `--dbpath=${base}/backup.sqlite`];
  writeTree(r, 0);
  await cli(["backup", `file://${repo}`, src, ...common]);
  await new Promise((res) => setTimeout(res, 1100)); // a distinct dlist time
  writeTree(r, 1);
  await cli(["backup", `file://${repo}`, src, ...common]);
}

const TABLES: Record<string, string> = {
  Remotevolume: "ID, Name, Type, State, Size, Hash",
  IndexBlockLink: "IndexVolumeID, BlockVolumeID",
  Block: "ID, Hash, Size, VolumeID",
  Blockset: "ID, Length, FullHash",
  BlocksetEntry: "BlocksetID, Idx, BlockID",
  BlocklistHash: "BlocksetID, Idx, Hash",
  Metadataset: "ID, BlocksetID",
  PathPrefix: "ID, Prefix",
  FileLookup: "ID, PrefixID, Path, BlocksetID, MetadataID",
  Fileset: "ID, VolumeID, IsFullBackup, Timestamp",
  FilesetEntry: "FilesetID, FileID, Lastmodified",
};

/** SHA-256 over every row of the imported tables, in key order; row counts per table. */
function digest(path: string): { digest: string; rows: Record<string, number> } {
  const d = new DatabaseSync(path, { readOnly: true });
  const h = createHash("sha256");
  const rows: Record<string, number> = {};
  for (const [t, cols] of Object.entries(TABLES)) {
    const all = d.prepare(`SELECT ${cols} FROM ${t} ORDER BY ${cols}`).all();
    rows[t] = all.length;
    for (const r of all) {
      h.update(
        Object.values(r).map((v) =>
          v instanceof Uint8Array ? Buffer.from(v).toString("base64") : String(v)
        ).join("|") + "\n",
      );
    }
  }
  d.close();
  return { digest: h.digest("hex").slice(0, 16), rows };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function phase(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const w0 = performance.now();
  const c0 = cpuMs();
  await fn();
  return { wall: performance.now() - w0, cpu: cpuMs() - c0 };
}

await ensureBackup();
const url = `file://${repo}`;
const results: { dlist: { wall: number; cpu: number }; dindex: { wall: number; cpu: number } }[] =
  [];
let last = "";
for (let round = 0; round < rounds; round++) {
  const dir = `${base}/import-${round}`;
  rmrf(dir);
  Deno.mkdirSync(dir, { recursive: true });
  const opts = new OptionValues({ "no-encryption": "true", dbpath: `${dir}/none.sqlite` });
  const session = await Session.open(url, opts, new Logger(), "Recreate");
  const dbPath = `${dir}/import.sqlite`;
  const db = LocalDatabase.open(dbPath);
  try {
    const settings = formatSettings(opts);
    const remote = await listRemoteVolumes(session, settings.prefix);
    // The dlists first (as a listing without a database does), then the indexes: the second
    // call skips the dlists the first one imported.
    const dlist = await phase(() =>
      importFromRemote(session, db, settings, remote.dlists, remote, undefined, {
        indexes: false,
      })
    );
    const dindex = await phase(() =>
      importFromRemote(session, db, settings, remote.dlists, remote)
    );
    results.push({ dlist, dindex });
    console.log(
      `round ${round + 1}: dlist ${dlist.wall.toFixed(0)} ms wall / ${
        dlist.cpu.toFixed(0)
      } ms cpu, dindex ${dindex.wall.toFixed(0)} ms wall / ${dindex.cpu.toFixed(0)} ms cpu`,
    );
  } finally {
    db.close();
    await session.close();
  }
  const d = digest(dbPath);
  if (round === 0) console.log(`rows: ${JSON.stringify(d.rows)}`);
  if (last && last !== d.digest) console.log(`digest differs between rounds!`);
  last = d.digest;
  rmrf(dir);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = (f: (r: typeof results[0]) => number) => median(results.map(f)).toFixed(0);
console.log(
  `median of ${rounds}: dlist ${m((r) => r.dlist.wall)} ms wall / ${
    m((r) => r.dlist.cpu)
  } ms cpu; dindex ${m((r) => r.dindex.wall)} ms wall / ${m((r) => r.dindex.cpu)} ms cpu`,
);
console.log(`database digest: ${last}`);
