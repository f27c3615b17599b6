/**
 * Counts reach these functions from stores and queries. A negative, NaN or
 * infinite count is an upstream bug, so it fails loudly here instead of turning
 * into a plausible-looking statistic that would feed an alert.
 */
export function assertCount(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${what} must be a finite non-negative count, got ${value}`);
  }
}

/** Rater counts in Fleiss' kappa are numbers of people, so fractions are as wrong as negatives. */
export function assertWholeCount(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer count, got ${value}`);
  }
}

export function assertHistogram(hist: readonly number[], what: string): number {
  let total = 0;
  for (const [i, v] of hist.entries()) {
    assertCount(v, `${what}[${i}]`);
    total += v;
  }
  return total;
}

/** Checks every count of a label → count map and returns their sum. */
export function assertCounts(counts: Readonly<Record<string, number>>, what: string): number {
  let total = 0;
  for (const [label, v] of Object.entries(counts)) {
    assertCount(v, `${what} for ${JSON.stringify(label)}`);
    total += v;
  }
  return total;
}

export function assertSameLength(a: readonly number[], b: readonly number[], what: string): void {
  if (a.length !== b.length) {
    throw new RangeError(`${what} must be histograms on the same bins, got ${a.length} and ${b.length} bins`);
  }
}

/** Union of the labels of two count maps, in first-seen order. */
export function labelUnion(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}
