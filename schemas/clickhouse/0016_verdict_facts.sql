-- The verdict half of the decision facts (issue 18), as a view of its own so
-- that scoring can read it without joining every decision of a window to it.
-- decision_facts (0013) joined each decision to its verdicts inside one
-- view; scoring read that view, and the join of ~10M decisions to their
-- verdict facts cost about as much as the rest of scoring together
-- (bench/scorer.ts). Scoring now aggregates the decisions on their own and
-- joins only the decisions that have verdicts (slice-aggregates.ts); the
-- rules stay written once: here for the human side, in decision_facts
-- (rebuilt on this view below, with the same columns) for the rest.
--
-- One row per decision_key that has a verdict since `from` less 5 minutes
-- (a reviewer's clock running behind), as 0013 read them:
--   thumbs_down      any thumbs-down feedback
--   reviews          every review in time order, as (senior, label); reviews at
--                    the same ts are ordered by cityHash64(verdict_id), the
--                    greater one being the later
--   review_signature the same, compact: S or J then the label, per review,
--                    joined by char(30) (REVIEW_SEPARATOR in core)
--   reference_label  the latest senior review's label, else the latest review's;
--                    '' when nobody reviewed it
-- Query it as SELECT * FROM verdict_facts(from = '2026-11-20 12:00:00').
CREATE VIEW IF NOT EXISTS verdict_facts AS
SELECT decision_key, thumbs_down, reviews, review_signature, reference_label
FROM
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
);

-- decision_facts as 0013 defined it, its verdict half now read from the
-- view above: the same columns, the same rows.
CREATE OR REPLACE VIEW decision_facts AS
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
LEFT JOIN verdict_facts(from = {from:DateTime64(3, 'UTC')}) AS v ON v.decision_key = d.decision_key
WHERE d.ts >= {from:DateTime64(3, 'UTC')} AND d.ts < {to:DateTime64(3, 'UTC')};
