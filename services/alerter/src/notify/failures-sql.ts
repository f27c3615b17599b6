/**
 * The SQL a message gives to list the failing decisions of a slice
 * (DESIGN.md §7): read-only, runnable as is through `livegrade sql` or the
 * API, on the same columns and the same verdict rules as scoring
 * (packages/store/src/slice-aggregates.ts), so what it lists is what the
 * rates counted.
 */
import { pairDimension, slicePairs } from '@livegrade/core';
import { dimensionExpr } from '@livegrade/store';

/** Verdicts come after their decision; scoring reads those since the window's start less this slack. */
const VERDICT_SLACK_MS = 5 * 60_000;

export const FAILURES_LIMIT = 100;

/**
 * A ClickHouse string literal. Backslash and quote are escaped, so no value
 * ends the literal; control characters and the backtick are written as
 * escapes too, so the query stays on its lines and cannot close the Slack
 * code block it is shown in.
 */
export function sqlString(value: string): string {
  let out = "'";
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '`' || ch.charCodeAt(0) < 0x20 || ch === '\u007f')
      out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

function timeLiteral(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `toDateTime64('${iso.slice(0, 10)} ${iso.slice(11, 23)}', 3, 'UTC')`;
}

/**
 * The decisions of `slice` in [window_start, window_end) that failed: an
 * error, a fallback, a retry, a thumbs-down, or an override (the reference
 * review, latest senior else latest, differs from the model's label),
 * newest first, at most FAILURES_LIMIT. A decision without a value for a
 * map dimension is in the slice keyed with an empty value, as in scoring.
 */
export function failuresSql(slice: string, window_start: number, window_end: number): string {
  const verdictsFrom = timeLiteral(window_start - VERDICT_SLACK_MS);
  const sliceFilter = slicePairs(slice)
    .map((pair) => {
      const dim = pairDimension(pair);
      return `\n  AND ${dimensionExpr(dim)} = ${sqlString(pair.slice(dim.length + 1))}`;
    })
    .join('');
  return `WITH
thumbs_down AS (
    SELECT DISTINCT decision_id FROM verdicts FINAL
    WHERE kind = 'feedback' AND value = 'thumbs_down' AND ts >= ${verdictsFrom}
),
reviewed AS (
    SELECT decision_id,
        if(countIf(seniority = 'senior') > 0,
           argMaxIf(label, (ts, cityHash64(verdict_id)), seniority = 'senior'),
           argMax(label, (ts, cityHash64(verdict_id)))) AS reference_label
    FROM verdicts FINAL
    WHERE kind = 'review' AND ts >= ${verdictsFrom}
    GROUP BY decision_id
)
SELECT d.ts, d.decision_id, d.trace_id, d.decision_type, d.slices, d.label,
    ifNull(r.reference_label, '') AS reviewed_label, d.score, d.model_version, d.latency_ms,
    d.is_error, d.fallback, d.retried,
    d.decision_id IN (SELECT decision_id FROM thumbs_down) AS thumbs_down,
    ifNull(r.decision_id, '') != '' AND reviewed_label != d.label AS overridden,
    d.sampled
FROM decisions AS d FINAL
LEFT JOIN reviewed AS r ON r.decision_id = d.decision_id
WHERE d.ts >= ${timeLiteral(window_start)} AND d.ts < ${timeLiteral(window_end)}${sliceFilter}
  AND (d.is_error OR d.fallback OR d.retried OR thumbs_down OR overridden)
ORDER BY d.ts DESC, d.decision_id
LIMIT ${FAILURES_LIMIT}`;
}
