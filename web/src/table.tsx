import type { ReactNode } from 'react';

// A plain data table from a column list: the reports' tables, where every figure of a chart is
// also written out. Money columns are cents, shown as dollars; ratios as percentages.

export interface Column<T> { label: string; value: (row: T) => ReactNode; numeric?: boolean }

export const money = (cents: number | null | undefined) => (cents == null ? '—' : (cents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' }));
export const pct = (r: number | null | undefined) => (r == null ? '—' : `${(r * 100).toFixed(1)}%`);
export const num = (n: number | null | undefined) => (n == null ? '—' : n.toLocaleString('en-US'));

export function DataTable<T>({ caption, rows, columns, empty }: { caption: string; rows: T[]; columns: Column<T>[]; empty?: string }) {
  if (!rows.length) return <p className="note">{empty ?? 'Nothing in this period.'}</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">{caption}</caption>
        <thead><tr>{columns.map((c) => <th key={c.label} className={c.numeric ? 'num' : undefined}>{c.label}</th>)}</tr></thead>
        <tbody>{rows.map((r, i) => <tr key={i}>{columns.map((c) => <td key={c.label} className={c.numeric ? 'num' : undefined}>{c.value(r)}</td>)}</tr>)}</tbody>
      </table>
    </div>
  );
}
