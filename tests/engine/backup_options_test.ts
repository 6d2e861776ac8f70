/** Backup options that decide what is backed up: filters, symlinks, sizes, attributes, dry run. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { backup } from "../../src/engine/backup.ts";
import { BackupView } from "../../src/engine/list.ts";
import { OptionValues } from "../../src/core/option_values.ts";
import { FilterList, parseFilterRule } from "../../src/core/filters.ts";
import { put, tempDir } from "../helpers/tree.ts";

async function paths(url: string, opts: OptionValues): Promise<string[]> {
  const v = await BackupView.open(url, opts);
  try {
    return [...v.entries(0)].map((e) => e.path).sort();
  } finally {
    await v.close();
  }
}

async function run(
  name: string,
  build: (src: string) => void,
  extra: Record<string, string>,
  rules: [boolean, string][] = [],
) {
  const [dir, cleanup] = await tempDir(`dup-${name}-`);
  try {
    const src = join(dir, "src");
    Deno.mkdirSync(src);
    build(src);
    const url = join(dir, "dest");
    const opts = new OptionValues({
      "no-encryption": "true",
      dbpath: join(dir, "db.sqlite"),
      ...extra,
    });
    const filters = FilterList.fromArgs(rules.map(([inc, p]) => parseFilterRule(p, inc)));
    const r = await backup({ url, sources: [src], options: opts, filters });
    const list = r.version ? (await paths(url, opts)).map((p) => p.slice(src.length + 1)) : [];
    return { r, list };
  } finally {
    await cleanup();
  }
}

Deno.test("filters: first match wins, folders, regex, literal", async () => {
  const { list } = await run(
    "filters",
    (s) => {
      put(s, "keep.txt", "1");
      put(s, "drop.tmp", "2");
      put(s, "cache/a.txt", "3");
      put(s, "logs/important.log", "4");
      put(s, "logs/other.log", "5");
      put(s, "exact.dat", "6");
    },
    {},
    [
      [true, "*/important.log"],
      [false, "*.log"],
      [false, "*.tmp"],
      [false, "*/cache/"],
      [false, "[.*/exact\\.dat]"],
    ],
  );
  assert.deepEqual(list, ["", "keep.txt", "logs/", "logs/important.log"]);
});

Deno.test("symlink policies: store, follow, ignore", async () => {
  const build = (s: string) => {
    put(s, "real/file.txt", "content");
    Deno.symlinkSync("real", join(s, "dirlink"));
    Deno.symlinkSync("real/file.txt", join(s, "filelink"));
  };
  const store = await run("sym-store", build, {});
  assert.ok(store.list.includes("dirlink") && store.list.includes("filelink"));
  assert.ok(!store.list.includes("dirlink/file.txt"));
  const follow = await run("sym-follow", build, { "symlink-policy": "Follow" });
  assert.ok(follow.list.includes("dirlink/file.txt"), follow.list.join(","));
  assert.ok(follow.list.includes("filelink"));
  const ignore = await run("sym-ignore", build, { "symlink-policy": "Ignore" });
  assert.ok(!ignore.list.some((p) => p.includes("link")), ignore.list.join(","));
});

Deno.test("skip-files-larger-than, exclude-empty-folders, ignore-filenames, hidden attribute", async () => {
  const { list } = await run("misc", (s) => {
    put(s, "small.txt", "x");
    put(s, "large.bin", new Uint8Array(200_000));
    Deno.mkdirSync(join(s, "empty"));
    put(s, "cachedir/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55");
    put(s, "cachedir/data.bin", "cached");
    put(s, ".hidden", "h");
  }, {
    "skip-files-larger-than": "100kb",
    "exclude-empty-folders": "true",
    "exclude-files-attributes": "Hidden",
  });
  assert.deepEqual(list, ["", "small.txt"]);
});

Deno.test("dry-run uploads nothing; upload-unchanged-backups makes a version anyway", async () => {
  const [dir, cleanup] = await tempDir("dup-dry-");
  try {
    const src = join(dir, "src");
    put(src, "a.txt", "aaa");
    const url = join(dir, "dest");
    const opts = new OptionValues({ "no-encryption": "true", dbpath: join(dir, "db.sqlite") });
    const none = FilterList.fromArgs([]);
    const dry = await backup({
      url,
      sources: [src],
      options: opts.with({ "dry-run": "true" }),
      filters: none,
    });
    assert.equal(dry.bytesUploaded, 0);
    assert.equal(dry.addedFiles, 1);
    assert.deepEqual([...Deno.readDirSync(url)], []);
    const first = await backup({ url, sources: [src], options: opts, filters: none });
    assert.equal(first.exitCode, 0);
    await new Promise((r) => setTimeout(r, 1100));
    const again = await backup({
      url,
      sources: [src],
      options: opts.with({ "upload-unchanged-backups": "true" }),
      filters: none,
    });
    assert.ok(again.version, "a version is made even though nothing changed");
    const dlists = [...Deno.readDirSync(url)].filter((e) => e.name.includes(".dlist."));
    assert.equal(dlists.length, 2);
  } finally {
    await cleanup();
  }
});

Deno.test("a missing source stops the backup unless --allow-missing-source", async () => {
  const [dir, cleanup] = await tempDir("dup-missing-");
  try {
    put(dir, "src/a.txt", "a");
    const url = join(dir, "dest");
    const opts = new OptionValues({ "no-encryption": "true", dbpath: join(dir, "db.sqlite") });
    const none = FilterList.fromArgs([]);
    await assert.rejects(
      backup({ url, sources: [join(dir, "src"), join(dir, "nope")], options: opts, filters: none }),
      /nope does not exist/,
    );
    const r = await backup({
      url,
      sources: [join(dir, "src"), join(dir, "nope")],
      options: opts.with({ "allow-missing-source": "true" }),
      filters: none,
    });
    assert.equal(r.exitCode, 2);
    assert.equal(r.addedFiles, 1);
  } finally {
    await cleanup();
  }
});
