-- Decisions by id (issue 18). Bank capture and late promotion look decisions
-- up by decision_id, which is not a prefix of decisions' sort key
-- (decision_type, ts, decision_id); for thousands of ids the bloom filter of
-- 0004 prunes nothing (each 8192-row granule holds one of them), so every
-- lookup read the id column of the whole table and grew with retention.
--
-- This table holds each decision's key ordered by id. A lookup reads about
-- one granule per id asked for and part of the table, and gets back
-- (decision_type, ts), by which decisions is then read through its primary
-- key (packages/store/src/decisions-by-id.ts). Granules of 64 rows, and
-- compressed blocks of a few KB so that reading one does not decompress
-- 64 KB: at the default 8192 rows a few thousand scattered ids would touch
-- every granule again. The primary key is the id alone, so the index in
-- memory holds one id per granule, not the whole key.
--
-- Filled by the view below from every insert into decisions, the sampler's
-- and the re-inserts of promotions alike. A key written twice (a replayed
-- batch, a promotion) is the same row: merges collapse it, and readers need
-- not, since a key listed twice selects the same decisions.
--
-- Not partitioned: a lookup probes every part, and monthly partitions would
-- add parts with every month kept, where merges keep one table's parts few.
-- No TTL, as decisions has none; a key whose decision was dropped selects
-- nothing, and `ALTER TABLE decisions_by_id DELETE WHERE ts < ...` reclaims
-- its space when months of decisions are dropped.
CREATE TABLE IF NOT EXISTS decisions_by_id
(
    decision_id   String,
    decision_type LowCardinality(String),
    ts            DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PRIMARY KEY decision_id
ORDER BY (decision_id, decision_type, ts)
SETTINGS index_granularity = 64, min_compress_block_size = 2048, max_compress_block_size = 8192;

-- The view first, then the backfill: a decision written in between lands in
-- both, which is the same row twice.
CREATE MATERIALIZED VIEW IF NOT EXISTS decisions_by_id_from_decisions TO decisions_by_id AS
SELECT decision_id, decision_type, ts
FROM decisions;

INSERT INTO decisions_by_id (decision_id, decision_type, ts)
SELECT decision_id, decision_type, ts
FROM decisions;

-- Bank capture reads the decision spans of the decisions it found;
-- sampled_spans is ordered by trace_id in granules of 8192 rows, so a few
-- thousand scattered traces touch every granule of the month. A decision
-- span starts when its decision does (decisions.ts, to the ms), so capture
-- bounds the read by the decisions' times, and a granule's min/max time
-- skips those written before (merged old parts entirely), as idx_ts does for
-- verdicts (0008).
ALTER TABLE sampled_spans ADD INDEX IF NOT EXISTS idx_ts ts TYPE minmax GRANULARITY 1;
ALTER TABLE sampled_spans MATERIALIZE INDEX idx_ts;
