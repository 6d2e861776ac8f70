/**
 * `duplicati-backend-tester <url>`: uploads, lists, downloads and deletes random files on a
 * destination and checks every step, as Duplicati's BackendTester. Options (Duplicati's names and
 * defaults): --reruns=5, --number-of-files=10, --min-file-size=1kb, --max-file-size=50mb (bare
 * numbers are MB), --min-filename-length=5, --max-filename-length=80, --extended-chars,
 * --trim-filename-spaces, --auto-create-folder, --skip-overwrite-test, --auto-clean with --force,
 * --wait-after-upload, --wait-after-delete, --tempdir. Exit codes: 0 all runs passed, 100 a check
 * failed, 200 wrong usage.
 */
import { join } from "node:path";
import { ExitCode } from "../core/errors.ts";
import { parseSize } from "../core/sizes.ts";
import { parseTimespan } from "../core/timespan.ts";
import type { Backend } from "../backends/backend.ts";
import { FolderMissingError } from "../backends/backend.ts";
import { BACKEND_MODULES } from "../backends/registry.ts";
import { openToolBackend, parseToolArgs } from "./tool_args.ts";
import { hashFile, randomFile } from "./random_file.ts";
import type { OptionValues } from "../core/option_values.ts";

const VALID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ123456789";
const EXTENDED_CHARS = "-_',=)(&%$#@! +";

interface TestFile {
  remote: string;
  local: string;
  sha256: string;
  size: number;
}

/** The tester's settings, read from the options. */
interface TesterSettings {
  files: number;
  minSize: number;
  maxSize: number;
  minName: number;
  maxName: number;
  chars: string;
  trim: boolean;
  autoCreate: boolean;
  skipOverwrite: boolean;
  autoClean: boolean;
  force: boolean;
  waitUpload: number;
  waitDelete: number;
}

function settings(o: OptionValues): TesterSettings {
  const num = (n: string, d: number) => o.has(n) ? Number(o.str(n)) : d;
  const size = (n: string, d: number) => o.has(n) ? parseSize(o.str(n)!, "mb") : d;
  const wait = (n: string) => o.has(n) ? parseTimespan(o.str(n)!, "s") : 0;
  return {
    files: num("number-of-files", 10),
    minSize: size("min-file-size", 1024),
    maxSize: size("max-file-size", 50 * 1024 * 1024),
    minName: num("min-filename-length", 5),
    maxName: num("max-filename-length", 80),
    chars: VALID_CHARS + (o.has("extended-chars") ? o.str("extended-chars")! : EXTENDED_CHARS),
    trim: o.bool("trim-filename-spaces"),
    autoCreate: o.bool("auto-create-folder"),
    skipOverwrite: o.bool("skip-overwrite-test"),
    autoClean: o.bool("auto-clean"),
    force: o.bool("force"),
    waitUpload: wait("wait-after-upload"),
    waitDelete: wait("wait-after-delete"),
  };
}

function randInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (Math.max(min, max) - min + 1));
}

function randomName(s: TesterSettings, taken: Set<string>): string {
  for (;;) {
    let name = "";
    const len = randInt(s.minName, s.maxName);
    for (let i = 0; i < len; i++) name += s.chars[randInt(0, s.chars.length - 1)];
    if (s.trim) name = name.trim();
    if (name !== "" && name !== "." && name !== ".." && !taken.has(name)) return name;
  }
}

const sleep = (ms: number) => ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();

/** One run; returns the number of problems found (printed as `*** ...` lines). */
async function runOnce(
  backend: Backend,
  s: TesterSettings,
  first: boolean,
  tmp: string,
  out: (s: string) => void,
): Promise<number> {
  let problems = 0;
  const problem = (msg: string) => {
    problems++;
    out(`*** ${msg}`);
  };
  let listing;
  try {
    await backend.test();
    listing = await backend.list();
  } catch (err) {
    if (!(err instanceof FolderMissingError) || !s.autoCreate) throw err;
    await backend.createFolder();
    listing = await backend.list();
  }
  for (const e of listing.filter((e) => !e.isFolder)) {
    if (s.autoClean && first && s.force) {
      out(`Auto clean, removing file: ${e.name}`);
      await backend.delete(e.name);
      continue;
    }
    if (s.autoClean && first) out("Specify the --force flag to actually delete files");
    problem("Remote folder is not empty, aborting");
    return problems;
  }

  const taken = new Set<string>();
  const files: TestFile[] = [];
  for (let i = 0; i < s.files; i++) {
    const remote = randomName(s, taken);
    taken.add(remote);
    const size = randInt(s.minSize, s.maxSize);
    const f = await randomFile(tmp, size);
    files.push({ remote, local: f.path, sha256: f.sha256, size });
  }

  if (!s.skipOverwrite && files.length > 0) {
    out("Uploading wrong files ...");
    const dummy = await randomFile(tmp, randInt(1024, 2048));
    // Entry 0 twice, to confuse any cache of the listing; the real files replace these.
    await backend.put(files[0].remote, dummy.path);
    await backend.put(files[0].remote, dummy.path);
    await backend.put(files[files.length - 1].remote, dummy.path);
  }

  out("Uploading files ...");
  for (const [i, f] of files.entries()) {
    out(`Uploading file ${i}, ${f.size} bytes ...`);
    await backend.put(f.remote, f.local);
  }
  await sleep(s.waitUpload);

  out("Verifying file list ...");
  const seen = new Map<string, number>();
  for (const e of (await backend.list()).filter((e) => !e.isFolder)) {
    const f = files.find((x) => x.remote === e.name);
    if (!f) {
      problem(`File with name ${e.name} was found on server but not uploaded!`);
      continue;
    }
    seen.set(e.name, (seen.get(e.name) ?? 0) + 1);
    if (seen.get(e.name) === 2) problem(`File with name ${e.name} was found more than once`);
    if (e.size >= 0 && e.size !== f.size) {
      problem(`File with name ${e.name} has size ${f.size} but the size was reported as ${e.size}`);
    }
  }
  for (const f of files) {
    if (!seen.has(f.remote)) {
      problem(`File with name ${f.remote} was uploaded but not found afterwards`);
    }
  }

  out("Downloading files");
  for (const [i, f] of files.entries()) {
    const back = join(tmp, `download-${i}`);
    try {
      await backend.get(f.remote, back);
      const st = await Deno.stat(back);
      if (st.size !== f.size) {
        problem(`Remote file ${f.remote} was downloaded with ${st.size} bytes, expected ${f.size}`);
      } else if (await hashFile(back) !== f.sha256) {
        problem(`Remote file ${f.remote} was downloaded but its content differs`);
      } else out(`Downloaded file ${i}, content verified`);
    } catch (err) {
      problem(`Downloading ${f.remote} failed: ${(err as Error).message}`);
    }
    await Deno.remove(back).catch(() => {});
  }

  out("Deleting files...");
  for (const f of files) {
    try {
      await backend.delete(f.remote);
    } catch (err) {
      problem(`Deleting ${f.remote} failed: ${(err as Error).message}`);
    }
    await Deno.remove(f.local).catch(() => {});
  }
  await sleep(s.waitDelete);

  out("Checking retrieval of non-existent file...");
  try {
    await backend.get(`NonExistentFile-${crypto.randomUUID()}`, join(tmp, "none"));
    problem("Retrieving a non-existent file did not fail");
  } catch (err) {
    if ((err as Error).name !== "FileMissingError") {
      problem(`Retrieving a non-existent file gave ${(err as Error).name}, not FileMissingError`);
    }
  }

  const left = (await backend.list()).filter((e) => !e.isFolder && taken.has(e.name));
  for (const e of left) problem(`File ${e.name} was deleted but is still listed`);
  return problems;
}

/** Runs the backend tester; returns the exit code. `out` receives each output line. */
export async function runBackendTester(
  argv: string[],
  out: (s: string) => void = console.log,
): Promise<number> {
  let args;
  try {
    args = parseToolArgs(argv);
  } catch (err) {
    out(`Unittest failed: ${(err as Error).message}`);
    return ExitCode.BadArguments;
  }
  if (args.positionals.length !== 1 || ["help", "?"].includes(args.positionals[0].toLowerCase())) {
    out("Usage: <protocol>://<username>:<password>@<path>");
    out("Example: ftp://user:pass@server/folder");
    out("");
    out("Supported backends: " + BACKEND_MODULES.flatMap((m) => m.schemes).join(","));
    out("Options: --reruns --number-of-files --min-file-size --max-file-size");
    out("  --min-filename-length --max-filename-length --extended-chars --trim-filename-spaces");
    out("  --auto-create-folder --skip-overwrite-test --auto-clean --force");
    out("  --wait-after-upload --wait-after-delete --tempdir, and the backend's own options");
    return ExitCode.BadArguments;
  }
  const opts = args.options;
  let s: TesterSettings;
  let reruns: number;
  try {
    s = settings(opts);
    reruns = opts.has("reruns") ? Number(opts.str("reruns")) : 5;
    for (const [k, v] of Object.entries({ reruns, ...s })) {
      if (typeof v === "number" && !(Number.isFinite(v) && v >= 0)) {
        throw new Error(`invalid value for --${k}`);
      }
    }
    if (s.minSize > s.maxSize) throw new Error("--min-file-size is larger than --max-file-size");
  } catch (err) {
    out(`Unittest failed: ${(err as Error).message}`);
    return ExitCode.BadArguments;
  }
  const tempBase = opts.str("tempdir");
  const tmp = await Deno.makeTempDir({ dir: tempBase, prefix: "backend-tester-" });
  let backend;
  try {
    backend = openToolBackend(args.positionals[0], opts);
    for (let i = 0; i < reruns; i++) {
      out(`Starting run no ${i}`);
      const problems = await runOnce(backend, s, i === 0, tmp, out);
      if (problems > 0) {
        out(`Unittest failed: ${problems} problem(s) in run no ${i}`);
        return ExitCode.Fatal;
      }
    }
    out("Unittest complete!");
    return ExitCode.Success;
  } catch (err) {
    out(`Unittest failed: ${(err as Error).message}`);
    return (err as { exitCode?: number }).exitCode === ExitCode.BadArguments
      ? ExitCode.BadArguments
      : ExitCode.Fatal;
  } finally {
    await backend?.close().catch(() => {});
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}
