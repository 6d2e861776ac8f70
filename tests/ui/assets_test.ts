/**
 * The generated UI module (src/server/ui_assets.ts) is committed so a fresh clone runs without a
 * build step; this test fails when it is out of date with ui/ (fix: `deno task build`).
 */
import assert from "node:assert/strict";
import { ASSETS_MODULE, buildUi, renderAssetsModule } from "../../build/ui.ts";
import { uiAssets } from "../../src/server/ui_assets.ts";

Deno.test("the committed UI assets module matches a fresh build of ui/", async () => {
  const fresh = renderAssetsModule(await buildUi());
  const committed = await Deno.readTextFile(ASSETS_MODULE);
  assert.ok(committed === fresh, "src/server/ui_assets.ts is out of date: run `deno task build`");
});

Deno.test("index.html references the bundled JS and CSS, and nothing else remote", () => {
  const html = uiAssets["/index.html"].body;
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1].split("?")[0]);
  assert.deepEqual(refs.sort(), ["/app.css", "/app.js", "/favicon.svg"]);
  for (const r of refs) assert.ok(uiAssets[r], r);
  assert.match(uiAssets["/app.js"].contentType, /javascript/);
  assert.match(uiAssets["/app.css"].contentType, /css/);
  assert.ok(!/<script>/.test(html), "no inline script (a strict CSP can be used)");
  for (const [path, a] of Object.entries(uiAssets)) assert.match(a.etag, /^"[\w-]{10,}"$/, path);
});

Deno.test("the UI never injects raw HTML (all text goes through Preact's escaping)", async () => {
  const offenders: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (
        /\.tsx?$/.test(e.name) &&
        /dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML/.test(
          await Deno.readTextFile(p),
        )
      ) {
        offenders.push(p);
      }
    }
  };
  await walk(new URL("../../ui", import.meta.url).pathname);
  assert.deepEqual(offenders, []);
});

Deno.test("build-only packages are not imported by the program", async () => {
  const offenders: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (/\.tsx?$/.test(e.name)) {
        const text = await Deno.readTextFile(p);
        if (/from\s+["'](?:npm:)?(?:esbuild|playwright-core)/.test(text)) offenders.push(p);
      }
    }
  };
  await walk(new URL("../../src", import.meta.url).pathname);
  const main = await Deno.readTextFile(new URL("../../main.ts", import.meta.url));
  if (/esbuild|playwright/.test(main)) offenders.push("main.ts");
  assert.deepEqual(offenders, []);
});
