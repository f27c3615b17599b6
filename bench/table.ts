export interface Row {
  measure: string;
  value: string;
  baseline?: string;
  ratio?: string;
  note?: string;
}

export function printTable(title: string, rows: Row[]) {
  const cols: Array<keyof Row> = ['measure', 'value', 'baseline', 'ratio', 'note'];
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(cols));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(cols.map((c) => r[c] ?? '')));
}

export const fmt = {
  rate: (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`,
  ms: (n: number) => `${n.toFixed(1)} ms`,
  us: (n: number) => `${n.toFixed(2)} µs`,
  mb: (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MiB`,
  ratio: (a: number, b: number) => `${(a / b).toFixed(2)}×`,
};

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/** The middle value (the upper one of an even count); NaN for none. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** What `fn` resolves to, and how long it took (ms). */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}
