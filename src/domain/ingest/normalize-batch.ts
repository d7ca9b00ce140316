import { stringify } from 'csv-stringify/sync';
import type { createRowNormalizer, RowIssue, StagedRow } from './normalize-row.ts';
import { isRowError, type CsvRow, type CsvRowError } from './read-csv.ts';

// Normalizing a batch of rows read from a file: the rows that stage, and every rejected row and
// warning with the row as read.

export type BatchIssue = RowIssue & { raw: string | null };
export interface NormalizedBatch {
  staged: StagedRow[];
  issues: BatchIssue[];
}

const YIELD_EVERY = 50;

/**
 * Normalize a batch, letting the event loop run every few rows: the previous batch's merge runs
 * meanwhile, and a batch normalized in one go would hold the database's replies (and leave the
 * server idle) for most of a second. (A worker thread was measured too: on two cores it only
 * took CPU from the database.)
 */
export async function normalizeItems(normalize: ReturnType<typeof createRowNormalizer>, items: (CsvRow | CsvRowError)[], delimiter: string): Promise<NormalizedBatch> {
  const staged: StagedRow[] = [];
  const issues: BatchIssue[] = [];
  for (const [i, item] of items.entries()) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
    if (isRowError(item)) {
      issues.push({ line: item.line, severity: 'error', column: item.column, reason: item.reason, raw: item.raw });
      continue;
    }
    const { row, issues: rowIssues } = normalize(item.line, item.values);
    const raw = rowIssues.length ? stringify([item.values], { delimiter, record_delimiter: '' }).slice(0, 20000) : null;
    for (const issue of rowIssues) issues.push({ ...issue, raw });
    if (row) staged.push(row);
  }
  return { staged, issues };
}
