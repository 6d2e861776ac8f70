/**
 * Lets esbuild bundle code that imports npm packages the Deno way (bare names from deno.json's
 * import map, kept in Deno's global npm cache).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project folder. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Runs `deno <args>` in the project folder and parses its JSON output. */
export async function denoJson(args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!out.success) {
    throw new Error(`deno ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/**
 * esbuild resolves bare imports only from a node_modules folder, while Deno keeps npm packages in
 * its global cache (`<npmCache>/registry.npmjs.org/<name>/<version>`). This makes a throw-away
 * node_modules of symlinks to the exact versions the module graph of `entry` uses.
 */
export async function linkNpmPackages(tmp: string, entry: string): Promise<string> {
  const info = await denoJson(["info", "--json"]);
  const graph = await denoJson(["info", "--json", entry]);
  const cache = join(String(info.npmCache), "registry.npmjs.org");
  const modules = join(tmp, "node_modules");
  await Deno.mkdir(modules, { recursive: true });
  for (const id of Object.keys((graph.npmPackages ?? {}) as Record<string, unknown>)) {
    const at = id.lastIndexOf("@");
    const name = id.slice(0, at);
    const version = id.slice(at + 1).split("_")[0];
    const target = join(modules, name);
    await Deno.mkdir(join(target, ".."), { recursive: true });
    await Deno.symlink(join(cache, name, version), target).catch((e) => {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    });
  }
  return modules;
}
