import { createHash } from 'node:crypto';

/**
 * What makes two recorded inputs "the same case". The bank keeps one case
 * per (decision type, normalised input), so a failure that users hit again
 * and again is replayed once and counted, not replayed once per occurrence.
 *
 * Normalisation only removes differences that do not change what a model is
 * asked: Unicode compatibility forms (NFKC), letter case, runs of whitespace,
 * and, for JSON inputs, key order and formatting. Anything else (punctuation,
 * numbers, other words) keeps inputs apart: merging two cases that a model
 * could answer differently would hide a regression.
 */
export function normaliseInput(input: string): string {
  const json = parseStructured(input);
  return json === undefined ? normaliseText(input) : JSON.stringify(canonical(json));
}

/** `c` + 16 hex digits of sha256(decision type, newline, normalised input). */
export function caseId(decisionType: string, input: string): string {
  const digest = createHash('sha256')
    .update(`${decisionType}\n${normaliseInput(input)}`)
    .digest('hex');
  return `c${digest.slice(0, 16)}`;
}

function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Objects and arrays only: a bare JSON string or number is compared as text. */
function parseStructured(input: string): object | undefined {
  const t = input.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Keys sorted, string values normalised like text; key names kept as written (they are a schema). */
function canonical(value: unknown): unknown {
  if (typeof value === 'string') return normaliseText(value);
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}
