/**
 * Helpers for the repair/recreate/purge tests: a small backup made through the real CLI, with the
 * test-only `faulty://` backend enabled, and byte-exact restore checks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain, type RunResult } from "./cli.ts";
import { diffSnapshots, type EntryState, prng, put, snapshot } from "./tree.ts";

/** One test backup: folders, URL and the options every command gets. */
export class HealthFixture {
  readonly src: string;
  readonly remote: string;
  readonly db: string;
  readonly url: string;
  readonly common: string[];
  constructor(readonly dir: string, extra: string[] = []) {
    this.src = join(dir, "src");
    this.remote = join(dir, "remote");
    this.db = join(dir, "db.sqlite");
    this.url = `file://${this.remote}`;
    this.common = [
      "--passphrase=health test",
      `--dbpath=${this.db}`,
      "--blocksize=16kb",
      "--dblock-size=1mb",
      "--number-of-retries=0",
      "--console-log-level=Error",
      ...extra,
    ];
  }

  /** `faulty://` URL of the same folder with the given rules (`kill-after=put:3`). */
  faulty(rules: string): string {
    return `faulty://${this.remote}?${rules}`;
  }

  /** Runs a command with the fixture's options (and faults enabled). */
  run(args: string[], url = this.url): Promise<RunResult> {
    const [cmd, ...rest] = args;
    return runMain([cmd, url, ...rest, ...this.common], {
      env: { DUPLICATI_TEST_FAULTS: "1" },
    });
  }

  /** Writes round `r` of the source: 10 files of 150 kB that change every round, one constant. */
  write(r: number): void {
    for (let i = 0; i < 10; i++) put(this.src, `r${r}/f${i}.bin`, prng(r * 100 + i, 150_000));
    put(this.src, "keep/constant.txt", "the same in every version\n".repeat(200));
    put(this.src, "keep/changing.txt", `round ${r}\n`.repeat(500));
  }

  async backup(url = this.url): Promise<RunResult> {
    return await runMain(["backup", url, this.src, ...this.common], {
      env: { DUPLICATI_TEST_FAULTS: "1" },
    });
  }

  remoteNames(): string[] {
    return [...Deno.readDirSync(this.remote)].map((e) => e.name).filter((n) =>
      n.startsWith("duplicati-")
    ).sort();
  }

  /** Restores `version` into a fresh folder and returns its snapshot. */
  async restore(version: number, extra: string[] = []): Promise<Map<string, EntryState>> {
    const out = join(this.dir, `out-${crypto.randomUUID()}`);
    const r = await this.run([
      "restore",
      `--restore-path=${out}`,
      `--version=${version}`,
      ...extra,
    ]);
    assert.ok([0, 2].includes(r.code), `restore of version ${version}: ${r.code}\n${r.err}`);
    const s = snapshot(out);
    await Deno.remove(out, { recursive: true });
    return s;
  }

  /** Asserts that `version` restores exactly to `expected`. */
  async assertRestores(version: number, expected: Map<string, EntryState>, extra: string[] = []) {
    assert.deepEqual(
      diffSnapshots(expected, await this.restore(version, extra)),
      [],
      `version ${version}`,
    );
  }
}

/** Asserts a CLI run ended with one of `codes`, showing its output otherwise. */
export function assertCode(r: RunResult, codes: number[], what: string): void {
  assert.ok(codes.includes(r.code), `${what}: exit ${r.code}\n${r.out}\n${r.err}`);
}

export { snapshot };
