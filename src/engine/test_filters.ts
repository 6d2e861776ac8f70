/**
 * `test-filters`: walks the sources exactly as a backup would (filters, symlink policy, size and
 * attribute rules, `--ignore-filenames`) and tells for every path whether it would be backed up,
 * and if not, which rule left it out. Nothing is read or written besides the folder listings.
 */
import { resolve } from "node:path";
import type { OptionValues } from "../core/option_values.ts";
import type { FilterList } from "../core/filters.ts";
import { ArgumentError } from "../core/errors.ts";
import { Logger } from "../core/log.ts";
import { walkOptionsFrom, walkSources } from "./source_walker.ts";
import { expandPortablePaths } from "../core/portable_paths.ts";

/** One path the walk met. */
export interface FilterTestEntry {
  path: string;
  included: boolean;
  kind?: "file" | "folder" | "symlink";
  size?: number;
  /** Why an excluded path was left out (the matching filter, or the option). */
  reason?: string;
}

/** What the walk found. */
export interface FilterTestResult {
  fileCount: number;
  fileSize: number;
  excludedCount: number;
  warnings: string[];
  errors: string[];
}

/** Inputs of {@link testFilters}. */
export interface FilterTestRequest {
  sources: string[];
  options: OptionValues;
  filters: FilterList;
  logger?: Logger;
  /** Receives every included and excluded path, in walk order. */
  onEntry?: (e: FilterTestEntry) => void;
}

/** Walks the sources; throws ArgumentError when none is given or one does not exist. */
export function testFilters(request: FilterTestRequest): FilterTestResult {
  const req = { ...request, sources: expandPortablePaths(request.sources) };
  if (req.sources.length === 0) {
    throw new ArgumentError("No source paths given: test-filters <source> [<source> ...]");
  }
  const logger = req.logger ?? new Logger();
  for (const s of req.sources) {
    try {
      Deno.lstatSync(s);
    } catch {
      throw new ArgumentError(`The source ${resolve(s)} does not exist`, "SourceMissing");
    }
  }
  const result: FilterTestResult = {
    fileCount: 0,
    fileSize: 0,
    excludedCount: 0,
    warnings: logger.warnings,
    errors: logger.errors,
  };
  const walk = walkOptionsFrom(req.options, req.filters, (m) => logger.warn(m));
  walk.onExcluded = (path, reason) => {
    result.excludedCount++;
    logger.verbose(`Excluding path due to ${reason}: ${path}`);
    req.onEntry?.({ path, included: false, reason });
  };
  for (const e of walkSources(req.sources, walk)) {
    const size = e.kind === "file" ? e.info.size : 0;
    if (e.kind === "file") {
      result.fileCount++;
      result.fileSize += size;
    }
    logger.verbose(`Including path: ${e.path}`);
    req.onEntry?.({ path: e.path, included: true, kind: e.kind, size });
  }
  return result;
}
