/**
 * Eval sets exported from production (DESIGN.md §8, issue 7). The evalset
 * helper owns this file and may refine these shapes; these are the starting
 * contract between the store query, the selection and the files written.
 */

/** Why a trace counts as hard. */
export type HardReason = 'failure' | 'override' | 'thumbs_down';

/** A sampled decision with a human label, as the store returns it for export. */
export interface EvalCandidate {
  decision_id: string;
  trace_id: string;
  /** epoch ms */
  ts: number;
  decision_type: string;
  slice: string;
  slices: Record<string, string>;
  model_version: string;
  /** the model's label */
  model_label: string;
  /** the human label: the latest senior review, else the latest review */
  human_label: string;
  input: string;
  context: string;
  output: string;
  /** empty for the stratified sample of successes */
  hard_reasons: HardReason[];
  /** the trace's sample_weight (1/p) */
  sample_weight: number;
}

export type Split = 'dev' | 'holdout';

export interface EvalItem extends EvalCandidate {
  split: Split;
  hard: boolean;
}
