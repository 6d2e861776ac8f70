/**
 * First start without a password: the server prints a one-time sign-in link; opening it in the
 * browser signs in without typing anything, the token leaves the address bar, and the link does
 * not work a second time.
 */
import assert from "node:assert/strict";
import { launchBrowser, shot, startServer } from "./helpers.ts";

Deno.test({
  name: "web UI: the printed sign-in link signs in once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      let link: string | undefined;
      for (let i = 0; i < 100 && !link; i++) {
        link = /(https?:\/\/\S+signin\.html\?token=\S+)/.exec(server.output())?.[1];
        if (!link) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(link, `no sign-in link printed:\n${server.output()}`);
      // The server prints its address with "localhost"; the browser uses the same port on 127.0.0.1.
      const url = new URL(link);
      const page = await browser.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(`${server.url}${url.pathname}${url.search}`);
      await page.getByRole("heading", { name: "My backups" }).waitFor();
      assert.ok(!page.url().includes("token="), `token left in the address bar: ${page.url()}`);
      await shot(page, "00-signed-in-by-link");

      // A second browser (no refresh cookie) cannot reuse the link.
      const other = await browser.newContext();
      const page2 = await other.newPage();
      page2.setDefaultTimeout(30_000);
      await page2.goto(`${server.url}${url.pathname}${url.search}`);
      await page2.getByRole("alert").filter({ hasText: "The sign-in link did not work" }).waitFor();
      await page2.locator("#password").waitFor();
      await other.close();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
