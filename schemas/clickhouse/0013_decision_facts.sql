-- The decision facts (issue 17): the one definition of what failed and what
-- the human label is, which scoring, the dashboard's failure list, the
-- regression bank, eval sets and the SQL of an alert all read. One row per
-- decision with ts in [from, to):
--   failed           error, fallback, retry or guardrail: the decision-time signals
--   thumbs_down      any thumbs-down feedback
--   reviews          every review in time order, as (senior, label)
--   review_signature the same as scoring's compact string: S or J then the
--                    label, per review, joined by char(30) (REVIEW_SEPARATOR in core)
--   reference_label  the latest senior review's label, else the latest review's;
--                    '' when nobody reviewed it. Reviews at the same ts are
--                    ordered by cityHash64(verdict_id), the greater one being
--                    the later, as scoring has always ordered them.
--   overridden       a reference label exists and differs from the model's
--   flagged          failed OR thumbs_down OR overridden: what a failure list shows
-- Verdicts come after their decision: only those since `from` less 5 minutes
-- (a reviewer's clock running behind) are read, so the reviews of a decision
-- made just before that are not seen.
-- Query it as SELECT * FROM decision_facts(from = '2026-11-20 12:00:00', to = '2026-11-20 13:00:00').
CREATE VIEW IF NOT EXISTS decision_facts AS
SELECT
    d.ts AS ts,
    d.decision_id AS decision_id,
    d.decision_key AS decision_key,
    d.trace_id AS trace_id,
    d.span_id AS span_id,
    d.service AS service,
    d.decision_type AS decision_type,
    d.label AS label,
    d.score AS score,
    d.model AS model,
    d.model_version AS model_version,
    d.slices AS slices,
    d.latency_ms AS latency_ms,
    d.sampled AS sampled,
    d.sample_reason AS sample_reason,
    d.sample_weight AS sample_weight,
    d.is_error AS is_error,
    d.fallback AS fallback,
    d.retried AS retried,
    d.guardrail AS guardrail,
    d.is_error OR d.fallback OR d.retried OR d.guardrail AS failed,
    toBool(ifNull(v.thumbs_down, 0)) AS thumbs_down,
    v.reviews AS reviews,
    v.review_signature AS review_signature,
    ifNull(v.reference_label, '') AS reference_label,
    toBool(reference_label != '' AND reference_label != d.label) AS overridden,
    failed OR thumbs_down OR overridden AS flagged
FROM decisions AS d FINAL
LEFT JOIN
(
    SELECT
        decision_key,
        max(kind = 'feedback' AND value = 'thumbs_down') AS thumbs_down,
        arrayMap(r -> (r.3, r.4),
            arraySort(groupArrayIf((ts, cityHash64(verdict_id), seniority = 'senior', label), kind = 'review'))) AS ordered,
        CAST(ordered, 'Array(Tuple(senior Bool, label String))') AS reviews,
        arrayStringConcat(arrayMap(r -> concat(if(r.1, 'S', 'J'), r.2), ordered), char(30)) AS review_signature,
        arrayLast(r -> r.1, ordered) AS last_senior,
        if(last_senior.1, last_senior.2, ordered[-1].2) AS reference_label
    FROM verdicts FINAL
    WHERE ts >= {from:DateTime64(3, 'UTC')} - INTERVAL 5 MINUTE
    GROUP BY decision_key
) AS v ON v.decision_key = d.decision_key
WHERE d.ts >= {from:DateTime64(3, 'UTC')} AND d.ts < {to:DateTime64(3, 'UTC')};
