-- Registered baselines (issue 4): an immutable, named snapshot of the
-- per-slice aggregates of a reference window (optionally one model version),
-- in the same shape the scorer computes for a live window, so the two are
-- compared field by field. One row per (baseline, slice); the header of a
-- baseline is its rows' shared columns. Names are never reused: register
-- refuses a name that exists, and nothing updates or deletes these rows.
CREATE TABLE IF NOT EXISTS baselines
(
    name               String,
    created_at         DateTime64(3, 'UTC'),
    from_ts            DateTime64(3, 'UTC'),
    to_ts              DateTime64(3, 'UTC'),
    model_version      String,
    slice              String,
    volume             UInt64,
    errors             UInt64,
    fallbacks          UInt64,
    retries            UInt64,
    thumbs_down        UInt64,
    reviewed           UInt64,
    overridden         UInt64,
    senior_pairs       Map(String, UInt64),
    reviewer_pairs     Map(String, UInt64),
    multi_reviewed     UInt64,
    multi_sum_pi       Float64,
    multi_label_totals Map(String, UInt64),
    max_reviews        UInt64,
    latency_p50        Float64,
    latency_p95        Float64,
    latency_p99        Float64,
    scored             UInt64,
    score_hist         Array(UInt64),
    labels             Map(String, UInt64)
)
ENGINE = MergeTree
ORDER BY (name, slice);

-- Which baseline the scorer compares against: the latest activation wins.
-- Kept as a log, so the history of activations can be read back.
CREATE TABLE IF NOT EXISTS baseline_activations
(
    name         String,
    activated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY activated_at;
