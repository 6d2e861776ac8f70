/**
 * `deno task portable`: makes the portable folder and its zip per target:
 * `dist/duplicati-<version>-<target>/` with `duplicati` (`duplicati.exe`), `README.txt` and
 * `LICENSE`, and `dist/duplicati-<version>-<target>.zip`.
 *
 * Each target gets the `deno compile` executable when it can be built (see build/compile.ts).
 * Where it cannot (no Deno runtime for the target), the machine's own target still gets a working
 * folder: the program bundled into `duplicati.js` (build/bundle.ts), the Deno runtime running
 * this build in `runtime/`, and small launchers (`duplicati` shell script, `duplicati.cmd`) that
 * run it with the program's V8 flags. Other targets are then skipped, and the build says why.
 *
 * Usage: deno task portable [--target=linux-x64,...] [--out=dist] [--bundle]
 *   --bundle  skip `deno compile` and make the bundled folder for this machine's target
 */
import { basename, join } from "node:path";
import { BUNDLE_MAIN, bundleProgram } from "./bundle.ts";
import { compileTarget, exeName, hostTarget, parseBuildArgs } from "./compile.ts";
import { ROOT } from "./npm_links.ts";
import { V8_FLAGS } from "../src/core/memory.ts";
import { PRODUCT_NAME, VERSION } from "../src/core/version.ts";
import { PROGRAMS } from "../src/tools/programs.ts";

/** What one target became. */
export type PortableResult =
  | { target: string; kind: "compiled" | "bundled"; folder: string; zip: string; reason?: string }
  | { target: string; kind: "skipped"; reason: string };

function readme(target: string, exe: string, kind: "compiled" | "bundled"): string {
  const run = target.startsWith("windows") ? exe : `./${exe}`;
  return [
    `${PRODUCT_NAME} ${VERSION} (${target})`,
    "",
    "Start: double-click " + exe + ` (or run ${run} in a terminal). It starts the Duplicati`,
    "server on the first free port of 8200, 8300, ..., 8900, 8989 and opens the web UI in your",
    "browser, signed in. Starting it again while it runs opens the running one. Ctrl-C stops it.",
    "",
    "Settings and databases are kept in the data/ folder next to the program, so the folder can",
    "live on a USB stick. Choose another folder with --server-datafolder=<folder> or the",
    "DUPLICATI_HOME environment variable (needed when this folder is read-only).",
    "",
    "Options: --no-browser, --browser-command=<program>, --webservice-port=<port,...>,",
    "--no-hosted-server --hosturl=<address>; see " + run + " --help-launcher.",
    "",
    `Command line: ${run} backup <storage-URL> <folder> ..., ${run} restore ..., ${run} help.`,
    "Other programs: " + PROGRAMS.map((p) => `${run} ${p.name}`).join(", ") + ";",
    `or run them as duplicati-<program>. ${run} --help lists them, ${run} --version prints the version.`,
    "",
    `New versions: ${run} update download --update-url=<address> puts the next version beside this`,
    "folder (a copy of data/ included); stop this one and start the new one from there.",
    "",
    kind === "bundled"
      ? "This folder holds the program as bundled JavaScript (duplicati.js, cpu_worker.js) and the\nDeno runtime (runtime/) it runs on; the duplicati launchers start it."
      : "This folder holds one executable with the server, the command line and the web UI.",
    "",
  ].join("\n");
}

function shellLauncher(): string {
  return [
    "#!/bin/sh",
    "# Runs Duplicati (duplicati.js) with the Deno runtime in this folder.",
    'DIR=$(cd "$(dirname "$0")" && pwd)',
    'DUPLICATI_CALLED_AS=$(basename "$0")',
    "DENO_NO_UPDATE_CHECK=1",
    "export DUPLICATI_CALLED_AS DENO_NO_UPDATE_CHECK",
    `exec "$DIR/runtime/deno" run -A --no-config --v8-flags=${
      V8_FLAGS.join(",")
    } "$DIR/${BUNDLE_MAIN}" "$@"`,
    "",
  ].join("\n");
}

function cmdLauncher(): string {
  return [
    "@echo off",
    "rem Runs Duplicati (duplicati.js) with the Deno runtime in this folder.",
    'set "DUPLICATI_CALLED_AS=%~n0"',
    "set DENO_NO_UPDATE_CHECK=1",
    `"%~dp0runtime\\deno.exe" run -A --no-config --v8-flags=${
      V8_FLAGS.join(",")
    } "%~dp0${BUNDLE_MAIN}" %*`,
    "",
  ].join("\r\n");
}

/**
 * Zips `folder` (as its own top folder, links kept as links) into `zip` with the zip program.
 * Throws when zip is missing or fails.
 */
export async function zipFolder(folder: string, zip: string): Promise<void> {
  await Deno.remove(zip).catch(() => {});
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("zip", {
      args: ["-q", "-r", "-y", zip, basename(folder)],
      cwd: join(folder, ".."),
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch {
    throw new Error(
      "The zip program is needed to make the portable zip: install it (apt-get install zip)",
    );
  }
  if (!out.success) throw new Error(`zip failed: ${new TextDecoder().decode(out.stderr)}`);
}

/** Makes the bundled folder for this machine's target in `folder`. */
async function bundledFolder(folder: string, target: string): Promise<void> {
  await bundleProgram(folder);
  await Deno.mkdir(join(folder, "runtime"), { recursive: true });
  const windows = target.startsWith("windows");
  await Deno.copyFile(Deno.execPath(), join(folder, "runtime", windows ? "deno.exe" : "deno"));
  await Deno.writeTextFile(join(folder, "duplicati.cmd"), cmdLauncher());
  if (!windows) {
    await Deno.writeTextFile(join(folder, "duplicati"), shellLauncher(), { mode: 0o755 });
    await Deno.chmod(join(folder, "duplicati"), 0o755);
    for (const p of PROGRAMS) await Deno.symlink("duplicati", join(folder, `duplicati-${p.name}`));
  }
}

/** Makes the portable folder and zip for `target` under `out`. */
export async function makePortable(
  target: string,
  out: string,
  opts: { bundleOnly?: boolean } = {},
): Promise<PortableResult> {
  const name = `duplicati-${VERSION}-${target}`;
  const folder = join(out, name);
  const zip = join(out, `${name}.zip`);
  await Deno.remove(folder, { recursive: true }).catch(() => {});
  let kind: "compiled" | "bundled";
  let reason = "";
  const compiled = opts.bundleOnly ? undefined : await compileTarget(target, join(out, "bin"));
  if (compiled?.ok) {
    await Deno.mkdir(folder, { recursive: true });
    await Deno.copyFile(compiled.path, join(folder, exeName(target)));
    await Deno.chmod(join(folder, exeName(target)), 0o755).catch(() => {});
    kind = "compiled";
  } else {
    reason = compiled && !compiled.ok ? compiled.reason : "--bundle was given";
    if (target !== hostTarget()) return { target, kind: "skipped", reason };
    await Deno.mkdir(folder, { recursive: true });
    await bundledFolder(folder, target);
    kind = "bundled";
  }
  await Deno.writeTextFile(join(folder, "README.txt"), readme(target, exeName(target), kind));
  await Deno.copyFile(join(ROOT, "LICENSE"), join(folder, "LICENSE"));
  await zipFolder(folder, zip);
  return { target, kind, folder, zip, reason: reason || undefined };
}

if (import.meta.main) {
  const { targets, out, rest } = parseBuildArgs(Deno.args);
  const bundleOnly = rest.includes("--bundle");
  const made: PortableResult[] = [];
  for (const t of bundleOnly ? [hostTarget()] : targets) {
    const r = await makePortable(t, out, { bundleOnly });
    made.push(r);
    if (r.kind === "skipped") {
      console.error(`skipped ${t}: ${r.reason}`);
    } else {
      const size = (await Deno.stat(r.zip)).size;
      console.log(`${t}: ${r.folder} (${r.kind}), ${r.zip} (${(size / 1048576).toFixed(1)} MiB)`);
      if (r.kind === "bundled") {
        console.log(
          `  made from the bundled program and this machine's Deno runtime, because: ${r.reason}`,
        );
      }
    }
  }
  if (!made.some((r) => r.kind !== "skipped")) Deno.exit(1);
}
