import { createHash } from 'node:crypto';
import type { BankCase } from './types.ts';

/** What a case's identity for replay is: a change to any of these changes what a replay checks. */
type VersionedCase = Pick<BankCase, 'id' | 'decision_type' | 'input' | 'context' | 'expected_label'>;

/**
 * The content hash of the cases a replay checks: `sha256:` + hex over the
 * cases sorted by id, one canonical JSON line each. Counts, times and
 * retirement details stay out, so a re-capture of a known case (times_seen
 * goes up) keeps the version, while a new case, a retired one or a changed
 * expected label gives a new one. Two records with the same bank version
 * checked exactly the same cases.
 */
export function bankVersion(cases: readonly VersionedCase[]): string {
  const hash = createHash('sha256');
  const sorted = [...cases].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of sorted) {
    hash.update(
      canonicalJson({
        id: c.id,
        decision_type: c.decision_type,
        input: c.input,
        context: c.context,
        expected_label: c.expected_label,
      }),
    );
    hash.update('\n');
  }
  return `sha256:${hash.digest('hex')}`;
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
