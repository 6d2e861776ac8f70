/**
 * `deno task compile` without a usable Deno runtime for the target: the clear message, and (with
 * the deno program given as DENORT_BIN, which compiles but cannot run the program) the list of
 * what would be embedded: the program's module graph, without the build-only packages.
 * A real denort cannot be downloaded here (no network), so no working executable is built.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { hostTarget } from "../../build/compile.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function compile(denort: string, out: string) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "build/compile.ts", `--target=${hostTarget()}`, `--out=${out}`],
    cwd: ROOT,
    env: { DENORT_BIN: denort, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("compile: a missing runtime says to set DENORT_BIN to a denort binary", async () => {
  const out = await Deno.makeTempDir({ prefix: "compile-test-" });
  try {
    const r = await compile("/nonexistent/denort", out);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.err, /The Deno runtime for \S+ could not be obtained/);
    assert.match(r.err, /DENORT_BIN=\/nonexistent\/denort cannot be used/);
    assert.match(r.err, /Set the DENORT_BIN environment variable to a denort binary/);

    const d = await compile(Deno.execPath(), out);
    assert.equal(d.code, 1, d.out + d.err);
    assert.match(d.err, /not the deno program/);
    assert.match(d.out, /Embedded Files/);
    assert.match(d.out, /hono\//);
    assert.match(d.out, /main\.ts/);
    assert.match(d.out, /cpu_worker\.ts|engine\//);
    for (const buildOnly of ["esbuild/", "playwright-core/", "preact/"]) {
      assert.ok(!d.out.includes(buildOnly), `${buildOnly} is not embedded`);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
