-- Spans. In sampled_spans, what people query, attribute values are strings
-- in a Map, as the OpenTelemetry Collector's ClickHouse exporter stores them:
-- one column shape for any attribute set, queryable as
-- attributes['gen_ai.request.model']; non-string values as their JSON text.
--
-- recent_spans holds every span for the late-verdict horizon (default 72 h):
-- a thumbs-down that arrives after the trace was decided can still promote it.
-- It is written for all traffic and read almost never, so it is shaped for
-- cheap inserts: attributes, resource attributes and events stay the JSON text
-- they arrive as (parsing Maps doubled the insert cost, see bench/), and each
-- row carries its trace's sampling decision (sample_reason '' = not kept).
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
    attributes          String CODEC(ZSTD(1)),
    resource_attributes String CODEC(ZSTD(1)),
    events              String CODEC(ZSTD(3)),
    sample_reason       LowCardinality(String),
    sample_weight       Float32,
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

-- Kept spans reach sampled_spans through this view, inside the engine: the
-- sampler sends each span once, and parsing the insert is what bounds its
-- throughput (bench/), so a second insert of the same rows would halve it.
CREATE MATERIALIZED VIEW IF NOT EXISTS sampled_spans_from_recent TO sampled_spans AS
SELECT
    ts, trace_id, span_id, parent_span_id, name, kind, duration_ms, status_code, status_message,
    service, scope, decision_id, decision_type,
    JSONExtract(attributes, 'Map(String, String)') AS attributes,
    JSONExtract(resource_attributes, 'Map(String, String)') AS resource_attributes,
    events, sample_reason, sample_weight, ingested_at
FROM recent_spans
WHERE sample_reason != '';
