-- Spans. Attribute values are stored as strings in a Map, as the
-- OpenTelemetry Collector's ClickHouse exporter does: one column shape for any
-- attribute set, queryable as attributes['gen_ai.request.model'].
-- Non-string values are written as their JSON text.
--
-- recent_spans holds every span for the late-verdict horizon (default 72 h):
-- a thumbs-down that arrives after the trace was decided can still promote it.
-- Ordered by trace_id because its one access path is "all spans of trace X".
-- Daily partitions let the TTL drop whole parts instead of rewriting them.
CREATE TABLE IF NOT EXISTS recent_spans
(
    ts                  DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id            String CODEC(ZSTD(1)),
    span_id             String CODEC(ZSTD(1)),
    parent_span_id      String CODEC(ZSTD(1)),
    name                LowCardinality(String),
    kind                UInt8,
    duration_ms         Float64,
    status_code         UInt8,
    status_message      String CODEC(ZSTD(1)),
    service             LowCardinality(String),
    scope               LowCardinality(String),
    decision_id         String CODEC(ZSTD(1)),
    decision_type       LowCardinality(String),
    attributes          Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    resource_attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    events              String CODEC(ZSTD(3)),
    ingested_at         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toDate(ts)
ORDER BY (trace_id, span_id)
TTL toDateTime(ts) + INTERVAL 72 HOUR DELETE
SETTINGS ttl_only_drop_parts = 1;

-- sampled_spans: full spans of kept traces, what people read, label, export
-- and replay. sample_weight = 1/p makes weighted estimates unbiased. Same
-- trace-first order (trace lookups, joins from decisions by trace_id); monthly
-- partitions for time-bounded scans.
CREATE TABLE IF NOT EXISTS sampled_spans
(
    ts                  DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id            String CODEC(ZSTD(1)),
    span_id             String CODEC(ZSTD(1)),
    parent_span_id      String CODEC(ZSTD(1)),
    name                LowCardinality(String),
    kind                UInt8,
    duration_ms         Float64,
    status_code         UInt8,
    status_message      String CODEC(ZSTD(1)),
    service             LowCardinality(String),
    scope               LowCardinality(String),
    decision_id         String CODEC(ZSTD(1)),
    decision_type       LowCardinality(String),
    attributes          Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    resource_attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    events              String CODEC(ZSTD(3)),
    sample_reason       LowCardinality(String),
    sample_weight       Float32,
    ingested_at         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (trace_id, span_id);
