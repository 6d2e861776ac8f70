/**
 * The test (verify) operation: downloads remote volumes and checks them against the database.
 *
 * Samples rotate as in Duplicati (LocalTestDatabase.SelectTestTargets): each sample is a dlist, a
 * dindex and a dblock, chosen among the least verified volumes first, so repeated runs cover the
 * whole backup. Every volume is checked for size and hash; `--full-remote-verification` also
 * opens it and compares its content with the database (file lists, block lists, blocks). The
 * remote listing is compared too, so missing, extra and resized files are reported by name.
 */
import { createHash } from "node:crypto";
import type { OptionValues } from "../core/option_values.ts";
import { ExitCode } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import { noProgress, type ProgressSink } from "../core/progress.ts";
import { toBase64 } from "../core/bytes.ts";
import { parseTimeValue, parseVersionList } from "../core/timeparse.ts";
import type { ZipReader } from "../format/zip.ts";
import { parseFilelist } from "../format/filelist.ts";
import {
  decodeVolumeIndex,
  hashFromEntryName,
  isBlockEntryName,
  LIST_PREFIX,
  VOL_PREFIX,
} from "../format/dindex.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import { VolumeType } from "../db/schema.ts";
import { completedFilesets, filesetEntries } from "../db/filesets.ts";
import {
  expectedBlocks,
  filesetOfVolume,
  indexedVolumes,
  maxVerificationCount,
  recordChecked,
  recordVerified,
  type TestCandidate,
  testCandidates,
  volumesWithoutHash,
} from "../db/verification.ts";
import { volumeByName } from "../db/volumes.ts";
import { openVolume, verifyRemoteFile } from "./remote_volumes.ts";
import type { FormatSettings, Session } from "./session.ts";
import { analyzeRemote } from "./preflight.ts";
import { withBackup } from "./maintenance_session.ts";

/** Kinds of problems, as Duplicati's TestEntryStatus. */
export type TestStatus = "Error" | "Missing" | "Extra" | "Modified";

/** One problem found in a volume. */
export interface TestFinding {
  status: TestStatus;
  detail: string;
}

/** The outcome for one remote file. */
export interface VolumeVerification {
  name: string;
  findings: TestFinding[];
}

/** What a test found. */
export interface TestResult {
  verifications: VolumeVerification[];
  /** Number of volumes downloaded and checked. */
  examined: number;
  warnings: string[];
  errors: string[];
  durationMs: number;
  /** 0 clean, 3 problems found, 100 nothing examined. */
  exitCode: number;
}

/** Inputs of a test. */
export interface TestRequest {
  url: string;
  options: OptionValues;
  /** Number of samples; Infinity tests everything. */
  samples: number;
  progress?: ProgressSink;
  logger?: Logger;
  signal?: AbortSignal;
}

/** Deep-check mode of --full-remote-verification. */
type Mode = "True" | "False" | "ListAndIndexes" | "IndexesOnly";

/** Runs the test command. */
export function testBackup(req: TestRequest): Promise<TestResult> {
  const started = Date.now();
  const logger = req.logger ?? new Logger();
  const opts = req.options;
  return withBackup(
    req.url,
    opts,
    logger,
    { checkRemote: false, operation: "Test" },
    async ({ session, db, settings }) => {
      const listed: VolumeVerification[] = [];
      const skip = new Set<string>();
      if (!opts.bool("no-backend-verification")) {
        const a = await analyzeRemote(session, db, settings, { autoCreateFolder: false });
        for (const n of a.missing) {
          listed.push({
            name: n,
            findings: [{
              status: "Missing",
              detail: "the file is missing from the remote storage",
            }],
          });
          skip.add(n);
        }
        for (const w of a.wrongSize) {
          listed.push({
            name: w.name,
            findings: [{
              status: "Modified",
              detail: `the remote file has ${w.actual} bytes, ${w.expected} were recorded`,
            }],
          });
          skip.add(w.name);
        }
        for (const e of a.extra) {
          listed.push({
            name: e.name,
            findings: [{ status: "Extra", detail: "the local database does not know this file" }],
          });
        }
      }
      const r = await runTest(session, db, settings, req.samples, {
        exclude: skip,
        progress: req.progress,
        signal: req.signal,
      });
      r.verifications = [...listed, ...r.verifications];
      r.exitCode = exitCodeOf(r);
      r.durationMs = Date.now() - started;
      return r;
    },
  );
}

function exitCodeOf(r: TestResult): number {
  if (r.verifications.some((v) => v.findings.length > 0)) return ExitCode.Errors;
  if (r.examined === 0) return ExitCode.Fatal;
  return ExitCode.Success;
}

/**
 * Picks up to `samples` volumes: never verified first (random among them), then the least
 * verified, then the rest (Duplicati's FilterByVerificationCount). `random` is for tests.
 */
export function pickByVerificationCount<T extends { VerificationCount: number }>(
  list: readonly T[],
  samples: number,
  max: number,
  random: () => number = Math.random,
): T[] {
  const take = (pool: T[], res: T[]) => {
    while (res.length < samples && pool.length > 0) {
      res.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
    }
  };
  const res: T[] = [];
  take(list.filter((v) => v.VerificationCount === 0), res);
  if (res.length >= samples) return res;
  const starved = list.filter((v) => v.VerificationCount !== 0 && v.VerificationCount < max);
  const levels = [...new Set(starved.map((v) => v.VerificationCount))].sort((a, b) => a - b);
  for (const l of levels) take(starved.filter((v) => v.VerificationCount === l), res);
  if (res.length >= samples) return res;
  if (max > 0) take(list.filter((v) => v.VerificationCount >= max), res);
  return res;
}

/** Chooses what to test: volumes without a recorded hash, then dlists, dindexes, dblocks. */
function selectTargets(db: LocalDatabase, opts: OptionValues, samples: number, mode: Mode) {
  const n = Math.max(1, samples);
  const max = maxVerificationCount(db);
  const out: TestCandidate[] = [];
  if (mode !== "IndexesOnly") {
    out.push(...volumesWithoutHash(db));
    const dlists = testCandidates(db, VolumeType.Files);
    const chosen = chosenDlists(db, opts);
    if (chosen) out.push(...dlists.filter((d) => chosen.has(d.Name)));
    else out.push(...pickByVerificationCount(dlists, n, max));
  }
  out.push(...pickByVerificationCount(testCandidates(db, VolumeType.Index), n, max));
  if (mode === "True" || mode === "False") {
    out.push(...pickByVerificationCount(testCandidates(db, VolumeType.Blocks), n, max));
  }
  const seen = new Set<string>();
  return out.filter((v) => !seen.has(v.Name) && seen.add(v.Name));
}

/** The dlists named by --version / --time, or undefined when neither is given. */
function chosenDlists(db: LocalDatabase, opts: OptionValues): Set<string> | undefined {
  const sets = completedFilesets(db);
  const v = opts.str("version");
  if (v !== undefined && v !== "") {
    return new Set(parseVersionList(v).filter((i) => i < sets.length).map((i) => sets[i].Name));
  }
  const t = opts.str("time");
  if (t !== undefined && t !== "" && t.toLowerCase() !== "now") {
    const at = parseTimeValue(t).getTime();
    const f = sets.find((s) => s.Timestamp <= at);
    return new Set(f ? [f.Name] : []);
  }
  return undefined;
}

/** Tests with an open session and database (also used after a backup). */
export async function runTest(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  samples: number,
  o: { exclude?: Set<string>; progress?: ProgressSink; signal?: AbortSignal } = {},
): Promise<TestResult> {
  const started = Date.now();
  const opts = session.opts;
  const progress = o.progress ?? noProgress;
  const mode = (opts.enumValue("full-remote-verification") ?? "False") as Mode;
  const blockShare = opts.bool("full-block-verification") ? 1 : 0.2;
  const targets = selectTargets(db, opts, samples, mode).filter((t) => !o.exclude?.has(t.Name));
  const result: TestResult = {
    verifications: [],
    examined: 0,
    warnings: session.logger.warnings,
    errors: session.logger.errors,
    durationMs: 0,
    exitCode: 0,
  };
  let i = 0;
  for (const t of targets) {
    if (o.signal?.aborted) break;
    progress({
      operation: "Test",
      phase: "Verifying remote files",
      filesDone: i++,
      filesTotal: targets.length,
      bytesDone: 0,
      current: t.Name,
    });
    const findings: TestFinding[] = [];
    try {
      const deep = mode === "True" ||
        (mode === "ListAndIndexes" && t.Type !== VolumeType.Blocks) ||
        (mode === "IndexesOnly" && t.Type === VolumeType.Index) || !t.Hash || t.Size <= 0;
      if (deep) {
        const vol = await openVolume(session, settings, t.Name, {
          size: t.Size,
          hash: t.Hash ?? undefined,
        });
        try {
          findings.push(...checkContent(db, t, vol.zip, blockShare));
        } finally {
          await vol.close();
        }
      } else await verifyRemoteFile(session, t.Name, { size: t.Size, hash: t.Hash! });
    } catch (err) {
      findings.push({ status: "Error", detail: (err as Error).message });
    }
    result.examined++;
    if (findings.length === 0) recordVerified(db, t.ID);
    else {
      recordChecked(db, t.ID);
      session.logger.error(`Failed to process file ${t.Name}: ${findings[0].detail}`);
    }
    result.verifications.push({ name: t.Name, findings });
  }
  result.exitCode = exitCodeOf(result);
  result.durationMs = Date.now() - started;
  return result;
}

/** Compares a volume's content with the database. */
function checkContent(
  db: LocalDatabase,
  t: TestCandidate,
  zip: ZipReader,
  blockShare: number,
): TestFinding[] {
  if (t.Type === VolumeType.Files) return checkDlist(db, t, zip);
  if (t.Type === VolumeType.Index) return checkDindex(db, t, zip);
  return checkDblock(db, t, zip, blockShare);
}

function checkDlist(db: LocalDatabase, t: TestCandidate, zip: ZipReader): TestFinding[] {
  const out: TestFinding[] = [];
  const fs = filesetOfVolume(db, t.ID);
  if (fs === undefined) return [{ status: "Extra", detail: "no version uses this file list" }];
  const want = new Map<string, string>();
  for (const e of filesetEntries(db, fs)) {
    const size = e.FullHash ? e.Length : -1;
    want.set(
      e.Path,
      `${size}|${e.FullHash ? toBase64(e.FullHash) : ""}|${e.MetaLength}|${toBase64(e.MetaHash)}`,
    );
  }
  for (const e of parseFilelist(zip.read("filelist.json"), `${t.Name}/filelist.json`)) {
    const w = want.get(e.path);
    if (w === undefined) {
      out.push({ status: "Extra", detail: e.path });
      continue;
    }
    want.delete(e.path);
    const isFile = e.type === "File";
    const got = `${isFile ? e.size : -1}|${isFile ? e.hash : ""}|${e.metasize}|${e.metahash}`;
    if (got !== w) out.push({ status: "Modified", detail: e.path });
  }
  for (const p of want.keys()) out.push({ status: "Missing", detail: p });
  return out;
}

function checkDindex(db: LocalDatabase, t: TestCandidate, zip: ZipReader): TestFinding[] {
  const out: TestFinding[] = [];
  const linked = new Map(indexedVolumes(db, t.ID).map((v) => [v.Name, v]));
  for (const e of zip.entries()) {
    if (e.name.startsWith(LIST_PREFIX)) {
      const h = hashFromEntryName(e.name.slice(LIST_PREFIX.length));
      if (createHash("sha256").update(zip.read(e)).digest("base64") !== h) {
        out.push({ status: "Modified", detail: e.name });
      }
      continue;
    }
    if (!e.name.startsWith(VOL_PREFIX)) continue;
    const name = e.name.slice(VOL_PREFIX.length);
    const vi = decodeVolumeIndex(zip.read(e), `${t.Name}/${e.name}`);
    const vol = linked.get(name) ?? volumeByName(db, name);
    linked.delete(name);
    if (!vol) {
      out.push({ status: "Extra", detail: name });
      continue;
    }
    if (
      (vi.volumeHash !== undefined && vol.Hash && vi.volumeHash !== vol.Hash) ||
      (vi.volumeSize !== undefined && vol.Size >= 0 && vi.volumeSize !== vol.Size)
    ) out.push({ status: "Modified", detail: name });
    out.push(
      ...compareBlocks(expectedBlocks(db, vol.ID), vi.blocks.map((b) => `${b.hash}:${b.size}`)),
    );
  }
  for (const name of linked.keys()) out.push({ status: "Missing", detail: name });
  return out;
}

function checkDblock(
  db: LocalDatabase,
  t: TestCandidate,
  zip: ZipReader,
  blockShare: number,
): TestFinding[] {
  const entries = zip.entries().filter((e) => isBlockEntryName(e.name));
  const out = compareBlocks(
    expectedBlocks(db, t.ID),
    entries.map((e) => `${hashFromEntryName(e.name)}:${e.uncompressedSize}`),
  );
  // Hash a random share of the blocks (all with --full-block-verification).
  const n = blockShare >= 1 ? entries.length : Math.max(1, Math.floor(entries.length * blockShare));
  const pool = [...entries];
  for (let k = 0; k < n && pool.length > 0; k++) {
    const e = pool.splice(Math.floor(Math.random() * pool.length), 1)[0];
    let ok: boolean;
    try {
      ok = createHash("sha256").update(zip.read(e)).digest("base64") === hashFromEntryName(e.name);
    } catch {
      ok = false;
    }
    if (!ok) out.push({ status: "Modified", detail: hashFromEntryName(e.name) });
  }
  return out;
}

function compareBlocks(expected: Set<string>, found: string[]): TestFinding[] {
  const out: TestFinding[] = [];
  const want = new Set(expected);
  for (const k of found) {
    if (want.has(k)) want.delete(k);
    else out.push({ status: "Extra", detail: k.split(":")[0] });
  }
  for (const k of want) out.push({ status: "Missing", detail: k.split(":")[0] });
  return out;
}
