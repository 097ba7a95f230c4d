/**
 * Benchmark results on disk: bench/results/NAME.json (every row, with when it was
 * measured) and NAME.md (the table the README shows). A run may measure only part of a
 * matrix (env selects rates, modes, ...): its rows replace the rows with the same key and
 * the others are kept, so a table fills up over several runs and says when each row was
 * measured.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ResultsFile<Row> {
  /** When the latest rows were written. */
  at: string;
  rows: Row[];
  [k: string]: unknown;
}

/** Rows of `older` whose key no row of `newer` has, then all of `newer`. */
export function mergeRows<Row>(older: readonly Row[], newer: readonly Row[], keyOf: (row: Row) => string): Row[] {
  const replaced = new Set(newer.map(keyOf));
  return [...older.filter((row) => !replaced.has(keyOf(row))), ...newer];
}

export function readResults<Row>(dir: string, name: string): ResultsFile<Row> | undefined {
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile<Row>;
    return Array.isArray(parsed.rows) ? parsed : undefined;
  } catch {
    return undefined; // an unreadable old file is replaced, not merged
  }
}

/** Writes NAME.json, NAME.md and, when given, NAME.svg under `dir`. */
export function writeResults(dir: string, name: string, data: ResultsFile<unknown>, markdown: string, svg?: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(join(dir, `${name}.md`), markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  if (svg) writeFileSync(join(dir, `${name}.svg`), svg);
}
