import assert from "node:assert/strict";
import {
  expandEnvironmentVariables,
  filterGroupPatterns,
  FilterList,
  type FilterRule,
  parseFilterExpression,
  parseSerializedFilters,
  serializeFilters,
} from "../../src/core/filters.ts";
import { ArgumentError } from "../../src/core/errors.ts";

const linux = { os: "linux" };
const win = { os: "windows" };
const mac = { os: "darwin" };

const inc = (pattern: string, kind: FilterRule["kind"] = "glob"): FilterRule => ({
  include: true,
  kind,
  pattern,
});
const exc = (pattern: string, kind: FilterRule["kind"] = "glob"): FilterRule => ({
  include: false,
  kind,
  pattern,
});

Deno.test("filters: empty list includes everything", () => {
  const f = new FilterList([], linux);
  assert.equal(f.isEmpty, true);
  assert.deepEqual(f.evaluate("/a/b.txt", false), { include: true });
  assert.deepEqual(f.evaluate("/a/", true), { include: true });
});

Deno.test("filters: first match wins, unmatched paths are included", () => {
  const f = FilterList.fromArgs([inc("*/keep.tmp"), exc("*.tmp"), exc("/home/me/cache/")], linux);
  assert.equal(f.isEmpty, false);
  assert.equal(f.includes("/home/me/keep.tmp", false), true);
  assert.equal(f.evaluate("/home/me/keep.tmp", false).matched, f.rules[0]);
  assert.equal(f.includes("/home/me/x.tmp", false), false);
  assert.equal(f.evaluate("/home/me/x.tmp", false).matched, f.rules[1]);
  assert.deepEqual(f.evaluate("/home/me/x.txt", false), { include: true });
  // order matters: swap and the exclude wins
  const g = FilterList.fromArgs([exc("*.tmp"), inc("*/keep.tmp")], linux);
  assert.equal(g.includes("/home/me/keep.tmp", false), false);
});

Deno.test("filters: * crosses separators, ? is one character", () => {
  const f = FilterList.fromArgs([exc("/home/*.log"), exc("/data/file?.bin")], linux);
  assert.equal(f.includes("/home/me/deep/x.log", false), false);
  assert.equal(f.includes("/data/file1.bin", false), false);
  assert.equal(f.includes("/data/file12.bin", false), true);
  assert.equal(f.includes("/data/file.bin", false), true);
});

Deno.test("filters: a pattern without wildcards must equal the whole path", () => {
  const f = FilterList.fromArgs([exc("/home/me/a.txt")], linux);
  assert.equal(f.includes("/home/me/a.txt", false), false);
  assert.equal(f.includes("/home/me/a.txt.bak", false), true);
  assert.equal(f.includes("/x/home/me/a.txt", false), true);
});

Deno.test("filters: trailing separator matches folders only", () => {
  const f = FilterList.fromArgs([exc("*/cache/")], linux);
  assert.equal(f.includes("/home/me/cache", true), false); // separator added for folders
  assert.equal(f.includes("/home/me/cache/", true), false);
  assert.equal(f.includes("/home/me/cache", false), true); // a file named cache
  const g = FilterList.fromArgs([exc("*.txt")], linux);
  assert.equal(g.includes("/home/notes.txt", true), true); // folder named notes.txt
  assert.equal(g.includes("/home/notes.txt", false), false);
});

Deno.test("filters: include-only lists exclude unmatched files but keep folders", () => {
  const f = FilterList.fromArgs([inc("*.jpg")], linux);
  assert.equal(f.includeOnly, true);
  assert.equal(f.includes("/photos/a.jpg", false), true);
  assert.equal(f.includes("/photos/a.txt", false), false);
  assert.equal(f.includes("/photos/2024/", true), true);
  const mixed = FilterList.fromArgs([inc("*.jpg"), exc("*.raw")], linux);
  assert.equal(mixed.includeOnly, false);
  assert.equal(mixed.includes("/photos/a.txt", false), true);
});

Deno.test("filters: [regex] must match the whole path", () => {
  const f = FilterList.fromArgs([exc(".*\\.tmp", "regex")], linux);
  assert.equal(f.includes("/a/b.tmp", false), false);
  assert.equal(f.includes("/a/b.tmp.keep", false), true);
  const g = FilterList.fromArgs(parseFilterExpression("[/home/[^/]+/\\.cache/]", false), linux);
  assert.equal(g.rules[0].kind, "regex");
  assert.equal(g.includes("/home/me/.cache/", true), false);
  assert.equal(g.includes("/home/me/x/.cache/", true), true);
  assert.throws(() => parseFilterExpression("[(unclosed]", false), ArgumentError);
  assert.throws(() => new FilterList([exc("(bad", "regex")], linux), ArgumentError);
});

Deno.test("filters: @literal takes * and ? literally", () => {
  const rules = parseFilterExpression("@/data/what?*.txt", false, linux);
  assert.deepEqual(rules, [exc("/data/what?*.txt", "literal")]);
  const f = FilterList.fromArgs(rules, linux);
  assert.equal(f.includes("/data/what?*.txt", false), false);
  assert.equal(f.includes("/data/whatX.txt", false), true);
});

Deno.test("filters: groups expand per OS", () => {
  const f = FilterList.fromArgs([exc("SystemFiles", "group")], linux);
  assert.equal(f.includes("/proc/", true), false);
  assert.equal(f.includes("/home/me/", true), true);
  const all = FilterList.fromArgs(parseFilterExpression("{DefaultExcludes}", false), linux);
  assert.equal(all.includes("/home/me/.cache/", true), false);
  assert.equal(all.includes("/tmp/", true), false);
  assert.equal(all.includes("/usr/", true), false);
  assert.equal(all.includes("/home/me/notes.txt~", false), false);
  assert.equal(all.includes("/home/me/notes.txt", false), true);
  const two = FilterList.fromArgs(parseFilterExpression("{CacheFiles,TemporaryFiles}", false), mac);
  assert.equal(two.includes("/Users/me/Library/Caches/", true), false);
  assert.equal(two.includes("/Users/me/.Trash/", true), false);
  assert.equal(two.includes("/Users/me/Documents/", true), true);
  const w = FilterList.fromArgs([exc("DefaultExcludes", "group")], win);
  assert.equal(w.includes("C:\\pagefile.sys", false), false);
  assert.equal(w.includes("C:\\Users\\me\\AppData\\Local\\Temp\\x.dat", false), false);
  assert.equal(w.includes("C:\\Users\\me\\Documents\\a.docx", false), true);
  assert.ok(filterGroupPatterns("TemporaryFolders", "linux").includes("/tmp/"));
  assert.deepEqual(filterGroupPatterns("None", "linux"), []);
  assert.throws(() => parseFilterExpression("{NoSuchGroup}", false), ArgumentError);
});

Deno.test("filters: case rules follow the OS", () => {
  const rules = [exc("*.JPG")];
  assert.equal(FilterList.fromArgs(rules, linux).includes("/a/b.jpg", false), true);
  assert.equal(FilterList.fromArgs(rules, mac).includes("/a/b.jpg", false), false);
  assert.equal(FilterList.fromArgs(rules, win).includes("C:\\a\\b.jpg", false), false);
  assert.equal(
    FilterList.fromArgs([exc("/A/b.txt", "literal")], mac).includes("/a/B.TXT", false),
    false,
  );
  assert.equal(
    FilterList.fromArgs(rules, { os: "linux", caseSensitive: false }).includes("/a/b.jpg", false),
    false,
  );
});

Deno.test("filters: on Windows / and \\ are interchangeable in patterns", () => {
  const f = FilterList.fromArgs([exc("C:/Users/*/Temp/")], win);
  assert.equal(f.includes("C:\\Users\\me\\Temp", true), false);
  assert.equal(f.includes("C:\\Users\\me\\Temp\\", true), false);
});

Deno.test("filters: expressions split on the path-list separator", () => {
  assert.deepEqual(parseFilterExpression("*.tmp:*.bak", false, linux), [
    exc("*.tmp"),
    exc("*.bak"),
  ]);
  assert.deepEqual(parseFilterExpression("*.tmp;*.bak", true, win), [inc("*.tmp"), inc("*.bak")]);
  assert.deepEqual(parseFilterExpression("[a:b]", true, linux), [inc("a:b", "regex")]);
  assert.deepEqual(parseFilterExpression("", true), []);
});

Deno.test("filters: fromOptions orders includes first by default", () => {
  const f = FilterList.fromOptions({ include: ["*/keep.tmp"], exclude: ["*.tmp"] }, linux);
  assert.equal(f.includes("/x/keep.tmp", false), true);
  assert.equal(f.includes("/x/y.tmp", false), false);
  const g = FilterList.fromOptions(
    { include: ["*/keep.tmp"], exclude: ["*.tmp"], order: "exclude-first" },
    linux,
  );
  assert.equal(g.includes("/x/keep.tmp", false), false);
});

Deno.test("filters: serialize round-trip", () => {
  const rules = [
    inc("*.txt"),
    exc(".*\\.(tmp|bak):x", "regex"),
    exc("/a/b?c", "literal"),
    exc("CacheFiles,TemporaryFiles", "group"),
    inc("/home/me/"),
  ];
  const s = serializeFilters(rules, "linux");
  assert.equal(s, "+*.txt:-[.*\\.(tmp|bak):x]:-@/a/b?c:-{CacheFiles,TemporaryFiles}:+/home/me/");
  assert.deepEqual(parseSerializedFilters(s, "linux"), rules);
  const ws = serializeFilters(rules, "windows");
  assert.deepEqual(parseSerializedFilters(ws, "windows"), rules);
  assert.equal(FilterList.deserialize(s, linux).serialize("linux"), s);
  // an unsigned item continues the previous sign
  assert.deepEqual(parseSerializedFilters("-*.tmp:*.bak", "linux"), [exc("*.tmp"), exc("*.bak")]);
  assert.throws(() => parseSerializedFilters("*.tmp", "linux"), ArgumentError);
});

Deno.test("filters: environment variables", () => {
  const env = { HOME: "/home/me", USERPROFILE: "C:\\Users\\me" };
  assert.equal(expandEnvironmentVariables("$HOME/x", env), "/home/me/x");
  assert.equal(expandEnvironmentVariables("${HOME}/x", env), "/home/me/x");
  assert.equal(expandEnvironmentVariables("%USERPROFILE%\\x", env), "C:\\Users\\me\\x");
  assert.equal(expandEnvironmentVariables("$NOPE/x", env), "$NOPE/x");
  assert.equal(expandEnvironmentVariables("[.*\\.tmp$]", env), "[.*\\.tmp$]");
});

Deno.test("filters: 100k evaluations of a realistic list give the expected answer", () => {
  const f = FilterList.fromArgs(
    [
      ...parseFilterExpression("{DefaultExcludes}", false, linux),
      exc("*.tmp"),
      exc("*/node_modules/"),
      exc(".*/\\.git/", "regex"),
      inc("*/important/*"),
      exc("/home/*/Downloads/"),
    ],
    linux,
  );
  let n = 0;
  for (let i = 0; i < 100_000; i++) {
    if (f.includes(`/home/me/projects/p${i % 97}/src/file${i}.ts`, false)) n++;
    if (f.includes(`/home/me/projects/p${i % 97}/cache${i}.tmp`, false)) n--;
  }
  assert.equal(n, 100_000);
});
