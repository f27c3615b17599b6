import { assertHistogram } from './validate.ts';

/**
 * Scores live in [0, 1] and are stored as a fine histogram of this many equal
 * bins, fine enough that coarse bins (deciles of a baseline) can be cut from it
 * later without going back to raw scores.
 */
export const SCORE_BINS = 100;

/**
 * Fine bin of a score: bin i is [i/100, (i+1)/100) with its edges taken as the
 * doubles i/100; 1.0 falls in the last bin. A plain floor(score · 100) is off by
 * one at some edges (0.29 · 100 = 28.999…96), which would put a score equal to
 * a bin's lower edge into the bin below.
 */
export function scoreBin(score: number): number {
  if (!(score >= 0 && score <= 1)) throw new RangeError(`score must be in [0, 1], got ${score}`);
  let i = Math.min(Math.floor(score * SCORE_BINS), SCORE_BINS - 1);
  // The product is off by at most one ulp, so one step corrects it.
  if (i < SCORE_BINS - 1 && score >= (i + 1) / SCORE_BINS) i++;
  else if (score < i / SCORE_BINS) i--;
  return i;
}

/**
 * Cut points (fine-bin indices, strictly increasing, in 1..length−1) splitting
 * a histogram into about `parts` equal-mass coarse bins: the k-th cut sits just
 * above the fine bin holding the k/parts quantile, taken as the inverse of the
 * empirical CDF (Hyndman & Fan 1996, definition 1: the ⌈k·n/parts⌉-th smallest
 * value). Cuts that coincide collapse and a cut above the last bin is dropped,
 * so mass concentrated in few fine bins yields fewer coarse bins. An empty
 * histogram has no cuts.
 */
export function quantileEdges(hist: readonly number[], parts = 10): number[] {
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  const total = assertHistogram(hist, 'hist');
  const edges: number[] = [];
  if (total === 0) return edges;
  let k = 1;
  let cumulative = 0;
  for (let i = 0; i < hist.length - 1 && k < parts; i++) {
    cumulative += hist[i]!;
    // cumulative / total ≥ k / parts, cross-multiplied so integer counts compare exactly
    if (cumulative * parts >= k * total) {
      edges.push(i + 1);
      while (k < parts && cumulative * parts >= k * total) k++;
    }
  }
  return edges;
}

/** Sums fine bins into the coarse bins [0, e₀), [e₀, e₁), …, [e_last, length). */
export function rebin(hist: readonly number[], edges: readonly number[]): number[] {
  assertHistogram(hist, 'hist');
  for (const [j, e] of edges.entries()) {
    const previous = j === 0 ? 0 : edges[j - 1]!;
    if (!Number.isInteger(e) || e <= previous || e >= hist.length) {
      throw new RangeError(`edges must be strictly increasing integers in 1..${hist.length - 1}, got ${e} at ${j}`);
    }
  }
  const coarse = new Array<number>(edges.length + 1).fill(0);
  let j = 0;
  for (const [i, v] of hist.entries()) {
    while (j < edges.length && i >= edges[j]!) j++;
    coarse[j]! += v;
  }
  return coarse;
}
