/**
 * `deno task bench`: measures our program against restic on the same seeded data, in one run.
 * See bench/README.md for what it measures and the options.
 */

import {
  applyEdit,
  type DataSet,
  defaultWorkDir,
  type EditSummary,
  ensureDataSet,
  SET_NAMES,
  type SetName,
} from "./datasets.ts";
import { V8_FLAGS } from "../src/core/memory.ts";
import { hasGnuTime, measure, type Measured, skipped } from "./measure.ts";
import {
  compareTrees,
  type Comparison,
  type Fingerprint,
  fingerprint,
  hashFile,
  locateRestoredRoot,
  rmrf,
  treeSize,
  walk,
} from "./tree.ts";

// ---------------------------------------------------------------------------------------------
// options

const HELP = `deno task bench [options]        (= deno run -A bench/run.ts)

  --sets=mixed,many-small   data sets to run (default: both)
  --scale=1                 size factor of the data sets (0.1 = a tenth, for quick checks)
  --seed=1                  data set seed
  --only=ours|restic        run one side only (default: both; restic only when on PATH)
  --repeat=3                runs per side of the first backup and of the restores, interleaved;
                            the median counts (the other steps change the repository: once)
  --keep                    keep sources copies, repositories and databases under bench/work/run/
  --timeout=S               per-command timeout in seconds (default 300 x scale, at least 60)
  --budget=S                whole-run budget in seconds; when spent, our remaining steps are
                            skipped (default 840 x scale, at least 180)
  --ours-opt=--x=y          extra option for every command of our program (repeatable)
  --main=PATH               our program's entry point (default: main.ts of this checkout)
  --help
`;

interface Options {
  sets: SetName[];
  scale: number;
  seed: number;
  only: "ours" | "restic" | null;
  /** Runs per side of the repeatable steps (first backup, restores); the median counts. */
  repeat: number;
  keep: boolean;
  timeoutS: number;
  budgetS: number;
  oursOpts: string[];
  main: string;
}

function parseOptions(args: string[]): Options {
  const get = (name: string) => {
    const hits = args.filter((a) => a.startsWith(`--${name}=`)).map((a) =>
      a.slice(name.length + 3)
    );
    return hits;
  };
  const known = [
    "sets",
    "scale",
    "seed",
    "only",
    "repeat",
    "keep",
    "timeout",
    "budget",
    "ours-opt",
    "main",
    "help",
  ];
  for (const a of args) {
    const name = a.replace(/^--/, "").split("=")[0];
    if (!a.startsWith("--") || !known.includes(name)) {
      console.error(`unknown argument: ${a}\n\n${HELP}`);
      Deno.exit(64);
    }
  }
  if (args.includes("--help")) {
    console.log(HELP);
    Deno.exit(0);
  }
  const sets = (get("sets").pop() ?? SET_NAMES.join(",")).split(",").filter(Boolean);
  for (const s of sets) {
    if (!SET_NAMES.includes(s as SetName)) {
      console.error(`unknown set: ${s} (known: ${SET_NAMES.join(", ")})`);
      Deno.exit(64);
    }
  }
  const scale = Number(get("scale").pop() ?? "1");
  const seed = Number(get("seed").pop() ?? "1");
  if (!(scale > 0) || !Number.isInteger(seed)) {
    console.error("--scale must be > 0 and --seed an integer");
    Deno.exit(64);
  }
  const only = get("only").pop() ?? null;
  if (only !== null && only !== "ours" && only !== "restic") {
    console.error("--only must be ours or restic");
    Deno.exit(64);
  }
  const repeat = Number(get("repeat").pop() ?? "3");
  if (!Number.isInteger(repeat) || repeat < 1) {
    console.error("--repeat must be a whole number of at least 1");
    Deno.exit(64);
  }
  return {
    sets: sets as SetName[],
    scale,
    seed,
    only,
    repeat,
    keep: args.includes("--keep"),
    timeoutS: Number(get("timeout").pop() ?? Math.max(60, 300 * scale)),
    budgetS: Number(get("budget").pop() ?? Math.max(180, 840 * scale)),
    oursOpts: get("ours-opt"),
    main: get("main").pop() ?? new URL("../main.ts", import.meta.url).pathname,
  };
}

// ---------------------------------------------------------------------------------------------
// the two programs

const PASSPHRASE = "bench-passphrase";

type SideName = "ours" | "restic";

interface Cmd {
  cmd: string[];
  okCodes: number[];
  env?: Record<string, string>;
  cwd?: string;
}

/** One program under test, bound to one data set's run folder. */
interface Side {
  name: SideName;
  /** Set up (restic init); null when nothing to do. */
  init(): Cmd | null;
  /** A backup; `changes` tells whether the source changed since the last one (or is new). */
  backup(src: string, changes: boolean): Cmd;
  /** Restore everything (pattern undefined) or one file (absolute source path) into `out`. */
  restore(out: string, opts: { noLocalState: boolean; file?: string }): Cmd;
  /**
   * Empties the repository and the local state before another run of the first backup; returns
   * the command that sets the repository up again (restic init), if any.
   */
  reset(): Cmd | null;
  /** Drops local state (database / cache) before a "without local state" restore. */
  dropLocalState(): void;
  /** Cleans what a "without local state" run left behind. */
  afterNoLocalState(): void;
  repoBytes(): number;
  localStateBytes(): number;
  /** Where the repository is (read through before a restore, see readThrough). */
  repoDir: string;
}

function findOnPath(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const p = `${dir}/${name}`;
      const st = Deno.statSync(p);
      if (st.isFile && ((st.mode ?? 0o111) & 0o111)) return p;
    } catch { /* not here */ }
  }
  return null;
}

function oursSide(runDir: string, extra: string[]): Side {
  const repo = `${runDir}/ours-repo`;
  const db = `${runDir}/ours-db.sqlite`;
  const nodb = `${runDir}/ours-nodb.sqlite`;
  Deno.mkdirSync(repo, { recursive: true });
  // Run exactly as `deno task cli` (and the compiled program) does: with the V8 flags.
  const base = [Deno.execPath(), "run", "-A", `--v8-flags=${V8_FLAGS.join(",")}`, MAIN_TS];
  const common = { cwd: MAIN_DIR, env: { NO_COLOR: "1" } };
  const dbFiles = (p: string) => [p, `${p}-wal`, `${p}-shm`, `${p}-journal`];
  return {
    name: "ours",
    init: () => null,
    // Exit codes: 0 ok, 1 nothing changed (only valid when nothing changed), 2 warnings.
    backup: (src, changes) => ({
      cmd: [
        ...base,
        "backup",
        `file://${repo}`,
        src,
        `--passphrase=${PASSPHRASE}`,
        `--dbpath=${db}`,
        ...extra,
      ],
      okCodes: changes ? [0, 2] : [0, 1, 2],
      ...common,
    }),
    restore: (out, o) => ({
      cmd: [
        ...base,
        "restore",
        `file://${repo}`,
        ...(o.file ? [o.file] : []),
        `--restore-path=${out}`,
        `--passphrase=${PASSPHRASE}`,
        ...(o.noLocalState ? [`--dbpath=${nodb}`, "--no-local-db"] : [`--dbpath=${db}`]),
        "--overwrite",
        ...extra,
      ],
      okCodes: [0, 2],
      ...common,
    }),
    reset: () => {
      rmrf(repo);
      Deno.mkdirSync(repo, { recursive: true });
      dbFiles(db).forEach(rmrf);
      return null;
    },
    dropLocalState: () => dbFiles(nodb).forEach(rmrf),
    afterNoLocalState: () => dbFiles(nodb).forEach(rmrf),
    repoBytes: () => treeSize(repo).bytes,
    repoDir: repo,
    localStateBytes: () => dbFiles(db).reduce((n, p) => n + treeSize(p).bytes, 0),
  };
}

function resticSide(runDir: string, restic: string): Side {
  const repo = `${runDir}/restic-repo`;
  const cache = `${runDir}/restic-cache`;
  const env = { RESTIC_PASSWORD: PASSPHRASE };
  const base = [restic, "-r", repo, "--cache-dir", cache];
  const init = (): Cmd => ({ cmd: [...base, "init", "-q"], okCodes: [0], env });
  return {
    name: "restic",
    init,
    reset: () => {
      rmrf(repo);
      rmrf(cache);
      return init();
    },
    backup: (src) => ({
      cmd: [...base, "backup", src, "--host", "bench", "-q"],
      okCodes: [0, 3],
      env,
    }),
    restore: (out, o) => ({
      cmd: [
        ...base,
        "restore",
        "latest",
        "--target",
        out,
        ...(o.file ? ["--include", o.file] : []),
        "-q",
      ],
      okCodes: [0],
      env,
    }),
    dropLocalState: () => rmrf(cache),
    afterNoLocalState: () => {},
    repoBytes: () => treeSize(repo).bytes,
    repoDir: repo,
    localStateBytes: () => treeSize(cache).bytes,
  };
}

// ---------------------------------------------------------------------------------------------
// results

type StepName =
  | "first backup"
  | "nothing changed"
  | "incremental (edit)"
  | "full restore"
  | "restore, no local db"
  | "single-file restore";

/** Wall-time ratio targets (ours / restic) from the issue. */
const TARGETS: Partial<Record<StepName, number>> = {
  "first backup": 1.0,
  "nothing changed": 1.5,
  "incremental (edit)": 1.5,
  "full restore": 1.0,
  "restore, no local db": 1.5,
};
const RSS_TARGET_MB = 200;
const REPO_RATIO_TARGET = 1.2;

interface SideResult extends Measured {
  /** Bytes the step is about (source size for backups and full restores, file size otherwise). */
  bytes: number;
  mbps: number | null;
  verify?: Omit<Comparison, "root"> & { root: string };
  /** Set when a restore did not reproduce the source: this fails the bench. */
  mismatch?: boolean;
  /**
   * Wall times of every run of a repeated step, in order. The other fields are the median run's,
   * except the peak RSS, which is the largest of all runs.
   */
  runsS?: number[];
}

interface StepResult {
  step: StepName;
  sides: Partial<Record<SideName, SideResult>>;
  ratio: number | null;
  target: number | null;
}

interface SetResult {
  set: SetName;
  files: number;
  bytes: number;
  generatedSeconds: number;
  cached: boolean;
  copySeconds: number;
  edit?: EditSummary;
  singleFile?: string;
  steps: StepResult[];
  repoBytesFirst: Partial<Record<SideName, number>>;
  repoBytesEnd: Partial<Record<SideName, number>>;
  localStateBytes: Partial<Record<SideName, number>>;
}

// ---------------------------------------------------------------------------------------------

const opts = parseOptions(Deno.args);
const MAIN_TS = opts.main.startsWith("/")
  ? opts.main
  : `${Deno.env.get("INIT_CWD") ?? Deno.cwd()}/${opts.main}`; // deno task runs in the repo root
/** Our program runs with its checkout as the working directory (for its deno.json). */
const MAIN_DIR = MAIN_TS.slice(0, MAIN_TS.lastIndexOf("/")) || "/";
const started = performance.now();
const elapsedS = () => (performance.now() - started) / 1000;
const workDir = defaultWorkDir();
const log = (s: string) => console.log(s);
let failures = 0;
const mismatches: string[] = [];

async function syncDisks(): Promise<void> {
  try {
    await new Deno.Command("sync", { stdout: "null", stderr: "null" }).output();
  } catch { /* no sync: fine */ }
}

/** Sum of the block devices' busy time (ms, io_ticks), or undefined where /sys/block is absent. */
function diskBusyMs(): number | undefined {
  try {
    let total = 0;
    for (const e of Deno.readDirSync("/sys/block")) {
      if (/^(loop|ram|zram)/.test(e.name)) continue;
      const f = Deno.readTextFileSync(`/sys/block/${e.name}/stat`).trim().split(/\s+/);
      total += Number(f[9] ?? 0);
    }
    return total;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the disks have been idle for a second (at most `maxMs`): after a large delete, a disk
 * mounted with `discard` keeps trimming for seconds, and whoever runs next would pay for it.
 */
async function waitForIdleDisks(maxMs = 30_000): Promise<void> {
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  let last = diskBusyMs();
  if (last === undefined) return await sleep(1000);
  const start = performance.now();
  let quietSince = start;
  while (performance.now() - start < maxMs) {
    await sleep(250);
    const now = diskBusyMs()!;
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    } else if (performance.now() - quietSince >= 1000) return;
  }
}

async function runCmd(
  side: Side,
  c: Cmd,
  bytes: number,
  perSecond: boolean,
): Promise<SideResult> {
  let timeoutS = opts.timeoutS;
  if (side.name === "ours") {
    const left = opts.budgetS - elapsedS();
    if (left < 5) {
      failures++;
      return { ...skipped("run budget spent (--budget)"), bytes, mbps: null };
    }
    timeoutS = Math.min(timeoutS, left);
  }
  const m = await measure(c.cmd, { cwd: c.cwd, env: c.env, timeoutS, okCodes: c.okCodes });
  await syncDisks();
  // Deno exits with 1 on an uncaught error, which is also Duplicati's "nothing changed" code.
  if (m.status === "ok" && m.code !== 0 && /^error: /m.test(m.stderrTail ?? "")) {
    m.status = "failed";
    m.note = `exit code ${m.code} with an uncaught error\nstderr:\n${m.stderrTail}`;
  }
  delete m.stderrTail;
  const r: SideResult = {
    ...m,
    bytes,
    mbps: m.status === "ok" && m.wallS > 0 && perSecond ? bytes / 1e6 / m.wallS : null,
  };
  if (m.status !== "ok") {
    failures++;
    log(`  ${side.name}: ${m.status.toUpperCase()} (${c.cmd.slice(0, 6).join(" ")} …)`);
    if (m.note) log(m.note.split("\n").map((l) => `    | ${l}`).join("\n"));
  }
  return r;
}

/**
 * The median run by wall time (the lower middle one of an even count) with the peak RSS of all;
 * a failed run, if any, instead.
 */
function medianRun(list: SideResult[]): SideResult {
  const failed = list.find((r) => r.status !== "ok");
  if (failed || list.length === 1) return failed ?? list[0];
  const sorted = [...list].sort((a, b) => a.wallS - b.wallS);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const rss = list.map((r) => r.rssMB).filter((x): x is number => x !== null);
  return {
    ...median,
    rssMB: rss.length ? Math.max(...rss) : null,
    runsS: list.map((r) => r.wallS),
  };
}

function fmtStep(side: SideName, r: SideResult): string {
  if (r.status !== "ok") return `${side} ${r.status}`;
  const rss = r.rssMB !== null ? `, ${r.rssMB.toFixed(0)} MB RSS` : "";
  const mb = r.mbps !== null ? `, ${r.mbps.toFixed(0)} MB/s` : "";
  const runs = r.runsS ? ` (median of ${r.runsS.map((w) => w.toFixed(2)).join(" / ")})` : "";
  return `${side} ${r.wallS.toFixed(2)} s${runs}${mb}${rss}`;
}

function verifyFull(
  r: SideResult,
  out: string,
  sourceAbs: string,
  expected: Fingerprint,
  label: string,
): void {
  if (r.status !== "ok") return;
  const root = locateRestoredRoot(out, sourceAbs, expected);
  const c = compareTrees(expected, root);
  r.verify = c;
  if (!c.ok) flagMismatch(r, label, c);
}

function verifySingle(r: SideResult, out: string, sourceFile: string, label: string): void {
  if (r.status !== "ok") return;
  const want = `file:${Deno.statSync(sourceFile).size}:${hashFile(sourceFile)}`;
  const files = walk(out).filter((e) => e.type !== "dir");
  const name = sourceFile.split("/").pop()!;
  const hit = files.find((e) => e.rel.split("/").pop() === name);
  const got = hit?.type === "file" ? `file:${hit.size}:${hashFile(`${out}/${hit.rel}`)}` : "none";
  const examples: string[] = [];
  if (!hit) examples.push(`missing: ${name} not found under ${out}`);
  else if (got !== want) examples.push(`different: ${hit.rel}: expected ${want}, got ${got}`);
  for (const e of files) if (e !== hit) examples.push(`extra: ${e.rel}`);
  const c: Comparison = {
    ok: examples.length === 0,
    root: out,
    checkedFiles: hit && got === want ? 1 : 0,
    checkedBytes: hit && got === want ? hit.size : 0,
    missing: hit ? 0 : 1,
    extra: files.length - (hit ? 1 : 0),
    different: hit && got !== want ? 1 : 0,
    examples: examples.slice(0, 12),
  };
  r.verify = c;
  if (!c.ok) flagMismatch(r, label, c);
}

function flagMismatch(r: SideResult, label: string, c: Comparison): void {
  r.mismatch = true;
  const msg = `${label}: ${c.missing} missing, ${c.different} different, ${c.extra} extra ` +
    `(restored root ${c.root})`;
  mismatches.push(msg);
  const bar = "!".repeat(78);
  console.error(`\n${bar}\n!!! RESTORE MISMATCH — ${msg}`);
  for (const e of c.examples) console.error(`!!!   ${e}`);
  console.error(`${bar}\n`);
}

/** Picks a small text file whose absolute path is not a prefix of any other path. */
function pickSingleFile(src: string, expected: Fingerprint): string | null {
  const keys = [...expected.keys()];
  const cands = keys.filter((k) => {
    const v = expected.get(k)!;
    if (!v.startsWith("file:") || !/\.(txt|md|c|py|json)$/.test(k)) return false;
    const size = Number(v.split(":")[1]);
    return size >= 4096 && size <= 65536;
  }).sort();
  for (let i = Math.floor(cands.length / 2); i < cands.length; i++) {
    const k = cands[i];
    if (!keys.some((o) => o !== k && o.startsWith(k))) return `${src}/${k}`;
  }
  return null;
}

/**
 * Reads every file under `dir` once, so that the next command finds it in the page cache. The
 * kernel here drops pages that were not used for a while, and each side would otherwise pay a
 * different share of cold reads depending on what ran before it.
 */
function readThrough(dir: string): void {
  const buf = new Uint8Array(1 << 20);
  for (const e of walk(dir)) {
    if (e.type !== "file") continue;
    using f = Deno.openSync(`${dir}/${e.rel}`);
    while ((f.readSync(buf) ?? 0) > 0) { /* read through */ }
  }
}

async function runSet(
  ds: DataSet,
  sideNames: SideName[],
  restic: string | null,
): Promise<SetResult> {
  const runDir = `${workDir}/run/${ds.name}`;
  deleteLater(runDir);
  Deno.mkdirSync(runDir, { recursive: true });
  /**
   * Restore outputs are moved here and deleted only after the last step. Deleting tens of
   * thousands of files right before a timed restore makes ext4 skip the recently freed inodes
   * one by one for every file the restore creates (its "recently deleted" check, up to minutes
   * after the deletion), which slowed whichever side ran next by seconds.
   */
  const trash = `${runDir}/trash`;
  let asides = 0;
  const putAside = (path: string) => {
    try {
      Deno.statSync(path);
    } catch {
      return;
    }
    Deno.mkdirSync(trash, { recursive: true });
    Deno.renameSync(path, `${trash}/${++asides}`);
  };
  const res: SetResult = {
    set: ds.name,
    files: ds.manifest.files,
    bytes: ds.manifest.bytes,
    generatedSeconds: ds.manifest.generateSeconds,
    cached: ds.cached,
    copySeconds: 0,
    steps: [],
    repoBytesFirst: {},
    repoBytesEnd: {},
    localStateBytes: {},
  };

  // The source: mixed is edited in place, so it runs on a copy of the cached tree.
  let src = ds.root;
  if (ds.name === "mixed") {
    src = `${runDir}/src`;
    const t = performance.now();
    const cp = await new Deno.Command("cp", { args: ["-a", ds.root, src] }).output();
    if (!cp.success) throw new Error(`cp -a failed: ${new TextDecoder().decode(cp.stderr)}`);
    res.copySeconds = (performance.now() - t) / 1000;
    log(`  copied the source to ${src} in ${res.copySeconds.toFixed(1)} s`);
  } else {
    // Generated earlier: read it once so that neither side pays for a cold page cache (the side
    // that runs first would otherwise read from disk and the other from memory).
    const t = performance.now();
    readThrough(src);
    log(
      `  read the source once to warm the page cache (${
        ((performance.now() - t) / 1000).toFixed(1)
      } s)`,
    );
  }
  await syncDisks();

  const sides: Side[] = sideNames.map((n) =>
    n === "ours" ? oursSide(runDir, opts.oursOpts) : resticSide(runDir, restic!)
  );
  const broken = new Map<SideName, string>();
  for (const s of sides) {
    const c = s.init();
    if (!c) continue;
    const m = await measure(c.cmd, { env: c.env, timeoutS: 120, okCodes: c.okCodes });
    if (m.status !== "ok") {
      broken.set(s.name, `init failed: ${m.note}`);
      log(`  ${s.name} init failed:\n${m.note}`);
      failures++;
    }
  }

  let bytes = treeSize(src).bytes;
  /**
   * Lets the disk settle before each timed command: flushes dirty pages (a previous restore just
   * wrote, and deleted, a gigabyte) so no side pays for the other's writeback. Same for both sides.
   */
  const settle = async () => {
    await syncDisks();
    await waitForIdleDisks();
  };

  /**
   * Runs one step for every side. With `repeat`, the step runs `opts.repeat` times, interleaved
   * (ours, restic, ours, restic, ...), and each side's median run counts; `reset` runs (untimed)
   * before every run after the first.
   */
  const step = async (
    name: StepName,
    cmdFor: (s: Side, out: string) => Cmd,
    opt: {
      bytes?: number;
      before?: (s: Side) => void;
      after?: (s: Side, r: SideResult, out: string) => void;
      /** What the command reads (warmed before it runs); default the source. */
      reads?: "source" | "repository";
      repeat?: boolean;
      /** Puts the side back in the state the step starts from (see Side.reset). */
      reset?: (s: Side) => Cmd | null;
    } = {},
  ) => {
    const sr: StepResult = { step: name, sides: {}, ratio: null, target: TARGETS[name] ?? null };
    const runs = new Map<SideName, SideResult[]>();
    const rounds = opt.repeat ? opts.repeat : 1;
    for (let round = 0; round < rounds; round++) {
      for (const s of sides) {
        const b = opt.bytes ?? bytes;
        const reason = broken.get(s.name);
        if (reason) {
          sr.sides[s.name] = { ...skipped(reason), bytes: b, mbps: null };
          continue;
        }
        const done = runs.get(s.name) ?? [];
        if (done.some((r) => r.status !== "ok")) continue; // a failed run ends the side's step
        if (round > 0 && opt.reset) {
          const c = opt.reset(s);
          if (c) await measure(c.cmd, { env: c.env, timeoutS: 120, okCodes: c.okCodes });
        }
        const out = `${runDir}/out-${s.name}`;
        putAside(out);
        opt.before?.(s);
        // What the command reads comes from memory for both sides: the source for a backup, the
        // side's own repository for a restore.
        readThrough(opt.reads === "repository" ? s.repoDir : src);
        await settle();
        const r = await runCmd(s, cmdFor(s, out), b, opt.bytes === undefined);
        opt.after?.(s, r, out);
        putAside(out);
        runs.set(s.name, [...done, r]);
      }
    }
    for (const [side, list] of runs) sr.sides[side] = medianRun(list);
    const o = sr.sides.ours, r = sr.sides.restic;
    if (o?.status === "ok" && r?.status === "ok" && r.wallS > 0) sr.ratio = o.wallS / r.wallS;
    res.steps.push(sr);
    log(
      `  ${name.padEnd(22)} ` +
        Object.entries(sr.sides).map(([n, x]) => fmtStep(n as SideName, x!)).join(" | ") +
        (sr.ratio !== null ? ` | ratio ${sr.ratio.toFixed(2)}` : ""),
    );
    return sr;
  };

  // 1. first backup
  const first = await step("first backup", (s) => s.backup(src, true), {
    repeat: true,
    reset: (s) => s.reset(),
    after: (s, r) => {
      if (r.status === "ok" && s.repoBytes() === 0) {
        r.status = "failed";
        r.note = "the repository is empty after the first backup";
        failures++;
        log(`  ${s.name}: FAILED: ${r.note}`);
      }
    },
  });
  for (const s of sides) {
    if (first.sides[s.name]?.status !== "ok" && !broken.has(s.name)) {
      broken.set(s.name, "first backup failed");
    }
    if (!broken.has(s.name)) res.repoBytesFirst[s.name] = s.repoBytes();
  }
  // 2. nothing changed
  await step("nothing changed", (s) => s.backup(src, false));
  // 3. incremental after the edit step
  if (ds.name === "mixed") {
    const t = performance.now();
    res.edit = applyEdit(src, opts.seed);
    bytes = treeSize(src).bytes;
    log(
      `  edit step applied in ${((performance.now() - t) / 1000).toFixed(1)} s: ${
        JSON.stringify(res.edit)
      }`,
    );
    await syncDisks();
    await step("incremental (edit)", (s) => s.backup(src, true));
  }
  for (const s of sides) {
    if (!broken.has(s.name)) {
      res.repoBytesEnd[s.name] = s.repoBytes();
      res.localStateBytes[s.name] = s.localStateBytes();
    }
  }

  // What a restore must reproduce.
  const t = performance.now();
  const expected = fingerprint(src);
  log(
    `  fingerprinted the source (${expected.size} entries) in ${
      ((performance.now() - t) / 1000).toFixed(1)
    } s`,
  );

  // 4. full restore
  await step("full restore", (s, out) => s.restore(out, { noLocalState: false }), {
    reads: "repository",
    repeat: true,
    after: (s, r, out) =>
      verifyFull(r, out, src, expected, `${s.name} / ${ds.name} / full restore`),
  });
  if (ds.name === "mixed") {
    // 5. full restore without local state
    await step("restore, no local db", (s, out) => s.restore(out, { noLocalState: true }), {
      reads: "repository",
      repeat: true,
      before: (s) => s.dropLocalState(),
      after: (s, r, out) => {
        verifyFull(r, out, src, expected, `${s.name} / ${ds.name} / restore without local db`);
        s.afterNoLocalState();
      },
    });
    // 6. one small file
    const file = pickSingleFile(src, expected);
    if (file) {
      res.singleFile = file;
      await step("single-file restore", (s, out) => s.restore(out, { noLocalState: false, file }), {
        reads: "repository",
        repeat: true,
        bytes: Deno.statSync(file).size,
        after: (s, r, out) =>
          verifySingle(r, out, file, `${s.name} / ${ds.name} / single-file restore`),
      });
    }
  }

  deleteLater(trash);
  if (!opts.keep) {
    deleteLater(runDir);
  } else log(`  kept ${runDir}`);
  return res;
}

/**
 * Folders to delete once every set has run. Deleting tens of thousands of files slows the file
 * creation of the next minute or so (see `trash` in runSet): done between sets, it fell on the
 * next set's restore, on whichever side ran first.
 */
const doomed: string[] = [];

/** Moves `path` (if it exists) out of the way now and deletes it at the end of the run. */
function deleteLater(path: string): void {
  try {
    Deno.statSync(path);
  } catch {
    return;
  }
  const aside = `${workDir}/doomed/${doomed.length}-${Date.now()}`;
  Deno.mkdirSync(`${workDir}/doomed`, { recursive: true });
  Deno.renameSync(path, aside);
  doomed.push(aside);
}

// ---------------------------------------------------------------------------------------------
// report

function pad(s: string, n: number, left = false): string {
  return left ? s.padEnd(n) : s.padStart(n);
}

function cells(r: SideResult | undefined): string[] {
  if (!r) return ["", "", "", ""];
  if (r.status !== "ok") return [r.status.toUpperCase(), "", "", ""];
  const wall = `${r.wallS.toFixed(2)}${r.mismatch ? "!" : ""}`;
  return [
    wall,
    r.cpuS !== null ? r.cpuS.toFixed(2) : "?",
    r.mbps !== null ? r.mbps.toFixed(1) : "",
    r.rssMB !== null ? r.rssMB.toFixed(0) : "?",
  ];
}

function report(results: SetResult[], sideNames: SideName[]): string {
  const lines: string[] = [];
  const MBf = (b: number | undefined) => (b === undefined ? "-" : (b / 1e6).toFixed(1));
  for (const r of results) {
    lines.push("");
    lines.push(
      `${r.set}: ${r.files.toLocaleString("en")} files, ${(r.bytes / 1e6).toFixed(1)} MB` +
        ` (generation ${r.generatedSeconds.toFixed(1)} s${r.cached ? ", cached" : ""})`,
    );
    const head1 = [pad("", 22, true)];
    const head2 = [pad("step", 22, true)];
    for (const s of sideNames) {
      head1.push(pad(s, 29, true));
      head2.push(`${pad("wall s", 8)} ${pad("CPU s", 6)} ${pad("MB/s", 7)} ${pad("RSS", 5)}`);
    }
    if (sideNames.length === 2) {
      head1.push("ours/restic");
      head2.push(`${pad("ratio", 7)} ${pad("target", 7)}`);
    }
    lines.push(head1.join(" | "));
    lines.push(head2.join(" | "));
    lines.push("-".repeat(head2.join(" | ").length + 6));
    for (const st of r.steps) {
      const row = [pad(st.step, 22, true)];
      for (const s of sideNames) {
        const c = cells(st.sides[s]);
        row.push(`${pad(c[0], 8)} ${pad(c[1], 6)} ${pad(c[2], 7)} ${pad(c[3], 5)}`);
      }
      if (sideNames.length === 2) {
        const verdict = sideNames.some((s) => st.sides[s]?.mismatch)
          ? "  MISMATCH"
          : st.ratio === null || st.target === null
          ? ""
          : st.ratio <= st.target
          ? "  ok"
          : "  MISSED";
        row.push(
          `${pad(st.ratio !== null ? st.ratio.toFixed(2) : "-", 7)} ${
            pad(st.target !== null ? `<= ${st.target.toFixed(1)}` : "", 7)
          }${verdict}`,
        );
      }
      lines.push(row.join(" | "));
    }
    const peak = (s: SideName) => {
      const xs = r.steps.map((st) => st.sides[s]).filter((x) =>
        x?.status === "ok" && x.rssMB !== null
      )
        .map((x) => x!.rssMB!);
      return xs.length ? Math.max(...xs) : null;
    };
    const rssLine = sideNames.map((s) => {
      const p = peak(s);
      const v = s === "ours" && p !== null
        ? (p <= RSS_TARGET_MB ? " (ok)" : ` (MISSED: target <= ${RSS_TARGET_MB} MB)`)
        : "";
      return `${s} ${p !== null ? p.toFixed(0) + " MB" : "-"}${v}`;
    });
    lines.push(`peak RSS: ${rssLine.join(", ")}   (target for ours: <= ${RSS_TARGET_MB} MB)`);
    const repo = sideNames.map((s) =>
      `${s} ${MBf(r.repoBytesFirst[s])} MB` +
      (r.repoBytesEnd[s] !== undefined && r.set === "mixed"
        ? ` (${MBf(r.repoBytesEnd[s])} MB after edit)`
        : "")
    );
    let repoLine = `repository size after the first backup: ${repo.join(", ")}`;
    const ro = r.repoBytesFirst.ours, rr = r.repoBytesFirst.restic;
    if (ro !== undefined && rr !== undefined && rr > 0) {
      const q = ro / rr;
      repoLine += ` — ratio ${q.toFixed(2)} (target <= ${REPO_RATIO_TARGET}: ${
        q <= REPO_RATIO_TARGET ? "ok" : "MISSED"
      })`;
    }
    lines.push(repoLine);
    lines.push(
      `local state (db / cache): ${
        sideNames.map((s) => `${s} ${MBf(r.localStateBytes[s])} MB`).join(", ")
      }`,
    );
    const checks: string[] = [];
    for (const st of r.steps) {
      for (const s of sideNames) {
        const x = st.sides[s];
        if (x?.verify) {
          checks.push(
            `${s} ${st.step}: ${x.verify.ok ? "OK" : "MISMATCH"} (${x.verify.checkedFiles} files)`,
          );
        }
      }
    }
    if (checks.length) lines.push(`restore checks: ${checks.join("; ")}`);
  }
  return lines.join("\n");
}

async function version(cmd: string[]): Promise<string> {
  try {
    const o = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(o.stdout).trim().split("\n")[0];
  } catch {
    return "unavailable";
  }
}

// ---------------------------------------------------------------------------------------------
// main

const restic = opts.only === "ours" ? null : findOnPath("restic");
const sideNames: SideName[] = [];
if (opts.only !== "restic") sideNames.push("ours");
if (opts.only !== "ours") {
  if (restic) sideNames.push("restic");
  else log(`restic is not on PATH: measuring our program only (no ratios)`);
}
if (sideNames.length === 0) {
  console.error("nothing to measure");
  Deno.exit(1);
}

log(
  `bench: sets=${opts.sets.join(",")} scale=${opts.scale} seed=${opts.seed} sides=${
    sideNames.join(",")
  }` +
    ` timeout=${opts.timeoutS}s budget=${opts.budgetS}s timing=${
      hasGnuTime() ? "GNU time" : "bash time + /proc VmHWM"
    }`,
);
log(
  `method: the first backup and the restores run ${opts.repeat} times per side, the other steps once; runs are interleaved (ours, then restic) and each side's median run counts (peak RSS: the largest of its runs); no warm-up run;` +
    " the page cache is not dropped, and before every timed command what it reads (the source, or the side's repository) is read through once, so reads are warm for both sides;" +
    " before every timed command dirty pages are flushed (sync) and the disks must have been idle for 1 s (at most 30 s of waiting).",
);

const oursAvailable = (() => {
  try {
    return Deno.statSync(MAIN_TS).isFile;
  } catch {
    return false;
  }
})();
if (sideNames.includes("ours")) {
  if (!oursAvailable) log(`our program: ${MAIN_TS} not found — its steps will fail`);
  else {
    // Load our module graph once (transpile cache), so the first timed step does not pay for it.
    const m = await measure([Deno.execPath(), "run", "-A", MAIN_TS, "help"], {
      cwd: MAIN_DIR,
      env: { NO_COLOR: "1" },
      timeoutS: 120,
      okCodes: [0, 1, 2, 64, 100, 200],
    });
    log(
      `our program: module graph loaded (\`main.ts help\`: exit ${m.code}, ${
        m.wallS.toFixed(2)
      } s)`,
    );
  }
}

const datasets: DataSet[] = [];
for (const name of opts.sets) {
  log(`generating ${name} (scale ${opts.scale}, seed ${opts.seed}) …`);
  const ds = ensureDataSet(name, opts.seed, opts.scale, workDir);
  datasets.push(ds);
  log(
    `  ${ds.manifest.files} files, ${(ds.manifest.bytes / 1e6).toFixed(1)} MB: ` +
      (ds.cached
        ? `cached (generated earlier in ${ds.manifest.generateSeconds} s)`
        : `generated in ${ds.seconds.toFixed(1)} s`),
  );
}

const results: SetResult[] = [];
for (const ds of datasets) {
  log(`\n== ${ds.name} ==`);
  results.push(await runSet(ds, sideNames, restic));
}

const table = report(results, sideNames);
log(
  `\n${
    "=".repeat(100)
  }\nRESULTS (wall s, CPU s = user+sys, MB/s = step bytes / wall, RSS = peak MB)${table}`,
);
log(
  `\nThe first backup and the restores show each side's median of ${opts.repeat} interleaved runs, the` +
    ` other steps one run; no warm-up, page cache not dropped. Absolute times drift with machine load,` +
    ` the ratios are what to compare. "!" after a wall time = restore mismatch.`,
);
for (const d of doomed) rmrf(d);
rmrf(`${workDir}/doomed`);
log(`total run time ${elapsedS().toFixed(0)} s`);

const date = new Date().toISOString().replace(/[:.]/g, "-");
const jsonPath = `${workDir}/results-${date}.json`;
Deno.mkdirSync(workDir, { recursive: true });
Deno.writeTextFileSync(
  jsonPath,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      options: opts,
      machine: {
        cpus: navigator.hardwareConcurrency,
        loadavg: Deno.loadavg(),
        kernel: Deno.osRelease(),
        deno: Deno.version.deno,
        restic: restic ? await version([restic, "version"]) : null,
        timing: hasGnuTime() ? "GNU time" : "bash time + /proc VmHWM polling",
      },
      method:
        `first backup and restores: ${opts.repeat} runs per side, interleaved (ours then restic), median counts; other steps: one run; no warm-up, page cache not dropped`,
      targets: { ratios: TARGETS, rssMB: RSS_TARGET_MB, repoRatio: REPO_RATIO_TARGET },
      totalSeconds: elapsedS(),
      failures,
      mismatches,
      sets: results,
    },
    null,
    2,
  ) + "\n",
);
log(`results written to ${jsonPath}`);

if (mismatches.length) {
  console.error(`\n!!! ${mismatches.length} RESTORE MISMATCH(ES) — the bench FAILS:`);
  for (const m of mismatches) console.error(`!!!   ${m}`);
  Deno.exit(2);
}
if (failures) {
  console.error(`\n${failures} command(s) failed (see above)`);
  Deno.exit(1);
}
