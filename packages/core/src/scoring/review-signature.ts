import { fleissTerms } from '../stats/index.ts';
import { type LabelCounts, PAIR_SEPARATOR, type SliceAggregate } from './types.ts';

/**
 * A decision's reviews, reduced to what scoring needs: each review's
 * seniority (S or J) and label, in time order, joined by REVIEW_SEPARATOR,
 * e.g. `Jdeny\u001eSapprove`. The store counts decisions per (model label,
 * signature) in a slice (slice-aggregates.ts); there are few distinct
 * signatures, so every review metric is derived here, once per signature,
 * instead of once per decision inside the scan.
 */
export const REVIEW_SEPARATOR = '\u001e';

export interface Review {
  senior: boolean;
  label: string;
}

export function parseReviewSignature(signature: string): Review[] {
  if (signature === '') return [];
  return signature.split(REVIEW_SEPARATOR).map((r) => ({ senior: r[0] === 'S', label: r.slice(1) }));
}

export type ReviewFields = Pick<
  SliceAggregate,
  | 'reviewed'
  | 'overridden'
  | 'senior_pairs'
  | 'reviewer_pairs'
  | 'multi_reviewed'
  | 'multi_sum_pi'
  | 'multi_label_totals'
  | 'max_reviews'
>;

/**
 * Folds `model label␟signature → decisions` into a slice's review fields:
 * the reference review is the latest senior one, else the latest one; an
 * override is a reference label that differs from the model's.
 */
export function reviewFields(counts: LabelCounts): ReviewFields {
  const out: ReviewFields = {
    reviewed: 0,
    overridden: 0,
    senior_pairs: {},
    reviewer_pairs: {},
    multi_reviewed: 0,
    multi_sum_pi: 0,
    multi_label_totals: {},
    max_reviews: 0,
  };
  const add = (m: LabelCounts, key: string, n: number) => {
    m[key] = (m[key] ?? 0) + n;
  };
  for (const [key, n] of Object.entries(counts)) {
    const cut = key.indexOf(PAIR_SEPARATOR);
    const label = key.slice(0, cut);
    const reviews = parseReviewSignature(key.slice(cut + PAIR_SEPARATOR.length));
    if (reviews.length === 0) continue;
    const lastSenior = reviews.filter((r) => r.senior).at(-1);
    const reference = lastSenior ?? reviews.at(-1)!;
    out.reviewed += n;
    if (reference.label !== label) out.overridden += n;
    out.max_reviews = Math.max(out.max_reviews, reviews.length);
    if (lastSenior) add(out.senior_pairs, `${label}${PAIR_SEPARATOR}${lastSenior.label}`, n);
    if (reviews.length === 2) add(out.reviewer_pairs, `${reviews[0]!.label}${PAIR_SEPARATOR}${reviews[1]!.label}`, n);
    if (reviews.length >= 2) {
      const labels: LabelCounts = {};
      for (const r of reviews) add(labels, r.label, 1);
      out.multi_reviewed += n;
      out.multi_sum_pi += fleissTerms(labels)!.pi * n;
      for (const [l, c] of Object.entries(labels)) add(out.multi_label_totals, l, c * n);
    }
  }
  return out;
}
