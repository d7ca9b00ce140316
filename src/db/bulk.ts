import { CompiledQuery, type Kysely } from 'kysely';

// Bulk loads go through COPY: the fastest way into PostgreSQL on both engines. A loader calls
// copyRows() inside its transaction; the query reaches the driver as `COPY ... FROM STDIN` with
// a CopyRows parameter, and database.ts sends it the way the engine takes it: a COPY stream on
// the server (pg-copy-streams), a blob on an in-process PGlite, and an INSERT from arrays when
// the PGlite is reached through `serve`'s socket, whose protocol bridge cannot carry COPY data.

export type Cell = string | number | boolean | null;

export class CopyRows {
  constructor(
    readonly table: string,
    readonly columns: readonly string[],
    readonly rows: readonly Cell[][],
  ) {}

  /** COPY's text format: tab-separated, \N for NULL, backslash escapes. */
  toText(): string {
    const out: string[] = [];
    for (const row of this.rows) out.push(row.map(copyCell).join('\t'));
    return out.length ? out.join('\n') + '\n' : '';
  }

  /** One array per column, for INSERT ... SELECT * FROM unnest(...). */
  toColumns(): (string | null)[][] {
    return this.columns.map((_, i) => this.rows.map((r) => (r[i] === null || r[i] === undefined ? null : String(r[i]))));
  }
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function copyCell(v: Cell): string {
  if (v === null || v === undefined) return '\\N';
  const s = String(v);
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : s;
}

const IDENT = /^[a-z_][a-z0-9_.]*$/;

export async function copyRows(db: Kysely<any>, table: string, columns: readonly string[], rows: readonly Cell[][]): Promise<number> {
  if (rows.length === 0) return 0;
  if (!IDENT.test(table) || !columns.every((c) => IDENT.test(c))) throw new Error(`copyRows: bad identifier in ${table}(${columns.join(',')})`);
  const statement = `COPY ${table} (${columns.join(', ')}) FROM STDIN`;
  const result = await db.executeQuery(CompiledQuery.raw(statement, [new CopyRows(table, columns, rows)]));
  return Number(result.numAffectedRows ?? rows.length);
}

export const isCopy = (params: unknown): params is [CopyRows] => Array.isArray(params) && params.length === 1 && params[0] instanceof CopyRows;
