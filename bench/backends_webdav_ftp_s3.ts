/**
 * Upload and download MB/s of the WebDAV, FTP(S) and S3 backends on loopback, next to a raw
 * client on the same server and file: curl for WebDAV and FTP, rclone for S3 (its curl SigV4
 * does not satisfy Swift). Ours goes through `openBackend`, i.e. with the retry, timeout and
 * upload-check decorators, exactly as a backup uses it.
 *
 *   deno run -A bench/backends_webdav_ftp_s3.ts [--size-mb=200] [--only=webdav,ftp,s3]
 *
 * Servers are the test helpers' (Apache mod_dav, pure-ftpd, Swift s3api), on free ports.
 * MB = 10^6 bytes. Each figure is the best of `--runs` (default 2).
 */
import { join } from "node:path";
import { openBackend } from "../src/backends/registry.ts";
import { ApacheWebdav } from "../tests/servers/apache_webdav.ts";
import { PureFtpd } from "../tests/servers/pure_ftpd.ts";
import { SwiftS3 } from "../tests/servers/swift_s3.ts";

const arg = (n: string, d: string) =>
  Deno.args.find((a) => a.startsWith(`--${n}=`))?.split("=")[1] ?? d;
const SIZE = Number(arg("size-mb", "200")) * 1e6;
const RUNS = Number(arg("runs", "2"));
const ONLY = arg("only", "webdav,ftp,s3").split(",");

interface Row {
  backend: string;
  client: string;
  up: number;
  down: number;
}

async function best(fn: () => Promise<void>): Promise<number> {
  let bestS = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    bestS = Math.min(bestS, (performance.now() - t) / 1000);
  }
  return SIZE / 1e6 / bestS;
}

async function sh(cmd: string, args: string[], env?: Record<string, string>): Promise<void> {
  // A CA bundle from the environment makes rclone's S3 client refuse its own HTTP transport.
  const clean = env ? { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...env } : undefined;
  const r = await new Deno.Command(cmd, {
    args,
    env: clean,
    clearEnv: env !== undefined,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(r.stderr)}`);
}

async function ours(
  backend: string,
  url: string,
  opts: Record<string, string>,
  file: string,
  out: string,
): Promise<Row> {
  const b = openBackend(url, opts);
  await b.createFolder();
  const up = await best(() => b.put("ours.bin", file));
  const down = await best(() => b.get("ours.bin", out));
  await b.delete("ours.bin");
  await b.close();
  return { backend, client: "ours", up, down };
}

async function main() {
  const work = await Deno.makeTempDir({ prefix: "bench-backends-" });
  const file = join(work, "data.bin");
  const out = join(work, "out.bin");
  {
    const f = await Deno.open(file, { write: true, create: true });
    const buf = new Uint8Array(1 << 20);
    for (let left = SIZE; left > 0; left -= buf.length) {
      for (let o = 0; o < buf.length; o += 65536) {
        crypto.getRandomValues(buf.subarray(o, o + 65536));
      }
      await f.write(buf.subarray(0, Math.min(left, buf.length)));
    }
    f.close();
  }
  const rows: Row[] = [];
  try {
    if (ONLY.includes("webdav")) {
      for (const tls of [false, true]) {
        const s = await ApacheWebdav.start({ tls });
        try {
          const name = tls ? "webdav https" : "webdav http";
          const base = `${tls ? "https" : "http"}://127.0.0.1:${s.port}/bench`;
          const tlsArgs = tls ? ["--cacert", s.cert!.crt] : [];
          const auth = ["-u", `${s.user}:${s.pass}`];
          await sh("curl", ["-sS", "-f", ...auth, ...tlsArgs, "-X", "MKCOL", `${base}/`]);
          rows.push({
            backend: name,
            client: "curl",
            up: await best(() =>
              sh("curl", ["-sS", "-f", ...auth, ...tlsArgs, "-T", file, `${base}/raw.bin`])
            ),
            down: await best(() =>
              sh("curl", ["-sS", "-f", ...auth, ...tlsArgs, "-o", out, `${base}/raw.bin`])
            ),
          });
          const opts: Record<string, string> = { "auth-username": s.user, "auth-password": s.pass };
          if (tls) {
            Object.assign(opts, { "use-ssl": "true", "accept-specified-ssl-hash": s.cert!.sha1 });
          }
          rows.push(await ours(name, `webdav://${s.hostPort}/bench/ours`, opts, file, out));
        } finally {
          await s.dispose();
        }
      }
    }
    if (ONLY.includes("ftp")) {
      for (const tls of [false, true]) {
        const s = await PureFtpd.start({ tlsRequired: tls });
        try {
          const name = tls ? "ftps (explicit)" : "ftp";
          const url = `ftp://127.0.0.1:${s.port}/bench/raw.bin`;
          const c = [
            "-sS",
            "-u",
            `${s.user}:${s.pass}`,
            ...(tls ? ["--ssl-reqd", "--cacert", s.cert.crt] : []),
          ];
          rows.push({
            backend: name,
            client: "curl",
            up: await best(() => sh("curl", [...c, "--ftp-create-dirs", "-T", file, url])),
            down: await best(() => sh("curl", [...c, "-o", out, url])),
          });
          const opts: Record<string, string> = { "auth-username": s.user, "auth-password": s.pass };
          if (tls) {
            Object.assign(opts, {
              "ftp-encryption-mode": "Explicit",
              "accept-specified-ssl-hash": s.cert.sha1,
            });
          }
          rows.push(await ours(name, `ftp://${s.hostPort}/bench/ours`, opts, file, out));
        } finally {
          await s.dispose();
        }
      }
    }
    if (ONLY.includes("s3")) {
      const s = await SwiftS3.start();
      try {
        const opts = {
          "s3-server-name": s.hostPort,
          "aws-access-key-id": s.accessKey,
          "aws-secret-access-key": s.secretKey,
        };
        rows.push(await ours("s3 (Swift)", "s3://benchbucket/ours", opts, file, out));
        const env = {
          RCLONE_CONFIG: "/dev/null",
          RCLONE_S3_PROVIDER: "Other",
          RCLONE_S3_ENDPOINT: s.endpoint,
          RCLONE_S3_ACCESS_KEY_ID: s.accessKey,
          RCLONE_S3_SECRET_ACCESS_KEY: s.secretKey,
          RCLONE_S3_REGION: s.region,
        };
        const remote = ":s3:benchbucket/raw/raw.bin";
        rows.splice(rows.length - 1, 0, {
          backend: "s3 (Swift)",
          client: "rclone",
          up: await best(() => sh("rclone", ["copyto", "--ignore-times", file, remote], env)),
          down: await best(() => sh("rclone", ["copyto", "--ignore-times", remote, out], env)),
        });
      } finally {
        await s.dispose();
      }
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
  console.log(`\n${SIZE / 1e6} MB file, best of ${RUNS}, loopback, MB/s (10^6 B/s)\n`);
  console.log("| backend | client | upload MB/s | download MB/s |");
  console.log("|---|---|---|---|");
  for (const r of rows) {
    console.log(`| ${r.backend} | ${r.client} | ${r.up.toFixed(0)} | ${r.down.toFixed(0)} |`);
  }
}

if (import.meta.main) await main();
