/**
 * The web UI end to end, in Debian's Chromium against the real server (a subprocess with its own
 * data folder on a free port): sign in, create a backup to a local folder through the wizard, run
 * it and watch its progress, restore files through the restore wizard and compare their bytes,
 * edit the schedule, sign out. Screenshots of the main pages go to tests/artifacts/ (or
 * $UI_ARTIFACTS).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import {
  apiGet,
  apiToken,
  assertNoSideScroll,
  assertPngs,
  findFiles,
  launchBrowser,
  randomFiles,
  shot,
  startServer,
} from "./helpers.ts";

interface BackupItem {
  Backup: {
    ID: string;
    Name: string;
    Metadata: Record<string, string>;
    TargetURL: string;
    Sources: string[];
  };
  Schedule: { Repeat: string; AllowedDays: string[] } | null;
}

const NAME = "E2E documents";

async function wizardContinue(page: Page, heading: string) {
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: heading, exact: true }).waitFor();
}

/**
 * On the restore wizard's first page (two versions listed): finds one file by searching, restores
 * it into `target` and checks that its bytes equal `original`'s.
 */
async function restoreOneFile(
  page: Page,
  original: string,
  target: string,
  onSelected?: () => Promise<void>,
) {
  const name = original.split("/").pop()!;
  const versions = page.getByRole("radiogroup", { name: "Versions" });
  await versions.waitFor();
  assert.equal(await versions.getByRole("radio").count(), 2, "both versions on the timeline");
  await page.getByRole("searchbox", { name: "Search files" }).fill(name);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("list", { name: "Search results" }).getByText(name).click();
  await page.getByText("1 selected").waitFor();
  await onSelected?.();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.locator("#r-path").fill(target);
  await page.getByRole("button", { name: /^Restore 1 item/ }).click();
  await page.getByRole("heading", { name: "Restore completed" }).waitFor({ timeout: 120_000 });
  const summary = page.getByRole("status").filter({ hasText: "Restore completed" });
  assert.match(await summary.innerText(), /Files restored\s+1\b/);
  const found = await findFiles(target, name);
  assert.equal(found.length, 1, `${name} restored once under ${target}: ${found}`);
  assert.deepEqual(await Deno.readFile(found[0]), await Deno.readFile(original), name);
}

Deno.test({
  name: "web UI: sign in, create, run, restore, edit schedule, sign out",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const work = await Deno.makeTempDir({ prefix: "ui-e2e-" });
    const src = join(work, "source");
    const dest = join(work, "destination");
    const target = join(work, "restored");
    // 12 MB of random bytes with a 2 MB/s upload limit: the run lasts long enough to be watched.
    const files = await randomFiles(src, 6, 2 * 1024 * 1024);
    await Deno.writeTextFile(
      join(src, "notes <em>&amp;.txt"),
      "text with <markup> & entities\n",
    );
    const password = `pw-${crypto.randomUUID()}`;
    const server = await startServer(password);
    const browser = await launchBrowser();
    const errors: string[] = [];
    const shots: string[] = [];
    const snap = async (page: Page, name: string) => void shots.push(await shot(page, name));
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(30_000);
      page.on("pageerror", (e) => errors.push(String(e)));

      // --- Sign in: a wrong password is refused with a message, the right one opens home.
      await page.goto(server.url + "/");
      await page.locator("#password").fill("not the password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").filter({ hasText: "Wrong password" }).waitFor();
      await snap(page, "01-sign-in");
      // The keyboard alone signs in: the field has the focus, Enter submits.
      await page.locator("#password").fill("");
      await page.keyboard.type(password);
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "My backups" }).waitFor();
      await page.getByText("No backups yet.").waitFor();
      await snap(page, "02-home-empty");

      // --- The wizard, step 1: name and a generated passphrase (strength shown).
      await page.getByRole("link", { name: "Add backup" }).click();
      await page.getByRole("heading", { name: "General backup settings" }).waitFor();
      await page.getByRole("button", { name: "Continue" }).click();
      await page.getByRole("alert").filter({ hasText: "Give the backup a name." }).waitFor();
      await page.locator("#b-name").fill(NAME);
      await page.getByRole("button", { name: "Generate passphrase" }).click();
      const pass = await page.locator("#b-pass").inputValue();
      assert.equal(pass.length, 32);
      assert.equal(await page.locator("#b-pass2").inputValue(), pass);
      await page.getByText("Strong", { exact: true }).waitFor();
      await snap(page, "03-wizard-general");

      // Step 2: a local folder that does not exist yet; "Test connection" offers to create it.
      await wizardContinue(page, "Destination");
      await page.locator("#dest-path").fill(dest);
      await page.getByRole("button", { name: "Test connection" }).click();
      await page.getByText("The folder does not exist yet.").waitFor();
      await page.getByRole("button", { name: "Create it" }).click();
      await page.getByText("Connection worked.").waitFor();
      assert.ok((await Deno.stat(dest)).isDirectory, "the destination folder was created");
      await snap(page, "04-wizard-destination");

      // Step 3: the source folder typed in, a filter, the tree of the computer.
      await wizardContinue(page, "Source data");
      await page.getByRole("tree", { name: "Source folders" }).waitFor();
      await page.locator("#src-typed").fill(src + "/");
      await page.getByRole("button", { name: "Add path" }).click();
      await page.getByRole("list", { name: "Selected sources" }).getByText(src + "/").waitFor();
      await page.getByRole("button", { name: "Add filter" }).click();
      await page.getByLabel("Filter 1 expression").fill("*.tmp");
      await snap(page, "05-wizard-source");

      // Step 4: schedule (on by default, every day).
      await wizardContinue(page, "Schedule");
      assert.equal(
        await page.getByRole("switch", { name: "Automatically run backups" }).isChecked(),
        true,
      );
      await snap(page, "06-wizard-schedule");

      // Step 5: options, with an advanced option picked from the registry (its help is shown).
      await wizardContinue(page, "Options");
      await page.locator("#opt-search").fill("throttle-upload");
      await page.getByRole("list", { name: "Matching options" }).getByRole("button").first()
        .click();
      await page.locator("#opt-0").fill("2MB");
      await snap(page, "07-wizard-options");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("heading", { name: "My backups" }).waitFor();

      const token = await apiToken(server);
      const list = await apiGet<BackupItem[]>(server, token, "/backups");
      assert.equal(list.length, 1);
      const id = list[0].Backup.ID;
      const card = page.getByRole("article", { name: NAME });
      await card.waitFor();
      await card.getByText("Never run").waitFor();
      await snap(page, "08-home-before-run");

      // --- Pause the server, queue a run (it waits), resume, and watch the progress to the end.
      await page.getByRole("button", { name: "Pause" }).click();
      const dialog = page.getByRole("dialog", { name: "Pause" });
      await dialog.getByLabel("Until I resume").check();
      await dialog.getByRole("button", { name: "Pause" }).click();
      await page.getByRole("button", { name: "Resume" }).waitFor();
      await card.getByRole("button", { name: "Run now" }).click();
      await card.getByText("Waiting in queue").waitFor();
      await snap(page, "09-home-paused-queued");
      await page.getByRole("button", { name: "Resume" }).click();
      await card.locator(".task-progress").waitFor();
      await card.getByRole("progressbar").waitFor();
      // Live numbers while it runs: the phase, and the files and bytes examined of the totals
      // counted alongside the backup.
      await card.locator(".task-progress").getByText(/^7 of 7 files$/).waitFor();
      await card.locator(".task-progress").getByText(/^12\.0 MB of 12\.0 MB$/).waitFor();
      await card.locator(".task-progress").getByText("Uploading").waitFor();
      await snap(page, "10-home-running");
      await card.getByText("1 version").waitFor({ timeout: 180_000 });
      await card.locator(".badge.status.ok").waitFor();
      await snap(page, "11-home-after-run");

      // --- The backup's page: facts and the size/file-count chart.
      await card.getByRole("link", { name: NAME }).click();
      await page.getByRole("img", { name: /Backup size and file count for 1 versions/ }).waitFor();
      await snap(page, "12-backup-detail");

      // --- Restore one file by browsing and one by searching, into another folder.
      await page.getByRole("button", { name: "Restore" }).first().click();
      await page.getByRole("radiogroup", { name: "Versions" }).waitFor();
      const tree = page.getByRole("tree", { name: "Files in this version" });
      await tree.getByRole("button", { name: /^Expand / }).first().click();
      await tree.getByText("file-0.bin", { exact: true }).click();
      await page.getByRole("searchbox", { name: "Search files" }).fill("file-3");
      await page.getByRole("button", { name: "Search" }).click();
      const hits = page.getByRole("list", { name: "Search results" });
      await hits.getByText(/file-3\.bin$/).click();
      await page.getByText("2 selected").waitFor();
      await snap(page, "13-restore-select");
      await page.getByRole("button", { name: "Continue" }).click();
      await page.locator("#r-path").fill(target);
      await page.getByLabel("Overwrite it").check();
      await snap(page, "14-restore-options");
      await page.getByRole("button", { name: /^Restore 2 items/ }).click();
      await page.getByRole("heading", { name: "Restore completed" }).waitFor({ timeout: 120_000 });
      const summary = page.getByRole("status").filter({ hasText: "Restore completed" });
      assert.match(await summary.innerText(), /Files restored\s+2\b/);
      await snap(page, "15-restore-completed");
      for (const original of [files[0], files[3]]) {
        const name = original.split("/").pop()!;
        const found = await findFiles(target, name);
        assert.equal(found.length, 1, `${name} restored once under ${target}: ${found}`);
        assert.deepEqual(await Deno.readFile(found[0]), await Deno.readFile(original), name);
      }
      assert.deepEqual(await findFiles(target, "file-1.bin"), [], "only the chosen files");

      // --- Edit the schedule: every 2 hours, weekdays only.
      await page.getByRole("link", { name: "Home" }).click();
      await card.getByRole("button", { name: `Edit ${NAME}` }).click();
      await page.getByRole("button", { name: "Schedule" }).click();
      await page.locator("#s-every").fill("2");
      await page.locator("#s-unit").selectOption("h");
      await page.getByRole("switch", { name: "Saturday" }).uncheck({ force: true });
      await page.getByRole("switch", { name: "Sunday" }).uncheck({ force: true });
      await snap(page, "16-edit-schedule");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("heading", { name: "My backups" }).waitFor();
      const edited = await apiGet<{ Schedule: BackupItem["Schedule"] }>(
        server,
        token,
        `/backup/${id}`,
      );
      assert.equal(edited.Schedule?.Repeat, "2h");
      assert.deepEqual(
        edited.Schedule?.AllowedDays.map((d) => d.slice(0, 3).toLowerCase()),
        ["mon", "tue", "wed", "thu", "fri"],
      );

      // --- A second run after the edit (the stored passphrase survived the masked round trip)
      // with a changed source: two versions, and the chart shows both.
      await Deno.writeFile(
        join(src, "added-later.bin"),
        crypto.getRandomValues(new Uint8Array(50_000)),
      );
      await card.getByRole("button", { name: "Run now" }).click();
      await card.getByText("2 versions").waitFor({ timeout: 180_000 });
      await card.getByRole("link", { name: NAME }).click();
      await page.getByRole("img", { name: /Backup size and file count for 2 versions/ }).waitFor();
      await snap(page, "16b-backup-detail-two-versions");
      // Each point of the chart leads to a restore from that version (1 = the first run).
      await page.getByRole("link", { name: /^Restore from Version 1:/ }).click();
      const v1 = page.getByRole("radiogroup", { name: "Versions" })
        .getByRole("radio", { name: /^Version 1,/ });
      await v1.waitFor();
      assert.equal(await v1.isChecked(), true, "the chart's version is the one picked");
      await snap(page, "16c-restore-timeline");
      await page.getByRole("link", { name: "Home" }).click();

      // --- Export the configuration from the card's menu (plain JSON, without the passphrase).
      await card.getByText("More").click();
      await card.getByRole("menuitem", { name: "Export configuration" }).click();
      const exportDialog = page.getByRole("dialog", { name: `Export "${NAME}"` });
      await exportDialog.getByLabel("Encrypt the file").uncheck();
      const download = page.waitForEvent("download");
      await exportDialog.getByRole("button", { name: "Export" }).click();
      const file = await (await download).path();
      const exported = JSON.parse(await Deno.readTextFile(file));
      assert.equal(exported.Backup.Name, NAME);
      assert.ok(!JSON.stringify(exported).includes(pass), "the passphrase is not exported");
      await exportDialog.getByRole("button", { name: "Close" }).first().click();

      // --- Import that file as a new backup: the wizard opens filled in, to check and save.
      await page.getByRole("link", { name: "Add backup" }).click();
      await page.getByRole("button", { name: "Import from a file" }).click();
      const importDialog = page.getByRole("dialog", { name: "Import a backup configuration" });
      await importDialog.locator("#imp-file").setInputFiles(file);
      await importDialog.getByRole("button", { name: "Import" }).click();
      await importDialog.waitFor({ state: "hidden" });
      assert.equal(await page.locator("#b-name").inputValue(), NAME);
      await page.locator("#b-name").fill("Imported copy");
      await page.locator("#b-pass").fill(pass); // the file was exported without it
      await page.locator("#b-pass2").fill(pass);
      await snap(page, "17a-import-wizard");
      for (const heading of ["Destination", "Source data", "Schedule", "Options"]) {
        await wizardContinue(page, heading);
      }
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("article", { name: "Imported copy" }).waitFor();
      const all = await apiGet<BackupItem[]>(server, token, "/backups");
      const imported = all.find((b) => b.Backup.Name === "Imported copy")!;
      const original = all.find((b) => b.Backup.ID === id)!;
      assert.equal(imported.Backup.TargetURL, original.Backup.TargetURL);
      assert.deepEqual(imported.Backup.Sources, original.Backup.Sources);
      const gone = await fetch(`${server.url}/api/v1/backup/${imported.Backup.ID}`, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(gone.status, 200, await gone.text());
      await page.getByRole("article", { name: "Imported copy" }).waitFor({ state: "detached" });

      // --- Export again, encrypted and with the passphrase: the file to restore from below.
      await card.getByText("More").click();
      await card.getByRole("menuitem", { name: "Export configuration" }).click();
      await exportDialog.getByLabel("Include passphrase and credentials").check();
      await exportDialog.locator("#export-pass").fill("file secret");
      const download2 = page.waitForEvent("download");
      await exportDialog.getByRole("button", { name: "Export" }).click();
      const configFile = join(work, "exported-config.json.aes");
      await (await download2).saveAs(configFile);
      const head = new TextDecoder().decode((await Deno.readFile(configFile)).subarray(0, 3));
      assert.equal(head, "AES", "the exported file is AES Crypt encrypted");
      await exportDialog.getByRole("button", { name: "Close" }).first().click();

      // --- Restore straight from the destination's URL, without the configuration. A wrong
      // passphrase is reported, and "Back" returns to the filled-in form.
      await page.goto(`${server.url}/#/restore`);
      await page.getByText("Backup files at a destination").click();
      await page.locator("#d-kind").selectOption("custom");
      await page.locator("#d-url").fill(`file://${join(work, "nowhere")}`);
      await page.getByRole("button", { name: "Test connection" }).click();
      await page.getByText("The folder does not exist: check the path or the address.").waitFor();
      await page.locator("#d-url").fill(`file://${dest}`);
      await page.getByRole("button", { name: "Test connection" }).click();
      await page.getByText("Connection worked.").waitFor();
      await page.locator("#d-pass").fill("not the passphrase");
      await snap(page, "24-restore-direct-form");
      await page.getByRole("button", { name: "Continue" }).click();
      await page.getByRole("alert").filter({ hasText: /passphrase is wrong/ }).waitFor();
      await page.getByRole("button", { name: "Back" }).click();
      assert.equal(await page.locator("#d-url").inputValue(), `file://${dest}`);
      await page.locator("#d-pass").fill(pass);
      await page.getByRole("button", { name: "Continue" }).click();
      await restoreOneFile(
        page,
        files[2],
        join(work, "restored-direct"),
        () => snap(page, "25-restore-direct-select"),
      );
      await snap(page, "26-restore-direct-completed");

      // --- Restore from the exported, encrypted configuration file.
      await page.goto(`${server.url}/#/restore`);
      await page.getByText("An exported configuration").click();
      await page.locator("#c-file").setInputFiles(configFile);
      await page.locator("#c-pass").fill("file secret");
      await snap(page, "27-restore-config-form");
      await page.getByRole("button", { name: "Continue" }).click();
      await restoreOneFile(page, join(src, "added-later.bin"), join(work, "restored-config"));

      // --- Keyboard: the first Tab reaches "Skip to content" (drawn with a focus ring), which
      // moves the focus to the page's content.
      await page.goto(`${server.url}/#/`);
      await page.reload(); // a fresh page: the Tab order starts at the top
      await card.waitFor();
      await page.keyboard.press("Tab");
      const focused = () =>
        page.evaluate(() => {
          const e = document.activeElement as HTMLElement;
          return {
            text: e.textContent ?? "",
            id: e.id,
            outline: getComputedStyle(e).outlineStyle,
            inMain: !!document.getElementById("main")?.contains(e),
          };
        });
      const skip = await focused();
      assert.equal(skip.text, "Skip to content");
      assert.equal(skip.outline, "solid", "the focused element has a visible ring");
      await page.keyboard.press("Enter");
      assert.equal((await focused()).id, "main");
      await page.keyboard.press("Tab");
      assert.ok((await focused()).inMain, "Tab after the skip link stays in the content");
      // A page chosen from the menu with the keyboard takes the focus.
      await page.getByRole("link", { name: "Logs" }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Logs", exact: true }).waitFor();
      await page.waitForFunction(() => document.activeElement?.id === "main");

      // --- The other pages, and the text of a file name with markup shown as text.
      for (
        const [hash, name, heading] of [
          [`/backup/${id}/log`, "17-backup-log", `Log of "${NAME}"`],
          ["/logs", "18-server-log", "Logs"],
          ["/settings", "19-settings", "Settings"],
          ["/about", "20-about", "About Duplicati"],
          ["/restore", "21-restore-start", "Restore"],
        ]
      ) {
        await page.goto(`${server.url}/#${hash}`);
        await page.getByRole("heading", { name: heading, exact: true }).waitFor();
        await snap(page, name);
      }
      // The live server log shows what the server logs while it is open.
      await page.goto(`${server.url}/#/logs`);
      await page.getByRole("tab", { name: "Live" }).click();
      await page.getByText(/Backup task \d+ Completed/).first().waitFor();
      await snap(page, "18b-server-log-live");
      await page.goto(`${server.url}/#/restore/${id}`);
      await page.getByRole("searchbox", { name: "Search files" }).fill("notes");
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByText(/notes <em>&amp;\.txt$/).waitFor();
      assert.equal(
        await page.locator("#app em").count(),
        0,
        "no markup from data reaches the page",
      );

      // --- A backup that fails makes a notification: the bell counts it, its panel shows it and
      // Escape closes the panel; dismissing it empties the list. Its name has markup, shown as text.
      const BROKEN = "Broken <b>&amp;</b>";
      // Its destination lies below a plain file, so no folder can be made there.
      await Deno.writeTextFile(join(work, "a-file"), "not a folder");
      const broken = await fetch(`${server.url}/api/v1/backups`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          Backup: {
            Name: BROKEN,
            TargetURL: `file://${join(work, "a-file", "destination")}`,
            Sources: [src + "/"],
            Settings: [
              { Name: "--no-encryption", Value: "true" },
              { Name: "--number-of-retries", Value: "0" },
            ],
            Filters: [],
            Tags: [],
            Description: "",
          },
          Schedule: null,
        }),
      });
      assert.equal(broken.status, 200, await broken.clone().text());
      const brokenId = String((await broken.json()).ID);
      await page.goto(`${server.url}/#/`);
      await page.getByRole("article", { name: BROKEN }).getByRole("button", { name: "Run now" })
        .click();
      await page.getByRole("button", { name: "Notifications (1)" }).click();
      const panel = page.getByRole("region", { name: "Notifications" });
      await panel.getByText(`Backup of "${BROKEN}" failed`).waitFor();
      assert.equal(
        await page.locator("#app b").count(),
        0,
        "no markup from a name reaches the page",
      );
      await snap(page, "21b-notifications");
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "detached" });
      await page.getByRole("button", { name: "Notifications (1)" }).click();
      await panel.getByRole("button", { name: `Dismiss Backup of "${BROKEN}" failed` }).click();
      await page.getByRole("button", { name: "Notifications (0)" }).waitFor();
      const removed = await fetch(`${server.url}/api/v1/backup/${brokenId}`, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(removed.status, 200, await removed.text());
      await page.getByRole("article", { name: BROKEN }).waitFor({ state: "detached" });

      // --- Phone width: nothing scrolls sideways; the closed menu is out of sight and out of the
      // tab order; Escape closes it.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${server.url}/#/`);
      await card.waitFor();
      await assertNoSideScroll(page, "home");
      await snap(page, "22-phone-home");
      const settingsLink = page.getByRole("link", { name: "Settings" });
      assert.equal(await settingsLink.isVisible(), false, "the closed menu is hidden");
      await page.reload();
      await card.waitFor();
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      assert.equal((await focused()).text, "", "after the skip link comes the menu button");
      assert.equal(
        await page.evaluate(() => document.activeElement?.getAttribute("aria-label")),
        "Menu",
      );
      await page.keyboard.press("Enter");
      await settingsLink.waitFor();
      await page.keyboard.press("Escape");
      await settingsLink.waitFor({ state: "hidden" });
      await page.getByRole("button", { name: "Menu" }).click();
      await page.getByRole("link", { name: "Add backup" }).click();
      await page.getByRole("heading", { name: "General backup settings" }).waitFor();
      await assertNoSideScroll(page, "new backup wizard");
      await snap(page, "23-phone-wizard");
      await page.goto(`${server.url}/#/backup/${id}/edit`);
      for (
        const [i, step] of ["General", "Destination", "Source data", "Schedule", "Options"]
          .entries()
      ) {
        await page.locator(".stepper").getByRole("button", { name: step, exact: true }).click();
        await page.getByRole("heading", { name: new RegExp(`^Edit ".*": ${step}`) }).waitFor();
        await assertNoSideScroll(page, `wizard step ${step}`);
        await snap(page, `23${"abcde"[i]}-phone-wizard-${step.replace(" ", "-").toLowerCase()}`);
      }
      await page.goto(`${server.url}/#/backup/${id}`);
      await page.getByRole("img", { name: /Backup size and file count/ }).waitFor();
      await assertNoSideScroll(page, "backup page");
      await snap(page, "23f-phone-backup-detail");
      await page.goto(`${server.url}/#/restore/${id}`);
      await page.getByRole("radiogroup", { name: "Versions" }).waitFor();
      await assertNoSideScroll(page, "restore wizard");
      await snap(page, "23g-phone-restore");
      for (
        const [hash, name, heading] of [
          ["/restore", "23h-phone-restore-start", "Restore"],
          ["/logs", "23i-phone-logs", "Logs"],
          ["/settings", "23j-phone-settings", "Settings"],
          ["/about", "23k-phone-about", "About Duplicati"],
        ]
      ) {
        await page.goto(`${server.url}/#${hash}`);
        await page.getByRole("heading", { name: heading, exact: true }).waitFor();
        await assertNoSideScroll(page, hash);
        await snap(page, name);
      }
      await page.setViewportSize({ width: 1280, height: 900 });

      // --- Delete the backup (configuration and local database; the backup files stay).
      await page.goto(`${server.url}/#/`);
      await card.getByText("More").click();
      await card.getByRole("menuitem", { name: "Delete" }).click();
      await page.getByRole("dialog", { name: `Delete "${NAME}"?` }).getByRole("button", {
        name: "Delete",
      }).click();
      await page.getByText("No backups yet.").waitFor();
      assert.deepEqual(await apiGet<BackupItem[]>(server, token, "/backups"), []);
      assert.ok((await Array.fromAsync(Deno.readDir(dest))).length > 0, "remote files kept");

      // --- Sign out: back to the sign-in page, and a reload does not sign in again.
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.locator("#password").waitFor();
      await page.reload();
      await page.locator("#password").waitFor();
      assert.equal(await page.getByRole("heading", { name: "My backups" }).count(), 0);
      await page.setViewportSize({ width: 390, height: 844 });
      await assertNoSideScroll(page, "sign-in");
      await snap(page, "30-phone-sign-in");
      assert.deepEqual(errors, [], "no script errors in the page");
      await assertPngs(shots);
      assert.equal(shots.length, 44, `every screenshot was written: ${shots.join(", ")}`);
    } catch (e) {
      console.error(server.output());
      for (const ctx of browser.contexts()) {
        for (const p of ctx.pages()) await shot(p, "zz-failure").catch(() => {});
      }
      throw e;
    } finally {
      await browser.close();
      await server.close();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
