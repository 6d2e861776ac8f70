/**
 * Counts the files and bytes a backup will examine, alongside the backup itself (as Duplicati's
 * parallel enumeration does), so progress can show totals. The count walks the sources with the
 * same walker and filters as the backup, a small synchronous slice at a time, so it never holds
 * the backup up for long and stops as soon as the backup no longer needs it.
 */
import { type WalkOptions, walkSources } from "./source_walker.ts";

/** A walk of the sources that advances only when asked to. */
export class SourceCounter {
  files = 0;
  bytes = 0;
  /** Set when a source could not be walked: the totals stay unknown. */
  failed = false;
  #walk: Generator<unknown> | undefined;
  #stopped = false;

  constructor(sources: string[], opts: WalkOptions) {
    // The backup's own walk reports warnings and exclusions; the count stays silent.
    const quiet: WalkOptions = { ...opts, warn: () => {}, onExcluded: undefined };
    this.#walk = this.#count(sources, quiet);
  }

  /** True once every source entry has been counted. */
  get done(): boolean {
    return this.#walk === undefined && !this.failed && !this.#stopped;
  }

  /** True while the count is still going. */
  get counting(): boolean {
    return this.#walk !== undefined;
  }

  /** Counts up to `entries` more source entries; returns true when the count is complete. */
  advance(entries: number): boolean {
    const walk = this.#walk;
    if (!walk) return true;
    try {
      for (let i = 0; i < entries; i++) {
        if (walk.next().done) {
          this.#walk = undefined;
          return true;
        }
      }
    } catch {
      // A source that vanished mid-count: the backup's walk reports it; totals stay unknown.
      this.#walk = undefined;
      this.failed = true;
    }
    return this.#walk === undefined;
  }

  /** Ends the count early (the backup finished or stopped first). */
  stop(): void {
    if (!this.#walk) return;
    this.#stopped = true;
    this.#walk.return(undefined);
    this.#walk = undefined;
  }

  *#count(sources: string[], opts: WalkOptions): Generator<unknown> {
    for (const e of walkSources(sources, opts)) {
      if (e.kind === "file") {
        this.files++;
        this.bytes += e.info.size;
      }
      yield;
    }
  }
}
