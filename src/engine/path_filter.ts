/**
 * The path selection of restore, find, list and search: command line patterns (Duplicati wraps
 * each in `*`; `[regex]` and `@literal` are taken as they are) combined with --include/--exclude.
 */
import { FilterList } from "../core/filters.ts";

/** Builds a path filter from command line patterns (wrapped in `*` like Duplicati) and filters. */
export function patternFilter(
  patterns: string[],
  filters: FilterList,
  wrap = true,
  caseInsensitive = false,
): (path: string, isFolder: boolean) => boolean {
  const pats = patterns.filter((p) => p !== "" && p !== "*");
  let list: FilterList | undefined;
  if (pats.length) {
    list = FilterList.fromArgs([
      ...pats.map((p) => {
        if (p.startsWith("[") && p.endsWith("]")) {
          return { include: true, kind: "regex" as const, pattern: p.slice(1, -1) };
        }
        if (p.startsWith("@")) {
          return { include: true, kind: "literal" as const, pattern: p.slice(1) };
        }
        const g = wrap ? (p.startsWith("*") ? "" : "*") + p + (p.endsWith("*") ? "" : "*") : p;
        return { include: true, kind: "glob" as const, pattern: g };
      }),
      { include: false, kind: "glob" as const, pattern: "*" },
    ]);
  }
  return (path, isFolder) => {
    const p = caseInsensitive ? path.toLowerCase() : path;
    if (list && !list.evaluate(p, isFolder).include) return false;
    return filters.evaluate(path, isFolder).include;
  };
}
