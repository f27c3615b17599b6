-- The regression bank (issue 7, DESIGN.md §8): every decision a human
-- overrode, or that failed and has a human label, kept as a replay case.
--
-- A case is never stored whole: it is the aggregate of its occurrences, one
-- row per (case_id, decision_id), where case_id is a fingerprint of the
-- decision type and the normalised input (core bank/fingerprint.ts). So
-- near-identical inputs land in one case, times_seen is counted from what was
-- seen, and capturing the same decision again (a re-run, two workers racing,
-- a lookback overlapping the last run) replaces its row instead of adding
-- one: ReplacingMergeTree(captured_at), read with FINAL. A later capture of
-- the same decision (say a senior review that corrects a junior one) wins.
-- Ordered by case_id: listing and replay read whole cases.
CREATE TABLE IF NOT EXISTS bank_occurrences
(
    case_id        String,
    decision_id    String,
    trace_id       String,
    ts             DateTime64(3, 'UTC'),
    decision_type  LowCardinality(String),
    slice          String,
    slices         Map(LowCardinality(String), String),
    model_version  LowCardinality(String),
    model_label    LowCardinality(String),
    expected_label LowCardinality(String),
    reason         LowCardinality(String),
    input          String CODEC(ZSTD(3)),
    context        String CODEC(ZSTD(3)),
    captured_at    DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(captured_at)
ORDER BY (case_id, decision_id);

-- Retiring a case appends a row here; occurrences are never deleted, so a
-- retired case stays in the history (`bank list --all`) with who retired it
-- and why. The latest retirement of a case is the one shown.
CREATE TABLE IF NOT EXISTS bank_retirements
(
    case_id    String,
    retired_at DateTime64(3, 'UTC'),
    reason     String,
    retired_by String
)
ENGINE = MergeTree
ORDER BY (case_id, retired_at);

-- How far capture has read the verdicts: every capture starts from verdicts
-- ingested since the watermark minus a lookback (bank.capture_lookback), so
-- a verdict whose trace was promoted a little after it arrived is found on
-- the next run. ReplacingMergeTree(captured_through) keeps the furthest mark,
-- so a slow worker finishing late never moves it back.
CREATE TABLE IF NOT EXISTS bank_capture_progress
(
    name              String,
    captured_through  DateTime64(3, 'UTC'),
    updated_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(captured_through)
ORDER BY name;

-- Capture reads the verdicts that arrived since its watermark. verdicts is
-- ordered by decision_id, so without this every run would read the arrival
-- time of every verdict; with it, granules that all arrived before the
-- watermark (merged old parts) are skipped.
ALTER TABLE verdicts ADD INDEX IF NOT EXISTS idx_ingested_at ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE verdicts MATERIALIZE INDEX idx_ingested_at;
