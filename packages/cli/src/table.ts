import { formatCount, isMissing, MISSING } from '@livegrade/core';
import type { JsonResult } from '@livegrade/store';

/** How one cell of a table is written. */
type Cell = (value: unknown) => string;

/**
 * Aligned text table of a JSON result, for people at a terminal. By default each
 * cell is written as the query returned it (`livegrade sql --format table`): a SQL
 * answer is data, where NULL is a value, and a grouped `2,026` would misread a
 * year or an id; the CLI's own tables pass `reportCell` instead (renderRows).
 */
export function renderTable(result: JsonResult, cell: Cell = literalCell): string {
  const names = result.meta.map((m) => m.name);
  const cells = result.data.map((row) => names.map((n) => cell(row[n])));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = result.meta.map((m) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(m.type));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(names), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  out.push(`(${result.rows} row${result.rows === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

function literalCell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * A cell of the CLI's own tables, in the number format the dashboard and the Slack
 * messages use (@livegrade/core format/number.js): a missing value is `n/a`, a whole
 * number is a count with thousands separators (`12,345`). A fraction is written as
 * the command rounded it: its columns (pass@1, a rate) chose their own digits.
 */
export function reportCell(v: unknown): string {
  if (isMissing(v)) return MISSING;
  if (typeof v === 'number' && Number.isInteger(v)) return formatCount(v);
  return literalCell(v);
}

/**
 * Aligned text table of plain rows (the columns are the first row's keys);
 * the columns named in `numeric` are right-aligned. Cells as `reportCell` writes them.
 */
export function renderRows(rows: Array<Record<string, unknown>>, numeric: readonly string[] = []): string {
  const names = Object.keys(rows[0] ?? {});
  return renderTable(
    {
      meta: names.map((n) => ({ name: n, type: numeric.includes(n) ? 'Float64' : 'String' })),
      data: rows,
      rows: rows.length,
    },
    reportCell,
  );
}

/** An instant as ISO 8601 UTC to the second, how the CLI prints times. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
