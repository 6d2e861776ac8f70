import assert from "node:assert/strict";
import { ProgressBar, shortenMiddle } from "../../src/cli/progress_bar.ts";

class Capture {
  chunks: string[] = [];
  #dec = new TextDecoder();
  writeSync(p: Uint8Array): number {
    this.chunks.push(this.#dec.decode(p));
    return p.length;
  }
  get text() {
    return this.chunks.join("");
  }
}

const MB = 1024 * 1024;

Deno.test("progress bar: terminal redraws at most every 100 ms", () => {
  const out = new Capture();
  let t = 0;
  const bar = new ProgressBar({ out, isTerminal: true, now: () => t, columns: () => 100 });
  bar.update({ phase: "Backup", filesDone: 1, filesTotal: 10, bytesDone: 0, bytesTotal: 100 * MB });
  assert.equal(out.chunks.length, 1);
  assert.ok(out.chunks[0].startsWith("\r\x1b[2K"));
  t = 50;
  bar.update({
    phase: "Backup",
    filesDone: 2,
    filesTotal: 10,
    bytesDone: 5 * MB,
    bytesTotal: 100 * MB,
  });
  assert.equal(out.chunks.length, 1); // throttled
  t = 1000;
  bar.update({
    phase: "Backup",
    filesDone: 3,
    filesTotal: 10,
    bytesDone: 10 * MB,
    bytesTotal: 100 * MB,
    current: "/home/me/" + "very/".repeat(40) + "file.txt",
  });
  assert.equal(out.chunks.length, 2);
  const line = out.chunks[1].slice("\r\x1b[2K".length);
  assert.ok(line.length <= 99, `line is ${line.length} wide`);
  assert.match(line, /3\/10 files/);
  assert.match(line, /10\.00 MB\/100\.00 MB \(10%\)/);
  assert.match(line, /10\.00 MB\/s/);
  assert.match(line, /ETA 9\.0s/);
  assert.match(line, /\.\.\..*file\.txt$/);
  bar.clear();
  assert.equal(out.chunks.at(-1), "\r\x1b[2K");
  bar.done("Backup completed");
  assert.equal(out.chunks.at(-1), "Backup completed\n");
  const n = out.chunks.length;
  bar.update({ phase: "Backup", filesDone: 9, bytesDone: 0 });
  assert.equal(out.chunks.length, n); // nothing after done
});

Deno.test("progress bar: plain output at most every 5 s", () => {
  const out = new Capture();
  let t = 0;
  const bar = new ProgressBar({ out, isTerminal: false, now: () => t });
  bar.update({ phase: "Restore", filesDone: 0, bytesDone: 0 });
  t = 4000;
  bar.update({ phase: "Restore", filesDone: 5, bytesDone: 1024 });
  t = 5000;
  bar.update({ phase: "Restore", filesDone: 7, bytesDone: 2048 });
  const lines = out.text.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 2);
  assert.equal(lines[0], "[Restore] 0 files, 0 bytes");
  assert.match(lines[1], /^\[Restore\] 7 files, 2\.00 KB/);
  assert.ok(!out.text.includes("\x1b"));
  bar.done();
  assert.equal(out.text.split("\n").filter((l) => l !== "").length, 2);
});

Deno.test("progress bar: never throws when the console or the output fails", () => {
  const broken = {
    writeSync(): number {
      throw new Error("broken pipe");
    },
  };
  const bar = new ProgressBar({
    out: broken,
    isTerminal: true,
    columns: () => {
      throw new Error("no console");
    },
  });
  bar.update({ phase: "Backup", filesDone: 1, bytesDone: 1 });
  bar.clear();
  bar.done("x");
  const narrow = new Capture();
  const b2 = new ProgressBar({ out: narrow, isTerminal: true, columns: () => 5 });
  b2.update({ phase: "Verifying backend data", filesDone: 123456, bytesDone: 99 * MB });
  assert.ok(narrow.text.length > 0);
  // default construction must work too (Deno.stderr, real console size)
  new ProgressBar().done();
});

Deno.test("shortenMiddle keeps the end of a path", () => {
  assert.equal(shortenMiddle("short", 10), "short");
  const s = shortenMiddle("/a/very/long/path/to/some/file.txt", 20);
  assert.equal(s.length, 20);
  assert.ok(s.endsWith("file.txt"));
  assert.ok(s.includes("..."));
});

Deno.test("progress bar: no percentage or time left while the totals are still counted", () => {
  const out = new Capture();
  let t = 0;
  const bar = new ProgressBar({ out, isTerminal: false, now: () => t });
  const counting = { phase: "Processing files", filesTotal: 40, bytesTotal: 50 * MB };
  bar.update({ ...counting, filesDone: 1, bytesDone: 0, stillCounting: true });
  t = 6000;
  bar.update({ ...counting, filesDone: 2, bytesDone: 10 * MB, stillCounting: true });
  const early = out.chunks.at(-1)!;
  assert.match(early, /2\/40\+ files/);
  assert.doesNotMatch(early, /%|ETA/);
  t = 12_000;
  bar.update({ ...counting, filesDone: 3, bytesDone: 20 * MB, stillCounting: false });
  const late = out.chunks.at(-1)!;
  assert.match(late, /3\/40 files/);
  assert.match(late, /20\.00 MB\/50\.00 MB \(40%\)/);
  assert.match(late, /ETA/);
});
