import assert from "node:assert/strict";
import { dblockWarning, draftFrom, stepErrors, toBody } from "../../ui/pages/wizard/draft.ts";
import type { BackupAndSchedule } from "../../ui/types.ts";

const loaded: BackupAndSchedule = {
  Backup: {
    ID: "4",
    Name: "Docs",
    Description: "d",
    Tags: ["t"],
    TargetURL: "ssh://nas:22/b?auth-username=me&auth-password=**********",
    Sources: ["/home/me/Documents/"],
    Settings: [
      { Name: "encryption-module", Value: "aes" },
      { Name: "passphrase", Value: "**********" },
      { Name: "dblock-size", Value: "100mb" },
      { Name: "keep-versions", Value: "7" },
      { Name: "--exclude-files-attributes", Value: "hidden,temporary" },
      { Name: "--skip-files-larger-than", Value: "2GB" },
      { Name: "--blocksize", Value: "512KB" },
    ],
    Filters: [
      { Order: 1, Include: true, Expression: "*.doc" },
      { Order: 0, Include: false, Expression: "[.*\\.tmp$]" },
    ],
    Metadata: { LastBackupDate: "x" },
  },
  Schedule: {
    ID: 2,
    Tags: ["ID=4"],
    Time: "2026-03-04T12:00:00Z",
    Repeat: "2W",
    AllowedDays: ["Monday", "fri"],
  },
};

Deno.test("a loaded backup becomes a draft with every wizard field filled", () => {
  const d = draftFrom(loaded, false);
  assert.equal(d.id, "4");
  assert.equal(d.encryption, "aes");
  assert.equal(d.passphrase, "**********");
  assert.equal(d.backendKind, "ssh");
  assert.equal(d.backend.server, "nas");
  assert.equal(d.backend.username, "me");
  assert.deepEqual(d.filters.map((f) => f.kind), ["regex", "glob"]);
  assert.equal(d.excludeHidden && d.excludeTemporary && !d.excludeSystem, true);
  assert.equal(d.maxSizeOn, true);
  assert.equal(`${d.maxSize}${d.maxSizeUnit}`, "2GB");
  assert.equal(`${d.dblockN}${d.dblockUnit}`, "100MB");
  assert.deepEqual(d.retention, { kind: "versions", value: "7" });
  assert.deepEqual(d.advanced, [{ Name: "--blocksize", Value: "512KB" }]);
  assert.equal(d.scheduled, true);
  assert.equal(`${d.repeatN}${d.repeatUnit}`, "2W");
  assert.deepEqual(d.days, ["mon", "fri"]);
});

Deno.test("a draft saved unchanged gives back the same backup and schedule", () => {
  const body = toBody(draftFrom(loaded, false));
  const b = body.Backup;
  assert.equal(b.ID, "4");
  assert.equal(b.TargetURL, loaded.Backup.TargetURL);
  assert.deepEqual(b.Sources, loaded.Backup.Sources);
  assert.deepEqual(b.Tags, ["t"]);
  const byName = Object.fromEntries(b.Settings.map((s) => [s.Name, s.Value]));
  assert.equal(byName["passphrase"], "**********");
  assert.equal(byName["encryption-module"], "aes");
  assert.equal(byName["dblock-size"], "100MB");
  assert.equal(byName["keep-versions"], "7");
  assert.equal(byName["--exclude-files-attributes"], "hidden,temporary");
  assert.equal(byName["--skip-files-larger-than"], "2GB");
  assert.equal(byName["--blocksize"], "512KB");
  assert.deepEqual(b.Filters, [
    { Order: 0, Include: false, Expression: "[.*\\.tmp$]" },
    { Order: 1, Include: true, Expression: "*.doc" },
  ]);
  assert.equal(body.Schedule?.Repeat, "2W");
  assert.equal(body.Schedule?.Time, new Date("2026-03-04T12:00:00Z").toISOString());
  assert.deepEqual(body.Schedule?.AllowedDays, ["mon", "fri"]);
  assert.deepEqual(body.Schedule?.Tags, ["ID=4"]);
});

Deno.test("a new draft needs name, passphrase, destination and sources, step by step", () => {
  const d = draftFrom({
    Backup: { Settings: [{ Name: "encryption-module", Value: "aes" }] } as never,
  }, true);
  assert.equal(d.id, null);
  assert.equal(d.scheduled, true);
  assert.deepEqual(stepErrors(d, 0), [
    "Give the backup a name.",
    'Enter a passphrase, or choose "No encryption".',
  ]);
  d.name = "N";
  d.passphrase = "a";
  d.passphrase2 = "b";
  assert.deepEqual(stepErrors(d, 0), ["The two passphrases are not the same."]);
  d.passphrase2 = "a";
  assert.deepEqual(stepErrors(d, 0), []);
  assert.match(stepErrors(d, 1)[0], /Folder path/);
  d.backend = { path: "/mnt/b" };
  assert.deepEqual(stepErrors(d, 1), []);
  assert.match(stepErrors(d, 2)[0], /at least one/);
  d.sources = ["/src/"];
  d.days = [];
  assert.match(stepErrors(d, 3)[0], /weekday/);
  d.scheduled = false;
  assert.deepEqual(stepErrors(d, 3), []);
  assert.throws(() => toBody({ ...d, name: "" }), /name/);
  const body = toBody(d);
  assert.equal(body.Schedule, null);
  assert.equal(body.Backup.TargetURL, "file:///mnt/b");
});

Deno.test("no encryption is stored the way Duplicati stores it", () => {
  const d = draftFrom(null, true);
  Object.assign(d, { name: "x", encryption: "", backend: { path: "/b" }, sources: ["/s/"] });
  const s = toBody(d).Backup.Settings;
  assert.deepEqual(s.find((x) => x.Name === "--no-encryption"), {
    Name: "--no-encryption",
    Value: "true",
  });
  assert.equal(s.find((x) => x.Name === "passphrase"), undefined);
});

Deno.test("volume size warnings", () => {
  const d = draftFrom(null, true);
  assert.equal(dblockWarning({ ...d, dblockN: "50", dblockUnit: "MB" }), null);
  assert.match(dblockWarning({ ...d, dblockN: "1", dblockUnit: "MB" })!, /smaller than 5 MB/);
  assert.match(dblockWarning({ ...d, dblockN: "3", dblockUnit: "GB" })!, /larger than 2 GB/);
});

Deno.test("a new backup's default time that has passed today moves to tomorrow", () => {
  const now = new Date(2026, 4, 10, 19, 30);
  const later = draftFrom(
    { Schedule: { Time: "21:00:00", Repeat: "1D", AllowedDays: [] } },
    true,
    now,
  );
  assert.deepEqual([later.date, later.time], ["2026-05-10", "21:00"]);
  const passed = draftFrom(
    { Schedule: { Time: "13:00:00", Repeat: "1D", AllowedDays: [] } },
    true,
    now,
  );
  assert.deepEqual([passed.date, passed.time], ["2026-05-11", "13:00"]);
  const edited = draftFrom(
    { ...loaded, Schedule: { ...loaded.Schedule!, Time: "2020-01-01T13:00:00Z" } },
    false,
    now,
  );
  assert.equal(
    edited.date.startsWith("2020-01-0"),
    true,
    "an existing schedule is shown as stored",
  );
});

Deno.test("a schedule without allowed days runs on every day", () => {
  const d = draftFrom({ ...loaded, Schedule: { ...loaded.Schedule!, AllowedDays: [] } }, false);
  assert.deepEqual(d.days, ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
  assert.deepEqual(stepErrors(d, 3), []);
});
