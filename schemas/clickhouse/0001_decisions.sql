-- One slim row per decision, for all traffic (kept or not): every rate is
-- computed here, never on the sample (DESIGN.md §5).
--
-- ReplacingMergeTree keyed on the decision identity: the sampler is
-- at-least-once (offsets are committed after the insert), so a crash between
-- insert and commit re-inserts the same rows; reads with FINAL (the API sets
-- final=1) see each decision once. ingested_at is the version: a later row for
-- the same decision (a late promotion) wins.
-- ORDER BY starts with decision_type, then time: scoring scans a time window
-- per decision type; decision_type has few values, so a time filter alone
-- still prunes well. Monthly partitions keep the part count low.
CREATE TABLE IF NOT EXISTS decisions
(
    ts            DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    service       LowCardinality(String),
    trace_id      String CODEC(ZSTD(1)),
    span_id       String CODEC(ZSTD(1)),
    decision_id   String CODEC(ZSTD(1)),
    decision_type LowCardinality(String),
    label         LowCardinality(String),
    score         Nullable(Float32),
    model         LowCardinality(String),
    model_version LowCardinality(String),
    slices        Map(LowCardinality(String), String),
    is_error      Bool,
    fallback      Bool,
    retried       Bool,
    guardrail     Bool,
    latency_ms    Float32,
    input_tokens  UInt32,
    output_tokens UInt32,
    sampled       Bool,
    sample_reason LowCardinality(String),
    sample_weight Float32,
    ingested_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (decision_type, ts, decision_id);
