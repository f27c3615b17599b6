/**
 * Eval sets exported from production (docs/ARCHITECTURE.md §8, issue 7): real sampled
 * traces with their human labels, stratified by slice, with a share of hard
 * cases and a held-out split that never moves.
 */

import type { DecisionFacts } from '../decision.ts';

/** Why a trace counts as hard, in this order when it has several. */
export const HARD_REASONS = ['failure', 'override', 'thumbs_down'] as const;
export type HardReason = (typeof HARD_REASONS)[number];

/**
 * A sampled decision with a human label and a recorded input, as the store
 * returns it for export: everything the selection needs, but not the
 * payloads, which are read only for the items chosen.
 */
export interface EvalCandidate extends DecisionFacts {
  /** the human label: the latest senior review, else the latest review */
  human_label: string;
  /** empty for the stratified sample of successes */
  hard_reasons: HardReason[];
  /** the decision's sample_weight (1/p): how many production decisions it stands for */
  sample_weight: number;
}

/** The decision span's recorded payloads ('' when the attribute was not set). */
export interface EvalPayload {
  /** livegrade.input */
  input: string;
  /** livegrade.context */
  context: string;
  /** livegrade.output */
  output: string;
}

export type Split = 'dev' | 'holdout';

export interface EvalItem extends EvalCandidate, EvalPayload {
  split: Split;
  hard: boolean;
}

/** What an export is asked for; recorded in the manifest. */
export interface EvalsetParams {
  /** items wanted per slice, both splits together */
  per_slice: number;
  /** share of hard items within each split of a slice, [0, 1] */
  hard_share: number;
  /** share of a slice's items held out; also the hash threshold that decides which decisions may be, [0, 1] */
  holdout: number;
  seed: number;
  /** slice dimensions besides decision_type */
  slice_by: string[];
}

export interface SplitCount {
  hard: number;
  easy: number;
}

export interface SplitCounts {
  dev: SplitCount;
  holdout: SplitCount;
}

/** One slice's outcome: what was wanted, what was there to draw from, what was taken. */
export interface SliceReport {
  slice: string;
  wanted: SplitCounts;
  /** candidates eligible for each stratum (for a rotation: fresh ones only) */
  available: SplitCounts;
  items: SplitCounts;
  /** fewer items than wanted in some stratum; the shortfall is left empty, never filled from another stratum */
  too_small: boolean;
  /** e.g. "dev hard: 3 of 5" for each stratum short of its quota */
  short: string[];
  /** rotations only: dev items meant to be replaced and actually replaced, by hardness */
  rotation?: { wanted: SplitCount; replaced: SplitCount };
}

/** Decisions of a slice left out of the candidates, and why. */
export interface SliceExclusions {
  slice: string;
  /** sampled decisions in the window */
  sampled: number;
  /** without any review: nothing to compare against */
  no_human_label: number;
  /** labelled, but no kept decision span with livegrade.input */
  no_input: number;
}

/** The store's answer for an export window: the candidates, the exact SQL that found them, what was left out. */
export interface EvalCandidates {
  query: { sql: string; params: Record<string, unknown> };
  slice_by: string[];
  /** epoch ms, [from, to) */
  from: number;
  to: number;
  rows: EvalCandidate[];
  excluded: SliceExclusions[];
}
