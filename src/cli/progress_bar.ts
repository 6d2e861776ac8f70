/**
 * A small terminal progress display without dependencies.
 *
 * On a terminal it redraws one status line (at most every 100 ms) with `\r\x1b[2K`: phase, files,
 * bytes, speed, time left and the current path shortened to the console width. When the output is
 * not a terminal (a log file, CI) it prints a plain line at most every 5 seconds instead.
 * Writing never throws: a closed pipe or a missing console size just ends the display.
 */

import { formatSize } from "../core/sizes.ts";
import { formatDuration } from "../core/timespan.ts";

/** What the bar shows; the same fields as core's ProgressEvent (which it accepts as is). */
export interface ProgressUpdate {
  operation?: string;
  phase: string;
  filesDone: number;
  filesTotal?: number;
  bytesDone: number;
  bytesTotal?: number;
  /** The totals are counts so far: no percentage or time left yet. */
  stillCounting?: boolean;
  current?: string;
}

/** Anything with Deno's synchronous writer shape, e.g. `Deno.stderr` or `Deno.stdout`. */
export interface SyncWriter {
  writeSync(p: Uint8Array): number;
  isTerminal?(): boolean;
}

/** Construction options; all optional. */
export interface ProgressBarOptions {
  /** Where to draw; default `Deno.stderr`, so piped standard output stays clean. */
  out?: SyncWriter;
  /** Redraw in place (terminal) or print plain lines; default: ask `out`. */
  isTerminal?: boolean;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Console width (tests); default `Deno.consoleSize().columns`, 80 when unknown. */
  columns?: () => number | undefined;
}

const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 5000;
const SPEED_WINDOW_MS = 10_000;
const CLEAR = "\r\x1b[2K";
const encoder = new TextEncoder();

function consoleColumns(): number | undefined {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return undefined;
  }
}

function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Shortens `s` to `max` characters by cutting the middle, keeping the (more telling) end. */
export function shortenMiddle(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 3) return s.slice(s.length - Math.max(0, max));
  const keepEnd = Math.ceil((max - 3) * 0.7);
  const keepStart = max - 3 - keepEnd;
  return s.slice(0, keepStart) + "..." + s.slice(s.length - keepEnd);
}

/** A one-line progress display; see the module comment. */
export class ProgressBar {
  readonly #out: SyncWriter;
  readonly #tty: boolean;
  readonly #now: () => number;
  readonly #columns: () => number | undefined;
  #lastDraw = -Infinity;
  #drawn = false;
  #finished = false;
  #broken = false;
  #samples: Array<[number, number]> = [];
  #start: number | undefined;
  #phase = "";

  /** Creates the display; nothing is written until the first update. */
  constructor(opts: ProgressBarOptions = {}) {
    this.#out = opts.out ?? Deno.stderr;
    let tty = opts.isTerminal;
    if (tty === undefined) {
      try {
        tty = this.#out.isTerminal?.() ?? false;
      } catch {
        tty = false;
      }
    }
    this.#tty = tty;
    this.#now = opts.now ?? (() => performance.now());
    this.#columns = opts.columns ?? consoleColumns;
  }

  /** Records progress and redraws when the rate limit allows. Never throws. */
  update(p: ProgressUpdate): void {
    if (this.#finished || this.#broken) return;
    const t = this.#now();
    this.#start ??= t;
    if (p.phase !== this.#phase) {
      // Speed restarts per phase: verifying after uploading should not inherit upload speed.
      this.#phase = p.phase;
      this.#samples = [];
    }
    this.#samples.push([t, p.bytesDone]);
    while (this.#samples.length > 2 && t - this.#samples[0][0] > SPEED_WINDOW_MS) {
      this.#samples.shift();
    }
    const interval = this.#tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS;
    if (t - this.#lastDraw < interval) return;
    this.#lastDraw = t;
    if (this.#tty) {
      this.#write(CLEAR + this.#ttyLine(p));
      this.#drawn = true;
    } else {
      this.#write(this.#plainLine(p) + "\n");
    }
  }

  /** Removes the status line (terminal only) so other output can be printed; the next update redraws. */
  clear(): void {
    if (this.#tty && this.#drawn) {
      this.#write(CLEAR);
      this.#drawn = false;
      this.#lastDraw = -Infinity;
    }
  }

  /** Ends the display: removes the status line and prints `summary` on a line of its own. */
  done(summary?: string): void {
    if (this.#finished) return;
    this.clear();
    this.#finished = true;
    if (summary !== undefined && summary !== "") this.#write(summary + "\n");
  }

  /** Bytes per second over the recent window; undefined until it can be estimated. */
  #speed(): number | undefined {
    const s = this.#samples;
    if (s.length < 2) return undefined;
    const [t0, b0] = s[0];
    const [t1, b1] = s[s.length - 1];
    const dt = t1 - t0;
    if (dt < 500 || b1 < b0) return undefined;
    return ((b1 - b0) / dt) * 1000;
  }

  #parts(p: ProgressUpdate): string[] {
    const parts: string[] = [p.phase];
    const known = !p.stillCounting;
    parts.push(
      p.filesTotal !== undefined
        ? `${count(p.filesDone)}/${count(p.filesTotal)}${known ? "" : "+"} files`
        : `${count(p.filesDone)} files`,
    );
    if (p.bytesTotal !== undefined && p.bytesTotal > 0 && known) {
      const pct = Math.min(100, Math.floor((p.bytesDone / p.bytesTotal) * 100));
      parts.push(`${formatSize(p.bytesDone)}/${formatSize(p.bytesTotal)} (${pct}%)`);
    } else {
      parts.push(formatSize(p.bytesDone));
    }
    const speed = this.#speed();
    if (speed !== undefined) {
      parts.push(`${formatSize(speed)}/s`);
      if (known && p.bytesTotal !== undefined && p.bytesTotal > p.bytesDone && speed > 0) {
        parts.push(`ETA ${formatDuration(((p.bytesTotal - p.bytesDone) / speed) * 1000)}`);
      }
    }
    return parts;
  }

  #ttyLine(p: ProgressUpdate): string {
    let width = 80;
    try {
      const c = this.#columns();
      if (c !== undefined && Number.isFinite(c) && c > 0) width = c;
    } catch { /* keep 80 */ }
    width = Math.max(10, width - 1); // never touch the last column: some terminals wrap there
    const head = this.#parts(p).join("  ");
    if (head.length >= width) return head.slice(0, width);
    const room = width - head.length - 2;
    if (p.current && room >= 8) return `${head}  ${shortenMiddle(p.current, room)}`;
    return head;
  }

  #plainLine(p: ProgressUpdate): string {
    const [phase, ...rest] = this.#parts(p);
    return `[${phase}] ${rest.join(", ")}`;
  }

  #write(s: string): void {
    if (this.#broken) return;
    try {
      const data = encoder.encode(s);
      let off = 0;
      while (off < data.length) {
        const n = this.#out.writeSync(data.subarray(off));
        if (n <= 0) break;
        off += n;
      }
    } catch {
      this.#broken = true; // e.g. the pipe was closed; progress is not worth failing for
    }
  }
}
