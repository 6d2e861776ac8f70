/**
 * Starts the real SMTP server of `smtp_server.py` (Debian's python3-aiosmtpd) on 127.0.0.1 on a
 * free port, and makes self-signed certificates with openssl for its TLS modes.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./smtp_server.py", import.meta.url));

/** One received e-mail. */
export interface ReceivedMail {
  raw: string;
  mail_from: string;
  rcpt_tos: string[];
  tls: boolean;
  login: string | null;
}

/** A running SMTP server. */
export interface SmtpServer {
  port: number;
  /** Messages received so far, in order. */
  messages(): ReceivedMail[];
  stop(): Promise<void>;
}

/**
 * Writes a self-signed certificate for localhost/127.0.0.1 (not a CA, as TLS clients require of
 * server certificates) into `dir`; returns the cert and key paths.
 */
export async function makeCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const r = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`openssl failed: ${new TextDecoder().decode(r.stderr)}`);
  return { cert, key };
}

/** Starts the server; `outdir` receives the messages. */
export async function startSmtpServer(opts: {
  outdir: string;
  mode?: "plain" | "starttls" | "smtps";
  cert?: { cert: string; key: string };
  user?: string;
  password?: string;
}): Promise<SmtpServer> {
  const args = [SCRIPT, opts.outdir, "--mode", opts.mode ?? "plain"];
  if (opts.cert) args.push("--cert", opts.cert.cert, "--key", opts.cert.key);
  if (opts.user) args.push("--user", opts.user, "--password", opts.password ?? "");
  const child = new Deno.Command("/usr/bin/python3", {
    args,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let port = 0;
  try {
    while (!port) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      const m = text.match(/READY (\d+)/);
      if (m) port = Number(m[1]);
    }
  } finally {
    reader.releaseLock();
  }
  if (!port) {
    const err = await new Response(child.stderr).text();
    throw new Error(`The SMTP server did not start: ${text} ${err}`);
  }
  child.stderr.cancel().catch(() => {});
  child.stdout.cancel().catch(() => {});
  return {
    port,
    messages() {
      const out: ReceivedMail[] = [];
      for (let n = 1;; n++) {
        try {
          const meta = JSON.parse(Deno.readTextFileSync(join(opts.outdir, `${n}.json`)));
          const raw = Deno.readTextFileSync(join(opts.outdir, `${n}.eml`));
          out.push({ raw, ...meta });
        } catch {
          return out;
        }
      }
    },
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
    },
  };
}
