/**
 * Many rows with few statements. A single-row statement costs a few microseconds in the binding
 * alone, so bulk writes and lookups go through multi-row statements instead: chunks of
 * `BATCH_ROWS` rows, the rest in power-of-two chunks, so that each statement shape is prepared
 * once (at most eight shapes per query) and rows keep their order.
 */
import type { SQLInputValue } from "node:sqlite";
import type { LocalDatabase } from "./local_database.ts";

/** Rows per multi-row statement. */
export const BATCH_ROWS = 128;

/** `(?,?),(?,?)` for `rows` rows of `width` values. */
function placeholders(rows: number, width: number): string {
  const one = `(${new Array(width).fill("?").join(",")})`;
  return new Array(rows).fill(one).join(",");
}

/** Splits `rows` into chunk sizes: BATCH_ROWS while possible, then powers of two. */
function* chunkSizes(rows: number): Generator<number> {
  let left = rows;
  while (left >= BATCH_ROWS) {
    yield BATCH_ROWS;
    left -= BATCH_ROWS;
  }
  for (let n = BATCH_ROWS >> 1; n > 0; n >>= 1) {
    if (left >= n) {
      yield n;
      left -= n;
    }
  }
}

/**
 * Runs `sql(list)` for the rows in `values` (flat, `width` values per row, in order), where
 * `list` is the placeholder list `(?,?),(?,?)` of one chunk. Calls `each` with every result row
 * when given (SELECT or RETURNING); returns the result of the last chunk's run otherwise.
 */
export function runRows(
  db: LocalDatabase,
  sql: (list: string) => string,
  width: number,
  values: readonly SQLInputValue[],
  each?: (row: Record<string, unknown>) => void,
): { lastInsertRowid: number | bigint; changes: number | bigint } | undefined {
  const rows = values.length / width;
  if (!Number.isInteger(rows)) throw new RangeError(`${values.length} values in rows of ${width}`);
  let at = 0;
  let last;
  for (const n of chunkSizes(rows)) {
    const stmt = db.stmt(sql(placeholders(n, width)));
    const args = values.slice(at, at + n * width);
    at += n * width;
    if (each) { for (const r of stmt.all(...args)) each(r as Record<string, unknown>); }
    else last = stmt.run(...args);
  }
  return last;
}

/**
 * Inserts rows that are all new into a table with an INTEGER PRIMARY KEY (no AUTOINCREMENT) and
 * returns the ID of the first: SQLite gives each new row the largest ID plus one, so the rows
 * get consecutive IDs in order, exactly as one INSERT per row would. A row that is not new
 * fails the statement (a UNIQUE constraint) rather than being skipped.
 */
export function insertNewRows(
  db: LocalDatabase,
  sql: (list: string) => string,
  width: number,
  values: readonly SQLInputValue[],
): number {
  const rows = values.length / width;
  if (rows === 0) return 0;
  const r = runRows(db, sql, width, values)!;
  return Number(r.lastInsertRowid) - rows + 1;
}
