-- Per-slice metrics of each scoring window (issue 4, DESIGN.md §6), one row
-- per (window, slice, metric), with the evidence of its degradation verdict.
--
-- ReplacingMergeTree(scored_at) on the window identity: re-running a window
-- (a retried job, a catch-up after a restart, two workers racing on the
-- same window) replaces its rows; reads with FINAL see one run. A re-run
-- only ever adds slices (late decisions and verdicts add data), so no row
-- of an earlier run outlives its window's latest run.
-- ORDER BY starts with window_end: dashboards and alert rules read the
-- latest window of every slice. TTL bounds the table: at one window per
-- minute over 1,000 slices it grows by about 45M rows a day.
CREATE TABLE IF NOT EXISTS slice_metrics
(
    window_start   DateTime64(3, 'UTC'),
    window_end     DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    slice          String CODEC(ZSTD(1)),
    metric         LowCardinality(String),
    value          Nullable(Float64),
    n              UInt64,
    baseline       LowCardinality(String),
    baseline_value Nullable(Float64),
    baseline_n     UInt64,
    test           LowCardinality(String),
    statistic      Nullable(Float64),
    p_value        Nullable(Float64),
    q_value        Nullable(Float64),
    effect         Nullable(Float64),
    degraded       Bool,
    scored_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(scored_at)
PARTITION BY toYYYYMMDD(window_end)
ORDER BY (window_end, window_start, slice, metric)
TTL toDateTime(window_end) + INTERVAL 90 DAY DELETE
SETTINGS ttl_only_drop_parts = 1;
