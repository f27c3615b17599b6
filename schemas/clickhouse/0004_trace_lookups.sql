-- Lookups the tail sampler makes outside the sort keys (issue 3):
-- a late verdict names a decision_id, and its promotion then needs every
-- decision of that trace, by trace_id. decisions is ordered by
-- (decision_type, ts, decision_id), so without these skip indexes both would
-- read whole partitions; with them only the granules whose bloom filter
-- matches are read. GRANULARITY 1: one filter per granule (8192 rows).
ALTER TABLE decisions ADD INDEX IF NOT EXISTS idx_decision_id decision_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE decisions ADD INDEX IF NOT EXISTS idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE decisions MATERIALIZE INDEX idx_decision_id;
ALTER TABLE decisions MATERIALIZE INDEX idx_trace_id;
