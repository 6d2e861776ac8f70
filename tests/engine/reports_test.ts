/**
 * Report channels against real servers the tests start on 127.0.0.1: an HTTP receiver
 * (Deno.serve) for --send-http-*, and an SMTP server (python3-aiosmtpd) for --send-mail-* in plain,
 * STARTTLS and smtps modes with a self-signed certificate made by openssl.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { put, tempDir } from "../helpers/tree.ts";
import { makeCertificate, startSmtpServer } from "../servers/smtp.ts";

interface Received {
  method: string;
  path: string;
  contentType: string;
  body: string;
}

/** A real HTTP server on a free port that records requests; `status` picks each answer. */
function startReceiver(status: (n: number, path: string) => number = () => 200) {
  const got: Received[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const u = new URL(req.url);
      got.push({
        method: req.method,
        path: u.pathname,
        contentType: req.headers.get("content-type") ?? "",
        body: await req.text(),
      });
      const code = status(got.length, u.pathname);
      return new Response(code === 200 ? "ok" : "nope", { status: code });
    },
  );
  return { got, url: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
}

async function setup() {
  const [dir, cleanup] = await tempDir("dup-report-");
  const src = join(dir, "src");
  put(src, "a.txt", "alpha\n");
  put(src, "b.txt", "bravo\n");
  const dest = join(dir, "dest");
  const common = [`--dbpath=${join(dir, "db.sqlite")}`, "--no-encryption"];
  const env = { DUPLICATI_HOME: join(dir, "home") };
  const url = `file://${dest}`;
  /** Runs a backup of `src` with these extra options. */
  const backup = (extra: string[], moreEnv: Record<string, string> = {}) =>
    runMain(["backup", url, src, ...common, ...extra], { env: { ...env, ...moreEnv } });
  return { dir, src, url, common, env, backup, cleanup };
}

function formMessage(body: string, name = "message"): string {
  return new URLSearchParams(body).get(name) ?? "";
}

Deno.test("HTTP report: Duplicati text format as a form post, template expanded", async () => {
  const s = await setup();
  const rx = startReceiver();
  try {
    const r = await s.backup([
      `--send-http-url=${rx.url}/report`,
      "--backup-name=nightly",
      "--send-http-extra-parameters=token=abc",
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(rx.got.length, 1);
    const req = rx.got[0];
    assert.equal(req.method, "POST");
    assert.equal(req.path, "/report");
    assert.equal(req.contentType, "application/x-www-form-urlencoded");
    assert.equal(new URLSearchParams(req.body).get("token"), "abc");
    const msg = formMessage(req.body);
    assert.match(msg, /^Duplicati Backup report for nightly \([0-9a-f]+, [0-9A-F]{64}, .+\)\n\n/);
    assert.match(msg, /^ExaminedFiles: 2$/m);
    assert.match(msg, /^AddedFiles: 2$/m);
    assert.match(msg, /^MainOperation: Backup$/m);
    assert.match(msg, /^ParsedResult: Success$/m);
    assert.match(msg, /^Duration: \d\d:\d\d:\d\d\.\d{7}$/m);
  } finally {
    await rx.stop();
    await s.cleanup();
  }
});

Deno.test("HTTP report: JSON format to several URLs with another verb; JSON urls option", async () => {
  const s = await setup();
  const rx = startReceiver();
  try {
    const r = await s.backup([
      `--send-http-url=${rx.url}/one;${rx.url}/two`,
      "--send-http-verb=PUT",
      "--send-http-result-output-format=Json",
      `--send-http-json-urls=${rx.url}/three`,
      "--backup-name=json-job",
    ]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(rx.got.map((g) => `${g.method} ${g.path}`).sort(), [
      "POST /three",
      "PUT /one",
      "PUT /two",
    ]);
    for (const g of rx.got) {
      assert.equal(g.contentType, "application/json");
      const j = JSON.parse(g.body);
      assert.equal(j.Data.ExaminedFiles, 2);
      assert.equal(j.Data.MainOperation, "Backup");
      assert.equal(j.Data.ParsedResult, "Success");
      assert.equal(j.Extra.OperationName, "Backup");
      assert.equal(j.Extra["backup-name"], "json-job");
      assert.match(j.Extra["backup-id"], /^[0-9A-F]{64}$/);
      assert.equal(j.Extra["destination-type"], "file");
      assert.deepEqual(j.LogLines, []);
      assert.equal(j.Exception, null);
    }
  } finally {
    await rx.stop();
    await s.cleanup();
  }
});

Deno.test("HTTP report: failed requests are retried; a lost report is only a warning", async () => {
  const s = await setup();
  const rx = startReceiver((n) => (n < 3 ? 500 : 200));
  try {
    const r = await s.backup([
      `--send-http-url=${rx.url}/flaky`,
      "--send-http-retries=3",
      "--send-http-retry-delay=0s",
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(rx.got.length, 3, "two failures, then delivered");
    assert.match(r.err, /attempt 1 of 3 .* failed: 500/);
    assert.equal(rx.got[0].body, rx.got[2].body, "the same report each time");

    // Nobody listening: warnings, and the backup's own exit code is kept.
    put(s.src, "c.txt", "charlie\n");
    const r2 = await s.backup([
      "--send-http-url=http://127.0.0.1:9/none",
      "--send-http-retries=2",
      "--send-http-retry-delay=0s",
    ]);
    assert.equal(r2.code, 0, r2.err);
    assert.match(r2.err, /HTTP report attempt 2 of 2 to http:\/\/127\.0\.0\.1:9\/none failed/);
  } finally {
    await rx.stop();
    await s.cleanup();
  }
});

Deno.test("HTTP report: --send-http-level and --send-http-any-operation choose what is sent", async () => {
  const s = await setup();
  const rx = startReceiver();
  try {
    let r = await s.backup([`--send-http-url=${rx.url}/x`, "--send-http-level=Error,Fatal"]);
    assert.equal(r.code, 0, r.err);
    assert.equal(rx.got.length, 0, "a successful backup is not reported at level Error,Fatal");

    put(s.src, "d.txt", "delta\n");
    r = await s.backup([`--send-http-url=${rx.url}/x`, "--disable-module=sendmail,sendhttp"]);
    assert.equal(r.code, 0, r.err);
    assert.equal(rx.got.length, 0, "--disable-module=sendhttp turns the HTTP reports off");

    r = await runMain(
      ["list-filesets", s.url, ...s.common, `--send-http-url=${rx.url}/x`],
      { env: s.env },
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(rx.got.length, 0, "other operations only with --send-http-any-operation");

    r = await runMain(
      [
        "list-filesets",
        s.url,
        ...s.common,
        `--send-http-url=${rx.url}/x`,
        "--send-http-any-operation",
        "--send-http-message=%OPERATIONNAME% on %REMOTEURL%: %PARSEDRESULT% %unknown-key%.",
      ],
      { env: s.env },
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(rx.got.length, 1);
    assert.equal(formMessage(rx.got[0].body), `ListFilesets on ${s.url}: Success .`);

    // A failing backup is reported as Fatal at level Fatal.
    r = await runMain(
      [
        "backup",
        s.url,
        join(s.dir, "missing-source"),
        ...s.common,
        `--send-http-url=${rx.url}/fatal`,
        "--send-http-level=Fatal",
      ],
      { env: s.env },
    );
    assert.equal(r.code, 100, r.err);
    assert.equal(rx.got.length, 2);
    const msg = formMessage(rx.got[1].body);
    assert.match(msg, /^Failed: The source .*missing-source does not exist/m);
    assert.match(msg, /^ParsedResult: Fatal$/m);
  } finally {
    await rx.stop();
    await s.cleanup();
  }
});

function header(raw: string, name: string): string | undefined {
  const m = raw.match(new RegExp(`^${name}: (.*)$`, "mi"));
  return m?.[1].trim();
}

/** The decoded body of a received message (base64 when it has lines too long for SMTP). */
function bodyOf(raw: string): string {
  const i = raw.indexOf("\r\n\r\n");
  const body = raw.slice(i + 4);
  if (/^base64$/i.test(header(raw.slice(0, i), "Content-Transfer-Encoding") ?? "")) {
    const bin = atob(body.replace(/\r\n/g, ""));
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  }
  return body.replace(/\r\n/g, "\n");
}

Deno.test("mail report over plain SMTP with login: subject and body templates expanded", async () => {
  const s = await setup();
  const outdir = join(s.dir, "mail");
  Deno.mkdirSync(outdir);
  const smtp = await startSmtpServer({ outdir, user: "reporter", password: "s3cret" });
  try {
    const r = await s.backup([
      "--send-mail-to=Admin <admin@example.org>,ops@example.org",
      `--send-mail-url=smtp://127.0.0.1:${smtp.port}`,
      "--send-mail-username=reporter",
      "--send-mail-password=s3cret",
      "--backup-name=photos",
      "--send-mail-subject=[%PARSEDRESULT%] %OPERATIONNAME% of %backup-name% (%RESULT%)",
      "--send-mail-body=Report for %LOCALPATH% to %REMOTEURL%:\n%RESULT%",
    ]);
    assert.equal(r.code, 0, r.err);
    const mails = smtp.messages();
    assert.equal(mails.length, 1);
    const m = mails[0];
    assert.equal(m.login, "reporter");
    assert.equal(m.tls, false);
    assert.equal(m.mail_from, "no-reply@example.org");
    assert.deepEqual(m.rcpt_tos, ["admin@example.org", "ops@example.org"]);
    assert.equal(header(m.raw, "Subject"), "[Success] Backup of photos (Success)");
    assert.equal(header(m.raw, "From"), "No Reply - Backup report <no-reply@example.org>");
    const body = bodyOf(m.raw);
    assert.ok(body.startsWith(`Report for ${s.src} to ${s.url}:\n`), body);
    assert.match(body, /^ExaminedFiles: 2$/m);
    assert.match(body, /^ParsedResult: Success$/m);

    // A wrong password: the mail is not sent, a warning says why, the backup result stands.
    put(s.src, "c.txt", "charlie\n");
    const r2 = await s.backup([
      "--send-mail-to=admin@example.org",
      `--send-mail-url=smtp://127.0.0.1:${smtp.port}`,
      "--send-mail-username=reporter",
      "--send-mail-password=wrong",
    ]);
    assert.equal(r2.code, 0, r2.err);
    assert.match(r2.err, /Failed to send the report e-mail: .*535/);
    assert.equal(smtp.messages().length, 1);
  } finally {
    await smtp.stop();
    await s.cleanup();
  }
});

Deno.test("mail report over STARTTLS and over smtps, certificate checked (DENO_CERT trusts the test certificate)", async () => {
  const s = await setup();
  const cert = await makeCertificate(s.dir);
  for (const mode of ["starttls", "smtps"] as const) {
    const outdir = join(s.dir, `mail-${mode}`);
    Deno.mkdirSync(outdir);
    const smtp = await startSmtpServer({ outdir, mode, cert, user: "u", password: "p" });
    try {
      const url = mode === "smtps"
        ? `smtps://127.0.0.1:${smtp.port}`
        : `tls://127.0.0.1:${smtp.port}`;
      put(s.src, `${mode}.txt`, mode);
      const args = [
        "backup",
        s.url,
        s.src,
        ...s.common,
        "--send-mail-to=admin@example.org",
        "--send-mail-from=Backups <backup@example.net>",
        `--send-mail-url=${url}`,
        "--send-mail-username=u",
        "--send-mail-password=p",
        "--send-mail-result-output-format=Json",
      ];
      // Without trusting the self-signed certificate, TLS must fail (and say so).
      const untrusted = await runMain(args, { env: s.env });
      assert.equal(untrusted.code, 0, untrusted.err);
      assert.match(untrusted.err, /Failed to send the report e-mail/);
      assert.equal(smtp.messages().length, 0);

      put(s.src, `${mode}-2.txt`, mode);
      const r = await runMain(args, { env: { ...s.env, DENO_CERT: cert.cert } });
      assert.equal(r.code, 0, r.err);
      const mails = smtp.messages();
      assert.equal(mails.length, 1, `${mode}: ${r.err}`);
      assert.equal(mails[0].tls, true);
      assert.equal(mails[0].login, "u");
      assert.equal(mails[0].mail_from, "backup@example.net");
      assert.equal(header(mails[0].raw, "Subject"), "Duplicati Backup report for Duplicati");
      const json = JSON.parse(bodyOf(mails[0].raw));
      assert.equal(json.Data.MainOperation, "Backup");
      assert.equal(json.Data.AddedFiles, 1);
    } finally {
      await smtp.stop();
    }
  }
  await s.cleanup();
});
