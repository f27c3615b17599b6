-- How far the sampler's writes have reached in each partition (issue 3).
-- A partition's commit trails its oldest buffered trace, so after a crash
-- or a rebalance the new owner reads again messages whose traces the old
-- owner may already have decided. Only traces read below written_through
-- can have been, so only those are looked up before deciding; a group
-- catching up a backlog nobody decided looks up nothing.
-- ReplacingMergeTree(written_through) keeps the furthest mark per partition.
CREATE TABLE IF NOT EXISTS sampler_progress
(
    consumer_group  String,
    topic           String,
    partition       UInt32,
    written_through Int64,
    updated_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(written_through)
ORDER BY (consumer_group, topic, partition);
