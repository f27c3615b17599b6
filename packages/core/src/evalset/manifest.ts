import { z } from 'zod';
import { describeIssues } from '../verdict.ts';
import { compare } from './select.ts';
import type { EvalCandidates, EvalItem, EvalsetParams, SliceExclusions, SliceReport, SplitCounts } from './types.ts';

export const MANIFEST_FORMAT = 'livegrade.evalset/1';

/** How an export chose its items, in words, for whoever reads the manifest without the code. */
export const SELECTION_RULES = {
  candidates:
    'sampled decisions in [from, to) with a human label (the latest senior review, else the latest review) and a kept decision span with livegrade.input',
  hard: 'failure (error, fallback, retried or guardrail), override (human label differs from the model label) or a thumbs_down feedback; the rest are easy, from the stratified sample',
  quotas:
    'per slice: round(per_slice × holdout) held out, the rest dev; round(n × hard_share) of each split hard; a stratum short of its quota stays short (too_small), never filled from another',
  holdout:
    'a decision is held out iff the first 53 bits of sha256(decision_id) / 2^53 < holdout; held-out items are ranked by the next 53 bits, so the held-out set does not depend on the seed',
  weighting:
    'within a slice, split and hardness, items are drawn without replacement with probability proportional to sample_weight (1/p; Efraimidis–Spirakis keys -ln(1-u)/w): the set mirrors production traffic, not the sampler keep rate; dev draws come from the seed',
  rotation:
    'every held-out item is kept; per slice round(fraction × dev items) dev items, oldest first, are replaced by fresh dev candidates of the same hardness in the slice dev proportions; fresh = in no split of the previous set',
} as const;

export interface EvalsetManifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  /** ISO 8601 */
  created_at: string;
  /** the JSONL's file name, beside the manifest */
  file: string;
  /** `sha256:` + hex of the JSONL bytes */
  content_hash: string;
  items: number;
  /** the exact SQL that found the (fresh) candidates, with its parameters */
  query: EvalCandidates['query'];
  seed: number;
  params: Omit<EvalsetParams, 'seed'>;
  /** the resolved window the candidates come from (for a rotation: the fresh ones) */
  filters: { from: string; to: string };
  selection: typeof SELECTION_RULES;
  counts: SplitCounts & { slices: SliceReport[] };
  too_small: string[];
  excluded: { no_human_label: number; no_input: number; slices: SliceExclusions[] };
  /** items per model version that made the decision */
  model_versions: Record<string, number>;
  rotated_from: RotatedFrom | null;
}

export interface RotatedFrom {
  name: string;
  /** the previous manifest, as given to --rotate-from */
  manifest: string;
  content_hash: string;
  fraction: number;
  /** dev items replaced, and items carried over unchanged */
  replaced: number;
  kept: number;
  /** slices with fresh candidates that the previous set lacks: not added, to keep its proportions */
  new_slices: string[];
}

export interface ManifestInput {
  name: string;
  createdAt: number;
  file: string;
  contentHash: string;
  items: readonly EvalItem[];
  candidates: EvalCandidates;
  params: EvalsetParams;
  slices: SliceReport[];
  rotatedFrom: RotatedFrom | null;
}

export function buildManifest(m: ManifestInput): EvalsetManifest {
  const { seed, ...params } = m.params;
  const counts: SplitCounts = { dev: { hard: 0, easy: 0 }, holdout: { hard: 0, easy: 0 } };
  const versions = new Map<string, number>();
  for (const i of m.items) counts[i.split][i.hard ? 'hard' : 'easy']++;
  for (const i of m.items) versions.set(i.model_version, (versions.get(i.model_version) ?? 0) + 1);
  const excluded = m.candidates.excluded.filter((e) => e.no_human_label > 0 || e.no_input > 0);
  return {
    format: MANIFEST_FORMAT,
    name: m.name,
    created_at: new Date(m.createdAt).toISOString(),
    file: m.file,
    content_hash: m.contentHash,
    items: m.items.length,
    query: m.candidates.query,
    seed,
    params,
    filters: { from: new Date(m.candidates.from).toISOString(), to: new Date(m.candidates.to).toISOString() },
    selection: SELECTION_RULES,
    counts: { ...counts, slices: m.slices },
    too_small: m.slices.filter((s) => s.too_small).map((s) => s.slice),
    excluded: {
      no_human_label: excluded.reduce((n, e) => n + e.no_human_label, 0),
      no_input: excluded.reduce((n, e) => n + e.no_input, 0),
      slices: excluded,
    },
    model_versions: Object.fromEntries([...versions].sort(([a], [b]) => compare(a, b))),
    rotated_from: m.rotatedFrom,
  };
}

const PreviousManifest = z.looseObject({
  format: z.literal(MANIFEST_FORMAT),
  name: z.string().min(1),
  file: z.string().min(1),
  content_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256: and 64 hex digits'),
  seed: z.number().int(),
  params: z.object({
    per_slice: z.number().int().positive(),
    hard_share: z.number().min(0).max(1),
    holdout: z.number().min(0).max(1),
    slice_by: z.array(z.string()),
  }),
});

export type PreviousManifest = z.infer<typeof PreviousManifest>;

/** A manifest read back for a rotation; the error says which field is wrong. */
export function parseManifest(json: unknown): PreviousManifest {
  const parsed = PreviousManifest.safeParse(json);
  if (!parsed.success) throw new RangeError(`not an eval-set manifest: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
