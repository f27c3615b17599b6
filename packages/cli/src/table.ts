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
