import { failuresSql } from '@livegrade/alerter';

/**
 * The SQL the demo shows: the alert message's own query of a slice's
 * failing decisions (failuresSql: the scorer's verdict rules), narrowed to
 * the sampled ones, in columns a person reads at a terminal, with the
 * customer's message from the kept trace.
 */
export function sliceFailuresSql(slice: string, range: { from: number; to: number }, limit = 10): string {
  const failures = failuresSql(slice, range.from, range.to).replace(/\n/g, '\n    ');
  return `WITH
failures AS (
    ${failures}
)
SELECT
    formatDateTime(f.ts, '%H:%i:%S') AS time_utc,
    f.trace_id AS trace_id,
    f.label AS model_said,
    f.reviewed_label AS reviewer_said,
    round(f.score, 2) AS score,
    multiIf(f.overridden, 'override', f.is_error, 'error', f.fallback, 'fallback', f.retried, 'retried', f.guardrail, 'guardrail', 'thumbs_down') AS failure,
    s.sample_reason AS kept_because,
    s.attributes['livegrade.input'] AS customer_message
FROM failures AS f
JOIN sampled_spans AS s FINAL ON s.trace_id = f.trace_id AND s.decision_id = f.decision_id
ORDER BY f.ts DESC
LIMIT ${limit}`;
}
