import type { JsonResult } from '@livegrade/store';

/** Aligned text table of a JSON result, for people at a terminal. */
export function renderTable(result: JsonResult): string {
  const names = result.meta.map((m) => m.name);
  const cells = result.data.map((row) => names.map((n) => show(row[n])));
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

function show(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * Aligned text table of plain rows (the columns are the first row's keys);
 * the columns named in `numeric` are right-aligned.
 */
export function renderRows(rows: Array<Record<string, unknown>>, numeric: readonly string[] = []): string {
  const names = Object.keys(rows[0] ?? {});
  return renderTable({
    meta: names.map((n) => ({ name: n, type: numeric.includes(n) ? 'Float64' : 'String' })),
    data: rows,
    rows: rows.length,
  });
}

/** An instant as ISO 8601 UTC to the second, how the CLI prints times. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
