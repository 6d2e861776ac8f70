/**
 * A small SMTP client (RFC 5321) over Deno's TCP and TLS: plain `smtp://` (upgraded with STARTTLS
 * when the server offers it), `smtp://...?starttls=always|never`, `tls://host[:587]` (STARTTLS
 * required) and `smtps://host[:465]` (TLS from the start). AUTH PLAIN or LOGIN when a user name and
 * password are given. Certificates are checked against the system store (plus `DENO_CERT`).
 */
import { hostname } from "node:os";

/** A text e-mail. Addresses may be `Name <user@host>` or `user@host`. */
export interface MailMessage {
  from: string;
  to: string[];
  subject: string;
  body: string;
}

/** How to reach a mail server, parsed from `--send-mail-url`. */
export interface SmtpEndpoint {
  host: string;
  port: number;
  /** `implicit`: TLS from the start; `required`/`optional`/`never`: STARTTLS policy. */
  tls: "implicit" | "required" | "optional" | "never";
}

/** Parses one server URL; a bare `host[:port]` means `smtp://`. Throws for unknown schemes. */
export function parseSmtpUrl(url: string): SmtpEndpoint {
  const withScheme = url.includes("://") ? url : `smtp://${url}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new Error(`"${url}" is not a mail server URL; use e.g. smtps://smtp.example.com:465`);
  }
  const scheme = u.protocol.replace(/:$/, "").toLowerCase();
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = u.port ? Number(u.port) : undefined;
  if (scheme === "smtps") return { host, port: port ?? 465, tls: "implicit" };
  if (scheme === "tls") return { host, port: port ?? 587, tls: "required" };
  if (scheme === "smtp") {
    const st = (u.searchParams.get("starttls") ?? "").toLowerCase();
    const tls = st === "always" ? "required" : st === "never" ? "never" : "optional";
    return { host, port: port ?? 25, tls };
  }
  throw new Error(
    `Unsupported mail server scheme "${scheme}://"; use smtp://, smtps:// or tls://`,
  );
}

/** The bare address of `Name <user@host>`. */
export function mailboxAddress(s: string): string {
  const m = s.match(/<([^>]*)>/);
  return (m ? m[1] : s).trim();
}

function encodeHeader(v: string): string {
  if (/^[\x20-\x7e]*$/.test(v)) return v;
  const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(v)));
  return `=?utf-8?B?${b64}?=`;
}

function isAscii(s: string): boolean {
  // deno-lint-ignore no-control-regex
  return /^[\x00-\x7f]*$/.test(s);
}

/** Builds the message text (headers + body, CRLF line ends, not yet dot-stuffed). */
export function composeMessage(msg: MailMessage, eightBit: boolean, now = new Date()): string {
  const body = msg.body.replace(/\r\n|\r|\n/g, "\r\n");
  let encoding = "7bit";
  let encodedBody = body;
  // SMTP allows at most 998 characters per line: longer lines (e.g. a one-line JSON result) are
  // sent base64-encoded, like non-ASCII text without 8BITMIME.
  const longLines = body.split("\r\n").some((l) => l.length > 998);
  if (!isAscii(body) || longLines) {
    if (eightBit && !longLines) encoding = "8bit";
    else {
      encoding = "base64";
      const bytes = new TextEncoder().encode(body);
      let bin = "";
      for (const b of bytes) bin += String.fromCharCode(b);
      encodedBody = (btoa(bin).match(/.{1,76}/g) ?? []).join("\r\n");
    }
  }
  const domain = mailboxAddress(msg.from).split("@")[1] ?? "localhost";
  const headers = [
    `From: ${msg.from}`,
    `To: ${msg.to.join(", ")}`,
    `Subject: ${encodeHeader(msg.subject)}`,
    `Date: ${now.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${crypto.randomUUID()}@${domain}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    `Content-Transfer-Encoding: ${encoding}`,
  ];
  return headers.join("\r\n") + "\r\n\r\n" + encodedBody;
}

interface Reply {
  code: number;
  lines: string[];
}

/** One SMTP conversation. */
class SmtpConnection {
  private buf = new Uint8Array(0);
  private dec = new TextDecoder();
  private enc = new TextEncoder();
  readonly transcript: string[] = [];

  constructor(private conn: Deno.Conn) {}

  private async readLine(): Promise<string> {
    while (true) {
      const ix = this.buf.indexOf(10);
      if (ix >= 0) {
        const line = this.dec.decode(this.buf.subarray(0, ix)).replace(/\r$/, "");
        this.buf = this.buf.slice(ix + 1);
        return line;
      }
      const chunk = new Uint8Array(4096);
      const n = await this.conn.read(chunk);
      if (n === null) throw new Error("The mail server closed the connection");
      const next = new Uint8Array(this.buf.length + n);
      next.set(this.buf);
      next.set(chunk.subarray(0, n), this.buf.length);
      this.buf = next;
    }
  }

  async reply(): Promise<Reply> {
    const lines: string[] = [];
    while (true) {
      const line = await this.readLine();
      this.transcript.push(`S: ${line}`);
      lines.push(line.slice(4));
      if (line.length < 4 || line[3] !== "-") {
        return { code: Number(line.slice(0, 3)), lines };
      }
    }
  }

  async write(text: string, logAs?: string): Promise<void> {
    this.transcript.push(`C: ${logAs ?? text}`);
    const data = this.enc.encode(text + "\r\n");
    let off = 0;
    while (off < data.length) off += await this.conn.write(data.subarray(off));
  }

  /** Sends a command and checks the reply code class (2 or 3). */
  async command(text: string, expect: number[], logAs?: string): Promise<Reply> {
    await this.write(text, logAs);
    const r = await this.reply();
    if (!expect.includes(Math.floor(r.code / 100)) && !expect.includes(r.code)) {
      throw new Error(
        `The mail server refused "${(logAs ?? text).split(" ")[0]}": ${r.code} ${
          r.lines.join(" ")
        }`,
      );
    }
    return r;
  }

  async upgrade(host: string): Promise<void> {
    this.conn = await Deno.startTls(this.conn as Deno.TcpConn, { hostname: host });
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

function capabilities(r: Reply): Set<string> {
  return new Set(r.lines.slice(1).map((l) => l.toUpperCase()));
}

function authMechanisms(caps: Set<string>): string[] {
  for (const c of caps) {
    if (c.startsWith("AUTH ") || c.startsWith("AUTH=")) return c.slice(5).split(/\s+/);
  }
  return [];
}

function b64(s: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * Delivers `msg` through the server at `url`. Returns the SMTP transcript (passwords masked).
 * Throws with the server's answer when it refuses, or on timeout (`timeoutMs`, default 60 s).
 */
export async function sendMail(
  url: string,
  msg: MailMessage,
  opts: { username?: string; password?: string; timeoutMs?: number } = {},
): Promise<string[]> {
  const ep = parseSmtpUrl(url);
  if (msg.to.length === 0) throw new Error("No recipient given");
  const conn = ep.tls === "implicit"
    ? await Deno.connectTls({ hostname: ep.host, port: ep.port })
    : await Deno.connect({ hostname: ep.host, port: ep.port });
  const smtp = new SmtpConnection(conn);
  const timeout = setTimeout(() => smtp.close(), opts.timeoutMs ?? 60_000);
  try {
    const greeting = await smtp.reply();
    if (greeting.code !== 220) {
      throw new Error(
        `The mail server did not greet: ${greeting.code} ${greeting.lines.join(" ")}`,
      );
    }
    const me = hostname() || "localhost";
    let caps = capabilities(await smtp.command(`EHLO ${me}`, [2]));
    if (ep.tls === "required" || (ep.tls === "optional" && caps.has("STARTTLS"))) {
      if (!caps.has("STARTTLS")) {
        throw new Error(`The mail server ${ep.host}:${ep.port} does not offer STARTTLS`);
      }
      await smtp.command("STARTTLS", [220]);
      await smtp.upgrade(ep.host);
      caps = capabilities(await smtp.command(`EHLO ${me}`, [2]));
    }
    if (opts.username && opts.password) {
      const mechs = authMechanisms(caps);
      if (mechs.includes("PLAIN") || mechs.length === 0) {
        await smtp.command(
          `AUTH PLAIN ${b64(`\0${opts.username}\0${opts.password}`)}`,
          [235],
          "AUTH PLAIN ****",
        );
      } else if (mechs.includes("LOGIN")) {
        await smtp.command("AUTH LOGIN", [334]);
        await smtp.command(b64(opts.username), [334]);
        await smtp.command(b64(opts.password), [235], "****");
      } else {
        throw new Error(
          `The mail server offers no supported login method (it has: ${mechs.join(", ")})`,
        );
      }
    }
    const eightBit = caps.has("8BITMIME");
    const text = composeMessage(msg, eightBit);
    await smtp.command(
      `MAIL FROM:<${mailboxAddress(msg.from)}>${
        eightBit && !isAscii(text) ? " BODY=8BITMIME" : ""
      }`,
      [2],
    );
    for (const to of msg.to) await smtp.command(`RCPT TO:<${mailboxAddress(to)}>`, [2]);
    await smtp.command("DATA", [354]);
    const stuffed = text.split("\r\n").map((l) => (l.startsWith(".") ? "." + l : l)).join("\r\n");
    await smtp.command(stuffed + "\r\n.", [2], "<message>");
    await smtp.command("QUIT", [2]).catch(() => {});
    return smtp.transcript;
  } finally {
    clearTimeout(timeout);
    smtp.close();
  }
}
