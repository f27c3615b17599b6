import type { FaultRow } from '../row.ts';

/** A row that could not be measured: the scenario threw. */
export interface FailedRow {
  fault: string;
  error: string;
}

export type Outcome = FaultRow | FailedRow;

export function isFailed(o: Outcome): o is FailedRow {
  return 'error' in o;
}

/** A row passes with nothing lost and nothing visible twice. */
export function rowPasses(o: Outcome): boolean {
  return !isFailed(o) && o.lost === 0 && o.duplicates === 0 && o.storedOnce === o.sent;
}

export function seconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'never';
}

/** The suite's table, then the notes of each row under it. */
export function formatTable(outcomes: Outcome[]): string {
  const header = ['fault', 'unit', 'sent', 'stored once', 'duplicates', 'lost', 'recover'];
  const cells = outcomes.map((o) =>
    isFailed(o)
      ? [o.fault, '-', '-', '-', '-', '-', 'FAILED']
      : [
          o.fault,
          o.unit,
          String(o.sent),
          String(o.storedOnce),
          String(o.duplicates),
          String(o.lost),
          seconds(o.recoverMs),
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  // text left, figures right
  const line = (c: string[]) =>
    c.map((v, i) => (i < 2 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  const notes = outcomes.flatMap((o) =>
    isFailed(o) ? [`${o.fault}: FAILED: ${o.error}`] : (o.notes ?? []).map((n) => `${o.fault}: ${n}`),
  );
  if (notes.length > 0) out.push('', ...notes.map((n) => `- ${n}`));
  return out.join('\n');
}
