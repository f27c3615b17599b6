import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

type Counts = Record<string, number>;

/** Shape of fixtures/reference.json, written by fixtures/generate.py (null = undefined result). */
export interface Reference {
  versions: Record<string, string>;
  cohenKappa: Array<{
    name: string;
    pairs: Array<[string, string, number]>;
    n: number;
    kappa: number | null;
    observed: number | null;
    expected: number | null;
  }>;
  fleiss: Array<{
    name: string;
    subjects: Counts[];
    pi: Array<number | null>;
    aggregate: { subjects: number; sumPi: number; categoryTotals: Counts };
    kappa: number | null;
    reference: string;
  }>;
  scoreBin: Array<{ score: number; bin: number }>;
  quantileEdges: Array<{ name: string; hist: number[]; parts: number; edges: number[]; rebinned: number[] }>;
  psi: Array<{ name: string; expected: number[]; actual: number[]; epsilon: number; psi: number | null }>;
  scorePsi: Array<{ name: string; baseline: number[]; current: number[]; edges: number[]; psi: number | null }>;
  kolmogorovSf: Array<{ lambda: number; sf: number }>;
  ksTwoSample: Array<{
    name: string;
    h1: number[];
    h2: number[];
    result: { d: number; pValue: number; n1: number; n2: number } | null;
    scipyAsympPValue?: number | null;
  }>;
  chiSquareHomogeneity: Array<{
    name: string;
    a: Counts;
    b: Counts;
    result: { statistic: number; df: number; pValue: number } | null;
  }>;
  jensenShannon: Array<{
    name: string;
    a: Counts;
    b: Counts;
    distance: number | null;
    distance60Digits: number | null;
  }>;
  twoProportionIncrease: Array<{
    name: string;
    x1: number;
    n1: number;
    x0: number;
    n0: number;
    result: { z: number; pValue: number } | null;
  }>;
  wilsonInterval: Array<{ x: number; n: number; confidence: number; low: number; high: number }>;
  benjaminiHochberg: Array<{ name: string; p: number[]; q: number[] }>;
}

export const reference: Reference = JSON.parse(
  readFileSync(new URL('./fixtures/reference.json', import.meta.url), 'utf8'),
) as Reference;

/** |actual − expected| ≤ rel · |expected| + abs; the message names the case. */
export function assertClose(actual: number, expected: number, what: string, rel = 1e-9, abs = 0): void {
  const tolerance = rel * Math.abs(expected) + abs;
  assert.ok(
    Number.isFinite(actual) && Math.abs(actual - expected) <= tolerance,
    `${what}: got ${actual}, expected ${expected} (tolerance ${tolerance})`,
  );
}

/** Finds a named case, so a renamed or dropped fixture fails instead of silently testing nothing. */
export function byName<T extends { name: string }>(cases: readonly T[], name: string): T {
  const found = cases.find((c) => c.name === name);
  assert.ok(found, `fixture ${name} is missing from reference.json`);
  return found;
}
