/**
 * The SQL the demo shows: the sampled failures of one decision type ×
 * language slice in a time range, newest first, in columns a person reads
 * at a terminal. The same verdict rules as scoring and the alerter's
 * failuresSql (the reference review is the latest senior one, else the
 * latest), narrowed to what fits a screen, with the customer's message from
 * the kept trace.
 */

/** Verdicts come after their decision: read those since a little before the range. */
const VERDICT_SLACK_MS = 5 * 60_000;

function timeLiteral(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `toDateTime64('${iso.slice(0, 10)} ${iso.slice(11, 23)}', 3, 'UTC')`;
}

function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function sliceFailuresSql(
  slice: { decision_type: string; language: string },
  range: { from: number; to: number },
  limit = 10,
): string {
  const verdictsFrom = timeLiteral(range.from - VERDICT_SLACK_MS);
  const type = quoted(slice.decision_type);
  return `WITH
reviewed AS (
    SELECT decision_id,
        if(countIf(seniority = 'senior') > 0,
           argMaxIf(label, ts, seniority = 'senior'), argMax(label, ts)) AS reviewer_said
    FROM verdicts FINAL
    WHERE kind = 'review' AND ts >= ${verdictsFrom}
    GROUP BY decision_id
),
thumbs_down AS (
    SELECT DISTINCT decision_id FROM verdicts FINAL
    WHERE kind = 'feedback' AND value = 'thumbs_down' AND ts >= ${verdictsFrom}
)
SELECT
    formatDateTime(d.ts, '%H:%i:%S') AS time_utc,
    d.trace_id AS trace_id,
    d.label AS model_said,
    r.reviewer_said,
    round(d.score, 2) AS score,
    multiIf(r.reviewer_said NOT IN ('', d.label), 'override', d.is_error, 'error', d.fallback, 'fallback',
            d.retried, 'retried', d.decision_id IN (SELECT decision_id FROM thumbs_down), 'thumbs_down', '') AS failure,
    d.sample_reason AS kept_because,
    s.attributes['livegrade.input'] AS customer_message
FROM decisions AS d FINAL
LEFT JOIN reviewed AS r ON r.decision_id = d.decision_id
JOIN sampled_spans AS s FINAL ON s.trace_id = d.trace_id AND s.span_id = d.span_id
WHERE d.decision_type = ${type} AND d.slices['language'] = ${quoted(slice.language)}
  AND d.ts >= ${timeLiteral(range.from)} AND d.ts < ${timeLiteral(range.to)}
  AND failure != ''
ORDER BY d.ts DESC
LIMIT ${limit}`;
}
