/**
 * TEST-ONLY: a local folder backend that misbehaves on purpose, for crash and fault tests.
 *
 * Enabled only when the environment variable `DUPLICATI_TEST_FAULTS=1` is set; otherwise the
 * `faulty://` scheme is refused. URL: `faulty:///abs/folder?<rule>&<rule>...` where each rule is
 * `<action>=<op>:<n>` and `op` is put, get, delete or list, `n` the 1-based call count of that op
 * in this process:
 * - `fail=put:3`         the 3rd put throws (nothing is written)
 * - `truncate=put:2`     the 2nd put writes only half of the file, then throws
 * - `kill-before=get:4`  the process kills itself with SIGKILL before the 4th get
 * - `kill-after=put:5`   the process kills itself with SIGKILL right after the 5th put
 * Several rules may be given (`fail=put:2&fail=get:1`). The folder is then used like `file://`.
 * Unlike the file backend it offers no in-place reads, so every download goes through `get`.
 */
import { join } from "node:path";
import type { Backend, Quota, RemoteEntry } from "./backend.ts";
import { FileBackend } from "./file.ts";

/** The environment variable that enables the `faulty://` scheme. */
export const FAULTS_ENV = "DUPLICATI_TEST_FAULTS";

type Op = "put" | "get" | "delete" | "list";
type Action = "fail" | "truncate" | "kill-before" | "kill-after";

/** One injected fault. */
export interface FaultRule {
  action: Action;
  op: Op;
  n: number;
}

/** Parses the rules from a URL query; throws on anything it does not understand. */
export function parseFaultRules(query: URLSearchParams): FaultRule[] {
  const rules: FaultRule[] = [];
  for (const [k, v] of query) {
    if (!["fail", "truncate", "kill-before", "kill-after"].includes(k)) {
      throw new Error(
        `faulty://: unknown rule "${k}" (use fail, truncate, kill-before, kill-after)`,
      );
    }
    for (const part of v.split(",")) {
      const m = /^(put|get|delete|list):(\d+)$/.exec(part.trim());
      if (!m) throw new Error(`faulty://: "${k}=${part}" must look like put:3`);
      rules.push({ action: k as Action, op: m[1] as Op, n: Number(m[2]) });
    }
  }
  return rules;
}

/** The injected failure. */
export class InjectedFault extends Error {
  constructor(op: string, n: number) {
    super(`Injected test fault: ${op} #${n} failed`);
    this.name = "InjectedFault";
  }
}

/** A file backend with injected faults (test-only). */
export class FaultyBackend implements Backend {
  readonly displayName: string;
  private inner: FileBackend;
  private counts: Record<Op, number> = { put: 0, get: 0, delete: 0, list: 0 };

  constructor(readonly folder: string, private rules: FaultRule[]) {
    this.inner = new FileBackend(folder);
    this.displayName = `faulty:${folder}`;
  }

  /** Counts the call and applies the rules that fire before it; returns the rules for after. */
  private before(op: Op): FaultRule[] {
    const n = ++this.counts[op];
    const hits = this.rules.filter((r) => r.op === op && r.n === n);
    for (const r of hits) {
      if (r.action === "kill-before") Deno.kill(Deno.pid, "SIGKILL");
      if (r.action === "fail") throw new InjectedFault(op, n);
    }
    return hits;
  }

  private after(hits: FaultRule[]): void {
    if (hits.some((r) => r.action === "kill-after")) Deno.kill(Deno.pid, "SIGKILL");
  }

  async list(): Promise<RemoteEntry[]> {
    const hits = this.before("list");
    const r = await this.inner.list();
    this.after(hits);
    return r;
  }

  removeLeftovers(): Promise<number> {
    return this.inner.removeLeftovers();
  }

  async put(name: string, localPath: string): Promise<void> {
    const hits = this.before("put");
    if (hits.some((r) => r.action === "truncate")) {
      const data = await Deno.readFile(localPath);
      await Deno.writeFile(join(this.folder, name), data.subarray(0, data.length >> 1));
      throw new InjectedFault("put (truncated)", this.counts.put);
    }
    await this.inner.put(name, localPath);
    this.after(hits);
  }

  async get(name: string, localPath: string): Promise<void> {
    const hits = this.before("get");
    await this.inner.get(name, localPath);
    this.after(hits);
  }

  async delete(name: string): Promise<void> {
    const hits = this.before("delete");
    await this.inner.delete(name);
    this.after(hits);
  }

  createFolder(): Promise<void> {
    return this.inner.createFolder();
  }

  test(): Promise<void> {
    return this.inner.test();
  }

  quota(): Promise<Quota | undefined> {
    return Promise.resolve(undefined);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
