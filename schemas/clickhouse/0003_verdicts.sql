-- Human verdicts (feedback and reviews), joined to decisions by decision_id,
-- so that is the first sort key. verdict_id makes re-deliveries collapse
-- under FINAL, like the other tables.
CREATE TABLE IF NOT EXISTS verdicts
(
    ts          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    verdict_id  String CODEC(ZSTD(1)),
    decision_id String CODEC(ZSTD(1)),
    trace_id    String CODEC(ZSTD(1)),
    kind        LowCardinality(String),
    value       LowCardinality(String),
    reviewer_id String CODEC(ZSTD(1)),
    seniority   LowCardinality(String),
    label       LowCardinality(String),
    rationale   String CODEC(ZSTD(3)),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (decision_id, verdict_id);
