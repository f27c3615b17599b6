-- Parked traces (issue 18). Until this migration the sampler wrote every span
-- of all traffic to recent_spans, one parsed row per span, so that a late
-- verdict could promote a trace; parsing those rows was most of the sampler's
-- cost, for traffic tail sampling mostly drops. From here on:
--
-- parked_traces holds one row per trace (per chunk of a trace the sampler
-- wrote apart: spans that came after its decision) for the late-verdict
-- horizon (sampling.recent_horizon, 72 h by default; the sampler alters this
-- TTL and parked_batches' with recent_spans'). Its spans are kept as the
-- trace's OTLP ExportTraceServiceRequest protobuf as it came from Kafka (for
-- a message holding one trace, the message value itself; for a mixed message
-- the trace's share; concatenated requests are themselves one request),
-- decoded only when a late verdict promotes the trace. The bytes of all the
-- traces of one sampler write are one brotli-compressed blob in
-- parked_batches (base64: the embedded engine takes an insert as text), and
-- a trace's row says where its bytes are (batch, offset, length in the
-- uncompressed blob). Why not the bytes in the trace's row: the engine's
-- insert cost grows with the bytes it parses (about 0.1 µs a byte on 2
-- cores), and a write's blob compresses ~10× where one trace's 1 KB barely
-- does (bench/, issue 18).
-- sample_reason / sample_weight are the trace's sampling decision
-- ('' = not kept): a kept trace's row has no bytes (batch '': its spans went
-- to sampled_spans) and is the ledger entry the sampler reads to adopt an
-- earlier decision after a crash or a handover (decidedTraces). A promotion
-- writes a new version of the rows with the reason, so the newest row per
-- (trace_id, first_span_id) is the trace's decision as it stands.
--
-- recent_spans (0002) is no longer written by the sampler. Rows written
-- before this migration stay until its TTL drops them, and promotion and
-- decidedTraces read both tables until then; the 0002 comment ("every span
-- for the late-verdict horizon") describes data written before 0015 only.
CREATE TABLE IF NOT EXISTS parked_traces
(
    ts            DateTime('UTC') CODEC(Delta, ZSTD(1)),
    trace_id      String CODEC(ZSTD(1)),
    first_span_id String CODEC(ZSTD(1)),
    sample_reason LowCardinality(String),
    sample_weight Float32,
    batch         String CODEC(ZSTD(1)),
    offset        UInt32,
    length        UInt32,
    ingested_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toDate(ts)
ORDER BY (trace_id, first_span_id)
TTL ts + INTERVAL 72 HOUR DELETE
SETTINGS ttl_only_drop_parts = 1;

-- One row per sampler write: ts is the latest event time of its traces, so a
-- blob outlives every row that points into it.
CREATE TABLE IF NOT EXISTS parked_batches
(
    ts          DateTime('UTC'),
    batch       String,
    otlp        String CODEC(LZ4),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toDate(ts)
ORDER BY batch
TTL ts + INTERVAL 72 HOUR DELETE
SETTINGS ttl_only_drop_parts = 1;

-- Kept spans land here and reach sampled_spans through the view below: the
-- sampler sends each kept span once, as the JSON text recent_spans took, and
-- the engine turns attributes into Maps with the same expression as
-- sampled_spans_from_recent (0002), so a trace kept when decided and one
-- promoted later (from parked_traces or from recent_spans) store the same rows.
CREATE TABLE IF NOT EXISTS sampled_spans_in
(
    ts                  DateTime64(6, 'UTC'),
    trace_id            String,
    span_id             String,
    parent_span_id      String,
    name                String,
    kind                UInt8,
    duration_ms         Float64,
    status_code         UInt8,
    status_message      String,
    service             String,
    scope               String,
    decision_id         String,
    decision_type       String,
    attributes          String,
    resource_attributes String,
    events              String,
    sample_reason       String,
    sample_weight       Float32,
    ingested_at         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS sampled_spans_from_in TO sampled_spans AS
SELECT
    ts, trace_id, span_id, parent_span_id, name, kind, duration_ms, status_code, status_message,
    service, scope, decision_id, decision_type,
    JSONExtract(attributes, 'Map(String, String)') AS attributes,
    JSONExtract(resource_attributes, 'Map(String, String)') AS resource_attributes,
    events, sample_reason, sample_weight, ingested_at
FROM sampled_spans_in;
