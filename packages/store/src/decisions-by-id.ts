/**
 * Decisions found by id (schemas/clickhouse/0014_decisions_by_id.sql, a
 * key-value table since 0017). decisions is ordered by (decision_type, ts,
 * decision_id), so an id alone prunes nothing there; decisions_by_id, an
 * EmbeddedRocksDB table keyed by id, gives back each decision's
 * (decision_type, ts) by point lookups, and decisions is then read by those.
 * A lookup costs about the same per id however many decisions are stored.
 *
 * `ids` is SQL yielding decision ids: a subquery, or `SELECT arrayJoin(...)`
 * of a parameter.
 */

/**
 * A condition on decisions (`alias` qualifying its columns) that holds for
 * the decisions with these ids: their whole sort key in a set, by which the
 * engine prunes decisions' granules (EXPLAIN indexes = 1: the primary key's
 * condition names the three columns).
 */
export function decisionKeyIn(ids: string, alias = ''): string {
  const c = alias ? `${alias}.` : '';
  return `(${c}decision_type, ${c}ts, ${c}decision_id) IN
    (SELECT decision_type, ts, decision_id FROM decisions_by_id WHERE decision_id IN (${ids}))`;
}

/**
 * SQL expressions of the time range of these decisions: from the earliest
 * to just after the latest; with no ids, an empty range from now. Both come
 * from one scalar subquery, which the engine runs once per query however
 * often the expressions appear.
 */
export function decisionTimesOf(ids: string): { from: string; to: string } {
  const range = `(SELECT (coalesce(minOrNull(ts), now64(3)),
      coalesce(maxOrNull(ts), toDateTime64(0, 3, 'UTC')) + INTERVAL 1 MILLISECOND)
    FROM decisions_by_id WHERE decision_id IN (${ids}))`;
  return { from: `${range}.1`, to: `${range}.2` };
}
