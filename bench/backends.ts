/**
 * Upload and download MB/s of the local folder, SFTP and rclone backends on loopback, next to the
 * raw client on the same server and file: `cp` for the folder, OpenSSH's `sftp` for sshd, `rclone
 * copyto` for rclone serve sftp and for the rclone backend's local remote. Ours goes through
 * `openBackend`, i.e. with the retry, timeout and upload-check decorators, as a backup uses it.
 *
 *   deno run -A bench/backends.ts [--size-mb=100] [--runs=2] [--only=file,sshd,rclone-sftp,rclone]
 *
 * Servers are the test helpers' (tests/servers/sshd.ts), on free ports. MB = 10^6 bytes. Each
 * figure is the best of `--runs`. WebDAV, FTP and S3 are in bench/backends_webdav_ftp_s3.ts.
 */
import { join } from "node:path";
import { measure, printRows, type Row, sh, writeBenchFile } from "./backend_measure.ts";
import { startRcloneSftp, startSshd } from "../tests/servers/sshd.ts";

const arg = (n: string, d: string) =>
  Deno.args.find((a) => a.startsWith(`--${n}=`))?.split("=")[1] ?? d;
const SIZE = Number(arg("size-mb", "100")) * 1e6;
const RUNS = Number(arg("runs", "2"));
const ONLY = arg("only", "file,sshd,rclone-sftp,rclone").split(",");

const { best, ours } = measure(SIZE, RUNS);

const work = await Deno.makeTempDir({ prefix: "bench-backends-" });
const file = join(work, "data.bin");
await writeBenchFile(file, SIZE);
const out = join(work, "out.bin");
const rows: Row[] = [];
try {
  if (ONLY.includes("file")) {
    const dest = join(work, "folder");
    rows.push(await ours("file", dest, {}, file, out));
    const up = await best(() => sh("cp", [file, join(dest, "raw.bin")]));
    const down = await best(() => sh("cp", [join(dest, "raw.bin"), out]));
    rows.push({ backend: "file", client: "cp", up, down });
  }
  if (ONLY.includes("sshd")) {
    const s = await startSshd();
    try {
      rows.push(
        await ours(
          "sftp (OpenSSH sshd)",
          s.url("b"),
          {
            "ssh-keyfile": s.keyEd25519,
            "ssh-accept-any-fingerprints": "true",
          },
          file,
          out,
        ),
      );
      const sftp = (cmds: string) =>
        sh(
          "sftp",
          [
            "-q",
            "-b",
            "-",
            "-i",
            s.keyEd25519,
            "-P",
            String(s.port),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            `${s.user}@127.0.0.1`,
          ],
          undefined,
          cmds,
        );
      const remote = `${s.root}/b/raw.bin`;
      const up = await best(() => sftp(`put ${file} ${remote}\n`));
      const down = await best(() => sftp(`get ${remote} ${out}\n`));
      rows.push({ backend: "sftp (OpenSSH sshd)", client: "OpenSSH sftp", up, down });
    } finally {
      await s.dispose();
    }
  }
  if (ONLY.includes("rclone-sftp")) {
    const s = await startRcloneSftp();
    try {
      rows.push(
        await ours(
          "sftp (rclone serve sftp)",
          `ssh://127.0.0.1:${s.port}/b`,
          {
            "auth-username": s.user,
            "auth-password": s.password,
            "ssh-accept-any-fingerprints": "true",
          },
          file,
          out,
        ),
      );
      const obscured = (await new Deno.Command("rclone", {
        args: ["obscure", s.password],
        stdout: "piped",
      }).output()).stdout;
      const remote = `:sftp,host=127.0.0.1,port=${s.port},user=${s.user},pass=${
        new TextDecoder().decode(obscured).trim()
      }:b/raw.bin`;
      const up = await best(() =>
        sh("rclone", ["copyto", "--ignore-times", "--config", "/dev/null", file, remote])
      );
      const down = await best(() =>
        sh("rclone", ["copyto", "--ignore-times", "--config", "/dev/null", remote, out])
      );
      rows.push({ backend: "sftp (rclone serve sftp)", client: "rclone copyto", up, down });
    } finally {
      await s.dispose();
    }
  }
  if (ONLY.includes("rclone")) {
    const conf = join(work, "rclone.conf");
    await Deno.writeTextFile(conf, "[dest]\ntype = local\n");
    rows.push(
      await ours(
        "rclone (local remote)",
        `rclone://dest/${join(work, "rc")}`,
        {
          "rclone-option": `--config ${conf}`,
        },
        file,
        out,
      ),
    );
    const remote = `dest:${join(work, "rc", "raw.bin")}`;
    const up = await best(() =>
      sh("rclone", ["copyto", "--ignore-times", "--config", conf, file, remote])
    );
    const down = await best(() =>
      sh("rclone", ["copyto", "--ignore-times", "--config", conf, remote, out])
    );
    rows.push({ backend: "rclone (local remote)", client: "rclone copyto", up, down });
  }
} finally {
  await Deno.remove(work, { recursive: true }).catch(() => {});
}

printRows(rows, SIZE, RUNS);
