/** The program's version, shown by `--version`, in manifests (`AppVersion`) and in reports. */
export const VERSION = "0.1.0";
/** Name shown to users. */
export const PRODUCT_NAME = "Duplicati, portable edition";

/**
 * The portable build this program is (`linux-x64`, `windows-x64`, `macos-arm64`, ...): the
 * `<target>` in `duplicati-<version>-<target>/`.
 */
export function programTarget(): string {
  const os = Deno.build.os === "darwin" ? "macos" : Deno.build.os;
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  return `${os}-${arch}`;
}

const VERSION_RE = /^v?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** True when `v` is a version `compareVersions` understands (`1.2.3`, `1.2.3-beta.1`). */
export function isVersion(v: string): boolean {
  return VERSION_RE.test(v.trim());
}

/**
 * Compares two versions semantically: numeric parts one by one (missing parts count as 0, so
 * 1.2 = 1.2.0 and 0.10.0 > 0.9.9), a pre-release (`-beta.1`) before its release, pre-release
 * parts compared as numbers when both are numeric, else as text; build metadata (`+...`) is
 * ignored. Returns a negative number, 0 or a positive number. Throws an Error for text that is
 * not a version (check with {@link isVersion} first).
 */
export function compareVersions(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.nums.length, pb.nums.length); i++) {
    const d = (pa.nums[i] ?? 0) - (pb.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (!pa.pre.length || !pb.pre.length) {
    return pa.pre.length ? -1 : pb.pre.length ? 1 : 0; // a release follows its pre-releases
  }
  for (let i = 0; i < Math.max(pa.pre.length, pb.pre.length); i++) {
    const x = pa.pre[i];
    const y = pb.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (xn !== yn) {
      return xn ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

function parse(v: string): { nums: number[]; pre: string[] } {
  const m = v.trim().match(VERSION_RE);
  if (!m) throw new Error(`"${v}" is not a version such as 1.2.3`);
  return { nums: m[1].split(".").map(Number), pre: m[2] ? m[2].split(".") : [] };
}
