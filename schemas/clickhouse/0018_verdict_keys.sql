-- The keys of verdict_facts (0016) alone (issue 18): scoring lists which of
-- a window's decisions have verdicts with `decision_key IN (...)`, and
-- reading the keys straight from verdicts, without FINAL or grouping them
-- into facts, cost that list ~60 ms less at 10M decisions. The same keys as
-- verdict_facts(from), since a verdict's versions share their ts and key:
-- the 5-minute slack below must stay 0016's, which
-- packages/store/src/slice-aggregates.test.ts checks at the boundary.
CREATE VIEW IF NOT EXISTS verdict_keys AS
SELECT DISTINCT decision_key
FROM verdicts
WHERE ts >= {from:DateTime64(3, 'UTC')} - INTERVAL 5 MINUTE;
