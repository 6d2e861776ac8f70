/** Pure parts of hooks and reports: override parsing, templates, the two result formats. */
import assert from "node:assert/strict";
import { parseOverrides, splitCommandLine } from "../../src/engine/hooks/run_script.ts";
import { expandTemplate, repeatedHashWithSalt } from "../../src/engine/hooks/report_template.ts";
import {
  serializeReport,
  TimeSpanValue,
  toDuplicatiNames,
} from "../../src/engine/hooks/result_format.ts";
import { parseSmtpUrl } from "../../src/engine/hooks/smtp_client.ts";
import { senderAddress } from "../../src/engine/hooks/mail_report.ts";

Deno.test("before-script output: --option lines as Duplicati reads them", () => {
  const o = parseOverrides(
    [
      "hello -- not an option",
      "  --dblock-size=25mb  ",
      '--backup-name="My job"',
      "--flag",
      "--=x",
      "--remoteurl=file:///elsewhere",
      "--localpath=/a:/b",
      "--operationname=Restore",
      "--eventname=AFTER",
      "--main-action=x",
    ].join("\n"),
    ":",
  );
  assert.deepEqual(o.options, { "dblock-size": "25mb", "backup-name": "My job", flag: "" });
  assert.equal(o.remoteUrl, "file:///elsewhere");
  assert.deepEqual(o.localPath, ["/a", "/b"]);
});

Deno.test("script command lines split with quotes", () => {
  assert.deepEqual(splitCommandLine(`"/path to/s.sh" 'a b' c --x="y z"`), [
    "/path to/s.sh",
    "a b",
    "c",
    '--x="y',
    'z"',
  ]);
});

Deno.test("templates: keys case-insensitive, options, identity values, unknown keys removed", () => {
  const ctx = {
    operationName: "Backup",
    remoteUrl: "s3://bucket/x",
    localPath: ["/home/a", "/home/b"],
    parsedResult: "Warning",
    options: { "backup-name": "job", "dblock-size": "50mb", "machine-id": "m1" },
    report: { data: { ExaminedFiles: 3 }, logLines: [] },
  };
  assert.equal(
    expandTemplate(
      "%operationname% %RemoteUrl% %LOCALPATH% %ParsedResult% %backup-name% %DBLOCK-SIZE% %destination-type% %nope%!",
      ctx,
      "Duplicati",
      false,
    ),
    "Backup s3://bucket/x /home/a:/home/b Warning job 50mb s3 !",
  );
  assert.equal(expandTemplate("R=%RESULT%", ctx, "Duplicati", true), "R=Warning");
  assert.equal(expandTemplate("%RESULT%", ctx, "Duplicati", false), "ExaminedFiles: 3");
  const j = JSON.parse(expandTemplate("x %OPERATIONNAME%", ctx, "Json", false));
  assert.deepEqual(j.Data, { ExaminedFiles: 3 });
  assert.equal(j.Extra.OperationName, "Backup");
  assert.equal(j.Extra["backup-name"], "job");
  assert.equal(j.Extra["backup-id"], repeatedHashWithSalt("s3://bucket/x", "DUPL"));
  assert.equal(j.Extra.RemoteUrl, undefined, "only keys the template names");
});

Deno.test("repeatedHashWithSalt: SHA-256(salt + data), then 1200 x SHA-256(salt + previous)", async () => {
  const enc = new TextEncoder();
  const sha = async (a: Uint8Array<ArrayBuffer>) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", a));
  const cat = (a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> => {
    const c = new Uint8Array(a.length + b.length);
    c.set(a);
    c.set(b, a.length);
    return c;
  };
  let h = await sha(cat(enc.encode("DUPL"), enc.encode("file:///x")));
  for (let i = 0; i < 1200; i++) h = await sha(cat(enc.encode("DUPL"), h));
  const hex = Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
  assert.equal(repeatedHashWithSalt("file:///x", "DUPL"), hex);
});

Deno.test("Duplicati text format: nesting, lists, booleans, dates, durations, exception, log", () => {
  const data = toDuplicatiNames({
    examinedFiles: 2,
    dryRun: false,
    version: { name: "v", time: new Date(0) },
    list: [1, 2],
    warnings: ["hidden"],
    exitCode: 0,
  }) as Record<string, unknown>;
  data.Duration = new TimeSpanValue(90_061_001);
  const text = serializeReport("Duplicati", {
    data,
    exception: new Error("boom"),
    logLines: ["line 1"],
  });
  assert.match(text, /^Failed: boom\nDetails: Error: boom/);
  assert.match(
    text,
    /\nExaminedFiles: 2\nDryrun: False\nCreatedVersion:\n {4}Name: v\n {4}Time: .* \(0\)\nList: \[\n {4}1,\n {4}2\n\]\nDuration: 1\.01:01:01\.0010000\nLog data:\nline 1\n$/,
  );
  assert.doesNotMatch(text, /hidden|ExitCode/);
});

Deno.test("mail server URLs and sender addresses as Duplicati completes them", () => {
  assert.deepEqual(parseSmtpUrl("smtp.example.com"), {
    host: "smtp.example.com",
    port: 25,
    tls: "optional",
  });
  assert.deepEqual(parseSmtpUrl("smtps://h"), { host: "h", port: 465, tls: "implicit" });
  assert.deepEqual(parseSmtpUrl("tls://h"), { host: "h", port: 587, tls: "required" });
  assert.deepEqual(parseSmtpUrl("smtp://h:2525/?starttls=never"), {
    host: "h",
    port: 2525,
    tls: "never",
  });
  assert.throws(() => parseSmtpUrl("imap://h"), /smtp:\/\/, smtps:\/\/ or tls:\/\//);
  assert.equal(
    senderAddress("no-reply", "Admin <a@example.org>"),
    "No Reply - Backup report <no-reply@example.org>",
  );
  assert.equal(senderAddress("Me <me>", "a@x.io"), "Me <me@x.io>");
  assert.equal(senderAddress("me@y.io", "a@x.io"), "me@y.io");
});
