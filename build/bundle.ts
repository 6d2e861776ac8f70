/**
 * Bundles the program (main.ts and its module graph, npm packages included) into plain JavaScript
 * that the Deno runtime runs without a deno.json, a lockfile or the network: `duplicati.js`, plus
 * `cpu_worker.js` for the CPU worker pool (a Worker needs a module of its own).
 *
 * This is the portable folder's fallback where `deno compile` cannot produce an executable.
 * esbuild is a build-time dependency only.
 */
import * as esbuild from "esbuild";
import { join } from "node:path";
import { linkNpmPackages, ROOT } from "./npm_links.ts";

/** The bundle's files. */
export const BUNDLE_MAIN = "duplicati.js";
/** The worker module next to it. */
export const BUNDLE_WORKER = "cpu_worker.js";

/**
 * A bundle is ESM run by Deno; CommonJS npm packages call `require` for Node's built-in modules,
 * which Deno provides through `createRequire`; some also read `__dirname`.
 */
const BANNER = 'import { createRequire as __duplicatiRequire } from "node:module";\n' +
  "const require = __duplicatiRequire(import.meta.url);\n" +
  // ssh2's emscripten-built poly1305 reads __dirname when it loads.
  "const __filename = import.meta.filename; const __dirname = import.meta.dirname;";

/** The Worker in src/engine/cpu_pool.ts is loaded from `./cpu_worker.ts`; in the bundle it is `.js`. */
const workerPath: esbuild.Plugin = {
  name: "worker-path",
  setup(build) {
    build.onLoad({ filter: /cpu_pool\.ts$/ }, async (args) => {
      const text = await Deno.readTextFile(args.path);
      const from = 'new URL("./cpu_worker.ts"';
      if (!text.includes(from)) {
        throw new Error(
          "src/engine/cpu_pool.ts no longer loads ./cpu_worker.ts: update build/bundle.ts",
        );
      }
      return { contents: text.replace(from, `new URL("./${BUNDLE_WORKER}"`), loader: "ts" };
    });
  },
};

/** Writes `duplicati.js` and `cpu_worker.js` into `outDir`; returns their sizes by file name. */
export async function bundleProgram(outDir: string): Promise<Record<string, number>> {
  const tmp = await Deno.makeTempDir({ prefix: "bundle-" });
  try {
    const nodePaths = [await linkNpmPackages(tmp, "main.ts")];
    const result = await esbuild.build({
      entryPoints: { duplicati: "main.ts", cpu_worker: "src/engine/cpu_worker.ts" },
      outdir: outDir,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "esnext",
      banner: { js: BANNER },
      nodePaths,
      absWorkingDir: ROOT,
      legalComments: "inline",
      plugins: [workerPath],
      // Native addons (ssh2's optional cpu-features and sshcrypto) cannot be bundled; left
      // external, their require() fails at run time inside ssh2's try/catch and ssh2 uses its
      // JavaScript fallbacks.
      external: ["*.node"],
      logLevel: "silent",
      metafile: true,
    });
    const sizes: Record<string, number> = {};
    for (const [path, out] of Object.entries(result.metafile!.outputs)) {
      sizes[path.split(/[\\/]/).pop()!] = out.bytes;
    }
    return sizes;
  } finally {
    await esbuild.stop();
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const out = Deno.args[0] ?? join(ROOT, "dist", "bundle");
  const sizes = await bundleProgram(out);
  for (const [f, n] of Object.entries(sizes)) console.log(`${join(out, f)}: ${n} bytes`);
}
