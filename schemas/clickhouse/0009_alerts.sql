-- Alerting (issue 5, DESIGN.md §7): what the alerter remembers between
-- evaluations, what it has to send, and the audit trail of both. None of
-- these tables holds a receiver's URL or a token: receivers are named, and
-- their secrets stay in the environment.

-- The state of each (rule, slice), rewritten whole by every evaluation that
-- changes it. ReplacingMergeTree(version) on that identity: reads with FINAL
-- see the latest write; a higher version wins, and of equal versions the last
-- inserted. The latest observation is kept in typed columns named as in
-- slice_metrics, so `SELECT ... FROM alert_state FINAL WHERE state = 'firing'`
-- shows the figures; window_end is NULL when the state has no observation.
-- No TTL: rows are bounded by rules × slices, and a TTL would drop an older
-- version's row and a newer one independently, so a deleted newer row could
-- bring an old state back.
CREATE TABLE IF NOT EXISTS alert_state
(
    rule                String,
    slice               String,
    state               LowCardinality(String),
    active_at           Nullable(DateTime64(3, 'UTC')),
    last_held_at        Nullable(DateTime64(3, 'UTC')),
    fired_at            Nullable(DateTime64(3, 'UTC')),
    resolved_at         Nullable(DateTime64(3, 'UTC')),
    notified_at         Nullable(DateTime64(3, 'UTC')),
    firing_notification String,
    window_start        Nullable(DateTime64(3, 'UTC')),
    window_end          Nullable(DateTime64(3, 'UTC')),
    value               Nullable(Float64),
    n                   UInt64,
    baseline            LowCardinality(String),
    baseline_value      Nullable(Float64),
    baseline_n          UInt64,
    p_value             Nullable(Float64),
    q_value             Nullable(Float64),
    effect              Nullable(Float64),
    degraded            Bool,
    -- by default the wall time (ms) of the write
    version             UInt64,
    updated_at          DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (rule, slice);

-- Each rule's watermark: the latest window end it evaluated; a window ending
-- at or before it is not evaluated again. ReplacingMergeTree(evaluated_at)
-- keeps the furthest mark, so a late job for an older window (a retry, a
-- backlog) never moves a watermark back.
CREATE TABLE IF NOT EXISTS alert_rule_progress
(
    rule         String,
    evaluated_at DateTime64(3, 'UTC'),
    updated_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(evaluated_at)
ORDER BY rule;

-- The outbox: every notification is written here before it is queued for
-- delivery, so the delivery worker reads what to send from the store, and a
-- notification queued to no one (a crash in between) is found again by
-- replaying those without a final delivery event (alert_events).
-- Ids are deterministic (rule, kind, window end): re-running an evaluation
-- writes the same id again, and ReplacingMergeTree(created_at) keeps one row.
-- body is the whole Notification as JSON; rule, kind, at and receivers are
-- copied out of it to be filtered on. TTL as alert_events, whose delivery
-- rows name these ids; the version is the TTL column, so no older version of
-- a row outlives a newer one.
CREATE TABLE IF NOT EXISTS alert_notifications
(
    id         String,
    created_at DateTime64(3, 'UTC'),
    rule       String,
    kind       LowCardinality(String),
    at         DateTime64(3, 'UTC'),
    receivers  Array(String),
    body       String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY id
TTL toDateTime(created_at) + INTERVAL 90 DAY DELETE;

-- The audit trail of alerting: transitions, notifications written,
-- suppressions, every delivery attempt and its outcome, silences added and
-- expired. Append-only. ORDER BY (rule, notification, at): the events of a
-- rule are one range of the key, those of one notification a range within
-- its rule's, and with few rules the notification column alone still skips
-- most granules. Bounded by a TTL of 90 days.
CREATE TABLE IF NOT EXISTS alert_events
(
    at           DateTime64(3, 'UTC'),
    kind         LowCardinality(String),
    rule         String,
    slice        String,
    notification String,
    receiver     LowCardinality(String),
    attempt      UInt32,
    outcome      LowCardinality(String),
    status       UInt16,
    detail       String,
    ref          String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (rule, notification, at)
TTL toDateTime(at) + INTERVAL 90 DAY DELETE;

-- Silences (wall time): a silence is expired by writing its row again with
-- ends_at = now, so ReplacingMergeTree(updated_at) on the id, read with
-- FINAL. Expired silences are kept for the record (`silences list
-- --expired`). No TTL: a TTL on ends_at would delete an expiring row before
-- the older row it replaces (whose ends_at is later), and the silence would
-- come back; silences are written by people, so the table stays small.
CREATE TABLE IF NOT EXISTS silences
(
    id         String,
    rule       String,
    slice      String,
    starts_at  DateTime64(3, 'UTC'),
    ends_at    DateTime64(3, 'UTC'),
    comment    String,
    created_by String,
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;
