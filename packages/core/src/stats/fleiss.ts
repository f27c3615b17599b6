import { assertCount, assertWholeCount } from './validate.ts';

/** One subject's contribution: P_i and its number of ratings n_i. */
export interface FleissTerms {
  pi: number;
  ratings: number;
}

/** What the scorer sums per slice inside ClickHouse, over subjects with at least two ratings. */
export interface FleissAggregate {
  /** Number of subjects that contributed a P_i (those with ≥ 2 ratings). */
  subjects: number;
  /** Σ P_i over those subjects. */
  sumPi: number;
  /** Ratings per category summed over the same subjects. */
  categoryTotals: Readonly<Record<string, number>>;
}

/**
 * Per-subject agreement of Fleiss' kappa (Fleiss 1971): the share of ordered
 * pairs of its ratings that agree, P_i = (Σ_j n_ij² − n_i) / (n_i (n_i − 1)).
 * null below two ratings, where no pair exists. Kept separate from the
 * combination step so the sums can be taken in the store.
 */
export function fleissTerms(counts: Readonly<Record<string, number>>): FleissTerms | null {
  let ratings = 0;
  let squares = 0;
  for (const [label, c] of Object.entries(counts)) {
    assertWholeCount(c, `ratings for ${JSON.stringify(label)}`);
    ratings += c;
    squares += c * c;
  }
  if (ratings < 2) return null;
  return { pi: (squares - ratings) / (ratings * (ratings - 1)), ratings };
}

/**
 * Fleiss' kappa from aggregated terms: P̄ = sumPi / subjects, p_j = category
 * share of all ratings, P̄_e = Σ p_j², κ = (P̄ − P̄_e) / (1 − P̄_e).
 *
 * The number of ratings may vary between subjects: P̄ averages the per-subject
 * P_i and p_j pools all ratings. With equal ratings per subject this is exactly
 * Fleiss' formula; with unequal ratings it is the natural generalisation (no
 * library implements it, statsmodels asserts equal ratings).
 *
 * null when undefined: no subjects, or all ratings in one category (P̄_e = 1).
 * References: Wikipedia "Fleiss' kappa" worked example (κ ≈ 0.210);
 * statsmodels.stats.inter_rater.fleiss_kappa(method='fleiss').
 */
export function fleissKappa(s: FleissAggregate): number | null {
  assertWholeCount(s.subjects, 'subjects');
  // Each P_i lies in [0, 1]; the slack only absorbs rounding of a sum taken elsewhere.
  if (!(s.sumPi >= 0 && s.sumPi <= s.subjects * (1 + 1e-9))) {
    throw new RangeError(`sumPi must lie in [0, subjects = ${s.subjects}], got ${s.sumPi}`);
  }
  let total = 0;
  let used = 0;
  for (const [label, t] of Object.entries(s.categoryTotals)) {
    assertCount(t, `category total for ${JSON.stringify(label)}`);
    total += t;
    if (t > 0) used++;
  }
  // One used category means P̄_e = 1 exactly; testing that on the float sum could miss it.
  if (s.subjects === 0 || used < 2) return null;
  let expected = 0;
  for (const t of Object.values(s.categoryTotals)) expected += (t / total) ** 2;
  const observed = s.sumPi / s.subjects;
  return (observed - expected) / (1 - expected);
}

/** Fleiss' kappa of per-subject category counts; subjects with fewer than two ratings are skipped. */
export function fleissKappaOf(subjects: ReadonlyArray<Readonly<Record<string, number>>>): number | null {
  let used = 0;
  let sumPi = 0;
  const categoryTotals: Record<string, number> = {};
  for (const counts of subjects) {
    const terms = fleissTerms(counts);
    if (terms === null) continue;
    used++;
    sumPi += terms.pi;
    for (const [label, c] of Object.entries(counts)) categoryTotals[label] = (categoryTotals[label] ?? 0) + c;
  }
  return fleissKappa({ subjects: used, sumPi, categoryTotals });
}
