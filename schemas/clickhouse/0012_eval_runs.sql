-- Evaluation records of bank replays (issue 7, DESIGN.md §8): what a release
-- candidate was checked against, how it did, and who signed it off. A record
-- is written once, at the end of a replay, and never changed: the sign-offs
-- are a separate append-only log. No TTL: these are the audit trail of
-- releases. Figures are kept in typed columns where SQL would filter or sort
-- on them; nested parts (params, per-slice summaries, per-run details) are
-- JSON text, readable with JSONExtract.

-- One row per replay. ReplacingMergeTree on the id, read with FINAL: the
-- store refuses an id that exists, so a second row can only be a repeated
-- identical insert, which this folds away.
CREATE TABLE IF NOT EXISTS eval_runs
(
    id            String,
    started_at    DateTime64(3, 'UTC'),
    finished_at   DateTime64(3, 'UTC'),
    target        String,
    model_version String,
    bank_version  String,
    -- ReplayParams as JSON: k, concurrency, slice_bar, timeout_ms, retries
    params        String,
    cases         UInt32,
    pass_rate     Float64,
    pass_k        Float64,
    repeated      UInt32,
    -- SliceSummary[] as JSON, worst first
    slices        String,
    worst_slice   Nullable(String),
    verdict       LowCardinality(String),
    reasons       Array(String),
    requests      UInt64,
    retries       UInt64,
    timeouts      UInt64,
    errors        UInt64,
    recorded_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY id;

-- One row per (run, case): what the case was at replay time, and each of its
-- k runs (CaseRun[] as JSON), so a record can be read after the case is
-- retired or the bank has moved on.
CREATE TABLE IF NOT EXISTS eval_run_results
(
    run_id           String,
    case_id          String,
    slice            String,
    decision_type    String,
    expected_label   String,
    model_label      String,
    times_seen       UInt32,
    passes           UInt32,
    failures         UInt32,
    errors           UInt32,
    repeated         Bool,
    same_wrong_label Bool,
    runs             String
)
ENGINE = ReplacingMergeTree
ORDER BY (run_id, case_id);

-- Sign-offs: who accepted a run, when, and why. Append-only; a run may be
-- signed off by several reviewers.
CREATE TABLE IF NOT EXISTS eval_run_signoffs
(
    run_id   String,
    reviewer String,
    note     String,
    at       DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (run_id, at);
