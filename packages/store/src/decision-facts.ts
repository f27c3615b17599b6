/**
 * The decision facts (schemas/clickhouse/0013_decision_facts.sql, rebuilt in
 * 0016): the one definition of what failed, what the human label is and what
 * an override is, per decision of a time range. The dashboard's failure list,
 * the bank, eval sets and the SQL of an alert read the view; scoring reads its
 * verdict half, the view verdict_facts it is built from (0016), so none of
 * them spells those rules, or the verdict slack, again.
 */

/** Far enough for "no upper bound", near enough for DateTime64(3), which ends in 2299. */
export const OPEN_END_MS = Date.UTC(2200, 0, 1);

/**
 * The view over [from, to), aliased `d` (as dimensionExpr and the slice
 * conditions expect). `from` and `to` are SQL expressions of a time: a
 * query parameter, a literal, or a scalar subquery.
 */
export function decisionFactsOver(from: string, to: string): string {
  return `decision_facts(from = ${from}, to = ${to}) AS d`;
}

/** The view over [from, to) given as Int64 epoch-ms query parameters of these names. */
export function decisionFactsBetweenParams(fromParam = 'from', toParam = 'to'): string {
  return decisionFactsOver(
    `fromUnixTimestamp64Milli({${fromParam}:Int64})`,
    `fromUnixTimestamp64Milli({${toParam}:Int64})`,
  );
}

/**
 * The verdict half of the decision facts (0016): one row per decision_key
 * with verdicts that judge decisions from `from` on (thumbs_down, reviews,
 * review_signature, reference_label). `from` is an SQL expression of a time.
 */
export function verdictFactsFrom(from: string): string {
  return `verdict_facts(from = ${from})`;
}

/** The decision keys verdict_facts(from) has rows for (0018), without the facts. */
export function verdictKeysFrom(from: string): string {
  return `verdict_keys(from = ${from})`;
}
