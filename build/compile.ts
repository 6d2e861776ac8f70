/**
 * `deno task compile`: builds the single executable with `deno compile` for each target
 * (linux-x64, linux-arm64, windows-x64, macos-x64, macos-arm64), with the program's V8 flags.
 *
 * Only main.ts's module graph is embedded: the compile runs against a generated config whose
 * import map leaves out the build-only packages (esbuild, playwright-core, the UI's preact), with
 * npm versions pinned from deno.lock. The build prints what is embedded and the binary's size.
 *
 * `deno compile` needs the Deno runtime (denort) of each target: it downloads it from
 * dl.deno.land, or takes the file named by the DENORT_BIN environment variable. Without either,
 * the build fails with a message saying so.
 *
 * Usage: deno task compile [--target=linux-x64,...] [--out=dist/bin]
 */
import { join } from "node:path";
import { ROOT } from "./npm_links.ts";
import { V8_FLAGS } from "../src/core/memory.ts";
import { PRODUCT_NAME, VERSION } from "../src/core/version.ts";

/** The targets by their short name, with Deno's target triples. */
export const TARGETS: Record<string, string> = {
  "linux-x64": "x86_64-unknown-linux-gnu",
  "linux-arm64": "aarch64-unknown-linux-gnu",
  "windows-x64": "x86_64-pc-windows-msvc",
  "macos-x64": "x86_64-apple-darwin",
  "macos-arm64": "aarch64-apple-darwin",
};

/** Packages used only by the build and the tests; they must not be in the executable. */
export const BUILD_ONLY = ["esbuild", "playwright-core", "preact"];

/** The short name of the machine running the build (linux-x64, ...). */
export function hostTarget(): string {
  const os = Deno.build.os === "darwin" ? "macos" : Deno.build.os;
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  return `${os}-${arch}`;
}

/** The executable's file name for a target. */
export function exeName(target: string): string {
  return target.startsWith("windows") ? "duplicati.exe" : "duplicati";
}

/** The result of compiling one target. */
export type CompileResult =
  | { ok: true; path: string; size: number; embedded: string }
  | { ok: false; reason: string; embedded?: string };

/** Writes the config the compile runs with: deno.json without build-only imports, versions pinned. */
async function runtimeConfig(dir: string): Promise<string> {
  const cfg = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const lock = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.lock")).catch(() => "{}"));
  const pinned: Record<string, string> = lock.specifiers ?? {};
  const imports: Record<string, string> = {};
  for (const [name, spec] of Object.entries(cfg.imports as Record<string, string>)) {
    if (BUILD_ONLY.includes(name.replace(/\/$/, ""))) continue;
    const m = spec.match(/^npm:(\/?)((?:@[^/@]+\/)?[^/@]+)@([^/]+)(\/?)$/);
    const exact = m && pinned[`npm:${m[2]}@${m[3]}`];
    imports[name] = exact ? `npm:${m[1]}${m[2]}@${exact}${m[4]}` : spec;
  }
  const path = join(dir, "deno.json");
  await Deno.writeTextFile(
    path,
    JSON.stringify({ imports, compilerOptions: cfg.compilerOptions, lock: false }),
  );
  return path;
}

function missingRuntime(target: string, detail: string): string {
  const triple = TARGETS[target];
  return `The Deno runtime for ${target} could not be obtained (${detail}). deno compile downloads ` +
    `it from dl.deno.land, which cannot be reached from here. Set the DENORT_BIN environment ` +
    `variable to a denort binary for ${triple} (from denort-${triple}.zip at ` +
    `https://dl.deno.land/release/v${Deno.version.deno}/ , downloaded on a computer with internet ` +
    `access) and build that target alone: DENORT_BIN=/path/to/denort deno task compile ` +
    `--target=${target}`;
}

/** Compiles one target into `outDir/<target>/`. Never throws for a failed compile. */
export async function compileTarget(target: string, outDir: string): Promise<CompileResult> {
  const triple = TARGETS[target];
  if (!triple) {
    return {
      ok: false,
      reason: `Unknown target ${target}: use ${Object.keys(TARGETS).join(", ")}`,
    };
  }
  const tmp = await Deno.makeTempDir({ prefix: "compile-" });
  try {
    const dir = join(outDir, target);
    await Deno.mkdir(dir, { recursive: true });
    const path = join(dir, exeName(target));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        "-A",
        `--config=${await runtimeConfig(tmp)}`,
        `--v8-flags=${V8_FLAGS.join(",")}`,
        "--include=src/engine/cpu_worker.ts",
        `--target=${triple}`,
        `--output=${path}`,
        "main.ts",
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    if (!out.success) {
      const denort = Deno.env.get("DENORT_BIN");
      if (/dl\.deno\.land|error sending request|dns error|Could not find denort/i.test(text)) {
        const detail = denort
          ? `DENORT_BIN=${denort} cannot be used`
          : "no network access to dl.deno.land and DENORT_BIN is not set";
        return { ok: false, reason: missingRuntime(target, detail) };
      }
      return { ok: false, reason: `deno compile failed for ${target}:\n${text.trim()}` };
    }
    const start = text.indexOf("Embedded Files");
    const embedded = start >= 0 ? text.slice(start).trim() : text.trim();
    const leaked = BUILD_ONLY.filter((p) => new RegExp(`(^|[\\s/])${p}/`, "m").test(embedded));
    if (leaked.length) {
      return { ok: false, reason: `Build-only packages were embedded: ${leaked.join(", ")}` };
    }
    if (target === hostTarget()) {
      // A DENORT_BIN pointing at the full deno program "succeeds" but makes a plain deno.
      const v = await new Deno.Command(path, {
        args: ["--version"],
        stdout: "piped",
        stderr: "piped",
      })
        .output().catch(() => undefined);
      const said = v ? new TextDecoder().decode(v.stdout) : "";
      if (!said.includes(PRODUCT_NAME)) {
        await Deno.remove(path).catch(() => {});
        return {
          ok: false,
          embedded,
          reason: missingRuntime(
            target,
            `the runtime used does not run the embedded program (DENORT_BIN must be a denort binary, not the deno program); it answered --version with "${
              said.trim().split("\n")[0]
            }"`,
          ),
        };
      }
    }
    return { ok: true, path, size: (await Deno.stat(path)).size, embedded };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** Parses `--target=a,b` (default: all, or the host alone when DENORT_BIN is set) and `--out=`. */
export function parseBuildArgs(args: string[]): { targets: string[]; out: string; rest: string[] } {
  let targets: string[] | undefined;
  let out = join(ROOT, "dist");
  const rest: string[] = [];
  for (const a of args) {
    if (a.startsWith("--target=")) targets = a.slice(9).split(",").filter((t) => t);
    else if (a.startsWith("--out=")) out = a.slice(6);
    else rest.push(a);
  }
  if (!targets) targets = Deno.env.get("DENORT_BIN") ? [hostTarget()] : Object.keys(TARGETS);
  for (const t of targets) {
    if (!TARGETS[t]) {
      throw new Error(`Unknown target ${t}: use ${Object.keys(TARGETS).join(", ")}`);
    }
  }
  return { targets, out, rest };
}

if (import.meta.main) {
  const { targets, out } = parseBuildArgs(Deno.args);
  let failed = 0;
  for (const t of targets) {
    console.log(`${PRODUCT_NAME} ${VERSION}: compiling ${t}...`);
    const r = await compileTarget(t, join(out, "bin"));
    if (r.ok) {
      console.log(r.embedded);
      console.log(`${r.path}: ${(r.size / 1048576).toFixed(1)} MiB`);
    } else {
      failed++;
      if (r.embedded) console.log(r.embedded);
      console.error(r.reason);
    }
  }
  if (failed) {
    console.error(`${failed} of ${targets.length} targets could not be compiled.`);
    Deno.exit(1);
  }
}
