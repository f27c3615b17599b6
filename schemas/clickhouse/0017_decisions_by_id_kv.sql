-- decisions_by_id as a key-value table (issue 18). 0014 kept each
-- decision's key in a MergeTree ordered by id. A lookup there reads one
-- granule per id and per part, since the index cannot tell which part holds
-- an id: 10,000 ids in 10M keys over 5 parts read 41,076 granules and took
-- ~245 ms against ~60 ms at 1M, which kept bank capture growing with the
-- store (bench/bank.ts). EmbeddedRocksDB answers `decision_id IN (...)` by
-- point lookups: 36 ms for the same ids at 10M.
--
-- optimize_for_bulk_insert = 0: the sampler's inserts are a few thousand
-- rows each, and writing each as an SST file of its own cost a decisions
-- insert ~80% more (60 inserts of 1,000 rows: 1.3 s against 0.73 s without
-- the view), where writing them through RocksDB's memtable costs ~20%, less
-- than 0014's view (~40%).
--
-- The same name and columns, so decisions-by-id.ts reads it as before.
-- Filled by the view below from every insert into decisions; a key written
-- twice (a replayed batch, a promotion) is overwritten with the same value.
-- Retention as before: `ALTER TABLE decisions_by_id DELETE WHERE ts < ...`.
--
-- A limit: EmbeddedRocksDB lives on one server's disk and is not
-- replicated. On a replicated cluster this table (and its view) must be made
-- per replica, as it is here per store; ClickHouse Cloud does not offer the
-- engine (README, Production mode).
--
-- The 0014 table is dropped, with its view, before the new one is filled
-- from decisions itself; migrations run before any service writes.
DROP VIEW IF EXISTS decisions_by_id_from_decisions;

DROP TABLE IF EXISTS decisions_by_id;

CREATE TABLE IF NOT EXISTS decisions_by_id
(
    decision_id   String,
    decision_type LowCardinality(String),
    ts            DateTime64(3, 'UTC')
)
ENGINE = EmbeddedRocksDB
PRIMARY KEY decision_id
SETTINGS optimize_for_bulk_insert = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS decisions_by_id_from_decisions TO decisions_by_id AS
SELECT decision_id, decision_type, ts
FROM decisions;

INSERT INTO decisions_by_id (decision_id, decision_type, ts)
SELECT decision_id, decision_type, ts
FROM decisions;
