import assert from "node:assert/strict";
import {
  formatDuration,
  formatSize,
  metaDuration,
  parseApiDate,
  phaseText,
  progressPhase,
  splitSize,
} from "../../ui/lib/format.ts";
import { generatePassphrase, passphraseStrength } from "../../ui/lib/passphrase.ts";
import { resultSummary } from "../../ui/components/LogTable.tsx";
import { niceBytes, niceCount, niceMax } from "../../ui/components/SizeChart.tsx";
import { versionDelta } from "../../ui/pages/RestoreWizard.tsx";
import {
  formatRepeat,
  joinLocal,
  normaliseDays,
  parseRepeat,
  splitLocal,
} from "../../ui/lib/schedule.ts";
import {
  filterExpression,
  filterRow,
  getSetting,
  readRetention,
  setSetting,
  SMART_POLICY,
  writeRetention,
} from "../../ui/lib/settings.ts";

Deno.test("formatSize uses binary units and rejects junk", () => {
  assert.equal(formatSize(0), "0 B");
  assert.equal(formatSize(1536), "1.50 KB");
  assert.equal(formatSize("52428800"), "50.0 MB");
  assert.equal(formatSize(5 * 2 ** 40), "5.00 TB");
  assert.equal(formatSize(undefined), "-");
  assert.equal(formatSize("abc"), "-");
  assert.equal(formatSize(-1), "-");
});

Deno.test("parseApiDate reads ISO and Duplicati's compact form, rejects the zero date", () => {
  assert.equal(parseApiDate("20250103T133638Z")?.toISOString(), "2025-01-03T13:36:38.000Z");
  assert.equal(parseApiDate("2025-01-03T13:36:38Z")?.getTime(), Date.UTC(2025, 0, 3, 13, 36, 38));
  assert.equal(parseApiDate("0001-01-01T00:00:00Z"), null);
  assert.equal(parseApiDate(""), null);
  assert.equal(parseApiDate("garbage"), null);
});

Deno.test("formatDuration reads seconds and .NET timespans", () => {
  assert.equal(formatDuration(27.5), "0m 28s");
  assert.equal(formatDuration("00:00:27.4"), "0m 27s");
  assert.equal(formatDuration("01:02:03"), "1h 2m 3s");
  assert.equal(formatDuration("2.01:00:00"), "2d 1h 0m 0s");
  assert.equal(formatDuration(null), "-");
});

Deno.test("splitSize and phaseText", () => {
  assert.deepEqual(splitSize("50mb"), { n: "50", unit: "MB" });
  assert.deepEqual(splitSize("2 GiB"), { n: "2", unit: "GB" });
  assert.deepEqual(splitSize("100"), { n: "100", unit: "MB" });
  assert.deepEqual(splitSize("x"), { n: "", unit: "MB" });
  assert.equal(phaseText("Backup_ProcessingFiles"), "Processing files");
  assert.equal(phaseText("Restore_DownloadingRemoteFiles"), "Downloading remote files");
  assert.equal(phaseText(undefined), "");
});

Deno.test("generated passphrases are long, varied and rated strong", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const p = generatePassphrase(32);
    assert.equal(p.length, 32);
    seen.add(p);
    assert.equal(passphraseStrength(p).score >= 3, true, p);
  }
  assert.equal(seen.size, 50);
  assert.equal(generatePassphrase(8).length, 8);
});

Deno.test("passphraseStrength ranks weak and strong phrases", () => {
  assert.equal(passphraseStrength("").score, 0);
  assert.equal(passphraseStrength("password").score, 0);
  assert.match(passphraseStrength("password123").hint, /common words/);
  assert.equal(passphraseStrength("aaaaaaaaaaaa").score, 0);
  assert.equal(passphraseStrength("abcdefgh").score <= 1, true);
  const strong = passphraseStrength("correct Horse battery staple 42!");
  assert.equal(strong.score, 4);
  assert.equal(strong.bits > 80, true);
  assert.ok(passphraseStrength("Tr0ub4dor&3x").score > passphraseStrength("troubador").score);
});

Deno.test("repeat strings round-trip and bad counts are refused", () => {
  assert.deepEqual(parseRepeat("1D"), { n: 1, unit: "D" });
  assert.deepEqual(parseRepeat("12h"), { n: 12, unit: "h" });
  assert.equal(parseRepeat("2D3h"), null);
  assert.equal(formatRepeat(3, "W"), "3W");
  assert.throws(() => formatRepeat(0, "D"), /at least 1/);
  assert.throws(() => formatRepeat(1.5, "D"), /whole number/);
  assert.throws(() => formatRepeat(1, "x"), /unit/);
});

Deno.test("weekday names normalise and local date/time round-trips", () => {
  assert.deepEqual(normaliseDays(["Sunday", "mon", "WED"]), ["mon", "wed", "sun"]);
  assert.deepEqual(normaliseDays(null), []);
  const iso = joinLocal("2026-03-04", "13:05");
  assert.deepEqual(splitLocal(iso), { time: "13:05", date: "2026-03-04" });
  assert.throws(() => joinLocal("2026-13-45", "99:99"), /valid date/);
  const now = new Date(2026, 0, 2, 8, 0);
  assert.deepEqual(splitLocal("13:00:00", now), { time: "13:00", date: "2026-01-02" });
});

Deno.test("settings helpers find names with or without --", () => {
  const list = [{ Name: "--dblock-size", Value: "50MB" }, { Name: "passphrase", Value: "x" }];
  assert.equal(getSetting(list, "dblock-size"), "50MB");
  assert.equal(getSetting(list, "--passphrase"), "x");
  assert.equal(getSetting(list, "keep-time"), undefined);
  assert.deepEqual(setSetting(list, "dblock-size", undefined), [{
    Name: "passphrase",
    Value: "x",
  }]);
  assert.deepEqual(setSetting(list, "passphrase", "y")[1], { Name: "passphrase", Value: "y" });
});

Deno.test("retention choices read and write the right setting", () => {
  assert.deepEqual(readRetention([]), { kind: "all", value: "" });
  assert.deepEqual(readRetention([{ Name: "keep-time", Value: "3M" }]), {
    kind: "time",
    value: "3M",
  });
  assert.deepEqual(
    readRetention([{ Name: "retention-policy", Value: SMART_POLICY }]).kind,
    "smart",
  );
  assert.deepEqual(readRetention([{ Name: "retention-policy", Value: "7D:0s" }]).kind, "custom");
  const start = [{ Name: "keep-time", Value: "1Y" }, { Name: "other", Value: "1" }];
  assert.deepEqual(writeRetention(start, { kind: "versions", value: "5" }), [
    { Name: "other", Value: "1" },
    { Name: "keep-versions", Value: "5" },
  ]);
  assert.deepEqual(writeRetention(start, { kind: "all", value: "" }), [{
    Name: "other",
    Value: "1",
  }]);
  assert.equal(
    getSetting(writeRetention([], { kind: "custom", value: "7D:0s, 3M:1D" }), "retention-policy"),
    "7D:0s,3M:1D",
  );
  assert.throws(() => writeRetention([], { kind: "versions", value: "0" }), /how many/);
  assert.throws(() => writeRetention([], { kind: "time", value: "soon" }), /period/);
  assert.throws(() => writeRetention([], { kind: "custom", value: "7D" }), /policy/);
});

Deno.test("filter rows map to Duplicati expressions and back", () => {
  assert.equal(
    filterExpression({ include: false, kind: "regex", expression: ".*\\.tmp$" }),
    "[.*\\.tmp$]",
  );
  assert.equal(
    filterExpression({ include: true, kind: "group", expression: "SystemFiles" }),
    "{SystemFiles}",
  );
  assert.equal(filterExpression({ include: false, kind: "glob", expression: " *.bak " }), "*.bak");
  assert.deepEqual(filterRow(false, "[a+]"), { include: false, kind: "regex", expression: "a+" });
  assert.deepEqual(filterRow(true, "{TemporaryFiles}"), {
    include: true,
    kind: "group",
    expression: "TemporaryFiles",
  });
  assert.deepEqual(filterRow(false, "/home/me/.cache/"), {
    include: false,
    kind: "path",
    expression: "/home/me/.cache/",
  });
  assert.equal(filterRow(false, "*.tmp").kind, "glob");
});

Deno.test("metaDuration reads timespans and millisecond counts", () => {
  assert.equal(metaDuration("00:00:27.1234567"), "0m 27s");
  assert.equal(metaDuration("5429"), "0m 5s");
  assert.equal(metaDuration(undefined), "-");
});

Deno.test("log rows with an operation result get a readable summary", () => {
  const s = resultSummary(JSON.stringify({
    MainOperation: "Backup",
    ParsedResult: "Warning",
    BeginTime: "2026-01-01T10:00:00Z",
    EndTime: "2026-01-01T10:01:05Z",
    examinedFiles: 120,
    addedFiles: 3,
    warnings: ["a", "b"],
    errors: [],
  }));
  assert.equal(s?.title, "Backup: Warning");
  assert.equal(s?.level, "warning");
  assert.deepEqual(s?.facts, ["examined 120", "added 3", "took 1m 5s", "2 warnings"]);
  assert.equal(resultSummary("plain text")?.title, undefined);
  assert.equal(resultSummary(JSON.stringify({ other: 1 })), null);
});

Deno.test("chart axis maxima are round numbers at or above the data", () => {
  assert.equal(niceMax(7), 8);
  assert.equal(niceMax(0), 1);
  assert.equal(niceBytes(1.15 * 1024 * 1024), 1.2 * 1024 * 1024);
  assert.equal(niceBytes(300), 300);
  assert.equal(niceBytes(0), 1024);
  assert.equal(niceCount(13), 16);
  assert.equal(niceCount(1), 4);
  assert.equal(niceCount(60), 60);
});

Deno.test("the restore timeline tells what changed from the older version", () => {
  const older = { Version: 1, Time: "2026-01-01T00:00:00Z", FileCount: 5, FileSizes: 1000 };
  const newer = { Version: 0, Time: "2026-01-02T00:00:00Z", FileCount: 7, FileSizes: 3048 };
  assert.equal(versionDelta(newer, older), "+2 files, +2.00 KB");
  assert.equal(versionDelta(older, newer), "-2 files, -2.00 KB");
  assert.equal(versionDelta(newer, newer), "same size and file count");
  assert.equal(versionDelta(newer, undefined), "");
});

Deno.test("the running task's phase reads as words", () => {
  assert.equal(
    progressPhase({ Phase: "Backup_WaitForUpload", PhaseText: "Uploading" }),
    "Uploading",
  );
  assert.equal(progressPhase({ Phase: "Backup_ProcessingFiles" }), "Processing files");
  assert.equal(progressPhase(null), "Starting");
});
