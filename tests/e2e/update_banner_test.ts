/**
 * The new-version banner: after the server's update check finds a newer version, every page
 * shows it with the release notes link; Download unpacks it beside the portable folder and the
 * banner says where; About has a "Check for updates" button.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { launchBrowser, shot } from "./helpers.ts";
import { startTestServer, TEST_PASSWORD } from "../helpers/server.ts";
import {
  currentFolder,
  manifestFor,
  portableZip,
  signManifest,
  startUpdateSite,
  TARGET,
  testKeyPair,
} from "../helpers/update_server.ts";

Deno.test({
  name: "web UI: a new version shows a banner; Download puts it beside this folder",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const keys = testKeyPair();
    const work = await Deno.makeTempDir({ prefix: "ui-e2e-update-" });
    const zip = await portableZip(await Deno.makeTempDir({ dir: work }), "0.2.0");
    const site = startUpdateSite(signManifest(manifestFor("0.2.0", zip), keys.privateKey), zip);
    const current = await currentFolder(await Deno.makeTempDir({ dir: work }));
    const t = await startTestServer([`--update-url=${site.url}`], {
      updateKeys: [keys.publicKey],
      updateProgramFolder: current,
    });
    const browser = await launchBrowser();
    const errors: string[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(30_000);
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${t.server.port}/`);
      await page.locator("#password").fill(TEST_PASSWORD);
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "My backups" }).waitFor();
      assert.equal(await page.locator(".update-banner").count(), 0, "no banner before a check");

      // About: check now; the banner appears on every page.
      await page.goto(`http://127.0.0.1:${t.server.port}/#/about`);
      await page.getByRole("button", { name: "Check for updates" }).click();
      await page.getByText("Version 0.2.0 is available.").waitFor();
      const banner = page.getByRole("status", { name: "New version" });
      await banner.getByText("A new version of Duplicati is available: 0.2.0.").waitFor();
      assert.equal(
        await banner.getByRole("link", { name: "Release notes" }).getAttribute("href"),
        "https://example.org/releases/0.2.0",
      );
      await page.goto(`http://127.0.0.1:${t.server.port}/#/`);
      await banner.waitFor();
      await shot(page, "update-01-banner");

      await banner.getByRole("button", { name: "Download" }).click();
      const folder = join(current, "..", `duplicati-0.2.0-${TARGET}`);
      await banner.getByText("Version 0.2.0 is ready in").waitFor();
      assert.match(
        await banner.locator("code").innerText(),
        new RegExp(`duplicati-0.2.0-${TARGET}$`),
      );
      assert.equal(await Deno.readTextFile(join(folder, "README.txt")), "Duplicati 0.2.0\n");
      await shot(page, "update-02-ready");

      await banner.getByRole("button", { name: "Hide this message" }).click();
      await banner.waitFor({ state: "detached" });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await t.close();
      await site.close();
      await Deno.remove(work, { recursive: true });
    }
  },
});
