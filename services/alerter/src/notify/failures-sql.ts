/**
 * The SQL a message gives to list the failing decisions of a slice
 * (docs/ARCHITECTURE.md §7): read-only, runnable as is through `livegrade sql` or the
 * API, over the decision facts scoring reads too (the view decision_facts,
 * packages/store/src/decision-facts.ts), so what it lists is what the rates
 * counted.
 */
import { decisionFactsOver, sliceLiteralConditions } from '@livegrade/store';

// moved to the store's slice-sql.ts with the slice conditions; still offered from here
export { sqlString } from '@livegrade/store';

export const FAILURES_LIMIT = 100;

/** A time as the view's DateTime64(3, 'UTC') parameters read it. */
function timeLiteral(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `'${iso.slice(0, 10)} ${iso.slice(11, 23)}'`;
}

/**
 * The decisions of `slice` in [window_start, window_end) that the decision
 * facts flag: an error, a fallback, a retry, a guardrail, a thumbs-down, or
 * an override (the reference review differs from the model's label),
 * newest first, at most FAILURES_LIMIT. A decision without a value for a
 * map dimension is in the slice keyed with an empty value, as in scoring.
 */
export function failuresSql(slice: string, window_start: number, window_end: number): string {
  const sliceFilter = sliceLiteralConditions(slice)
    .map((c) => `\n  AND ${c}`)
    .join('');
  return `SELECT d.ts, d.decision_id, d.trace_id, d.decision_type, d.slices, d.label,
    d.reference_label AS reviewed_label, d.score, d.model_version, d.latency_ms,
    d.is_error, d.fallback, d.retried, d.guardrail, d.thumbs_down, d.overridden, d.sampled
FROM ${decisionFactsOver(timeLiteral(window_start), timeLiteral(window_end))}
WHERE d.flagged${sliceFilter}
ORDER BY d.ts DESC, d.decision_id
LIMIT ${FAILURES_LIMIT}`;
}
