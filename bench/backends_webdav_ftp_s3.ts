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
import { measure, printRows, type Row, sh, writeBenchFile } from "./backend_measure.ts";
import { ApacheWebdav } from "../tests/servers/apache_webdav.ts";
import { PureFtpd } from "../tests/servers/pure_ftpd.ts";
import { SwiftS3 } from "../tests/servers/swift_s3.ts";

const arg = (n: string, d: string) =>
  Deno.args.find((a) => a.startsWith(`--${n}=`))?.split("=")[1] ?? d;
const SIZE = Number(arg("size-mb", "200")) * 1e6;
const RUNS = Number(arg("runs", "2"));
const ONLY = arg("only", "webdav,ftp,s3").split(",");

const { best, ours } = measure(SIZE, RUNS);

async function main() {
  const work = await Deno.makeTempDir({ prefix: "bench-backends-" });
  const file = join(work, "data.bin");
  const out = join(work, "out.bin");
  await writeBenchFile(file, SIZE);
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
  printRows(rows, SIZE, RUNS);
}

if (import.meta.main) await main();
