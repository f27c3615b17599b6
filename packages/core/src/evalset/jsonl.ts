import { z } from 'zod';
import { describeIssues } from '../verdict.ts';
import { sha256Text } from './hash.ts';
import { compare } from './select.ts';
import { type EvalItem, HARD_REASONS } from './types.ts';

/**
 * An eval set's items as JSONL: one item per line, sorted by slice, split and
 * decision id, keys in a fixed order and `ts` as ISO 8601, so the same items
 * give the same bytes (and content hash) on every machine.
 */
export function evalsetJsonl(items: readonly EvalItem[]): string {
  const sorted = [...items].sort(
    (a, b) => compare(a.slice, b.slice) || compare(a.split, b.split) || compare(a.decision_id, b.decision_id),
  );
  return sorted.map((i) => `${JSON.stringify(line(i))}\n`).join('');
}

/** The content hash a manifest records: `sha256:` + hex of the JSONL bytes. */
export function contentHash(jsonl: string | Uint8Array): string {
  return sha256Text(jsonl);
}

function line(i: EvalItem) {
  return {
    decision_id: i.decision_id,
    trace_id: i.trace_id,
    ts: new Date(i.ts).toISOString(),
    decision_type: i.decision_type,
    slice: i.slice,
    slices: Object.fromEntries(Object.entries(i.slices).sort(([a], [b]) => compare(a, b))),
    split: i.split,
    hard: i.hard,
    hard_reasons: HARD_REASONS.filter((r) => i.hard_reasons.includes(r)),
    human_label: i.human_label,
    model_label: i.model_label,
    model_version: i.model_version,
    sample_weight: i.sample_weight,
    input: i.input,
    context: i.context,
    output: i.output,
  };
}

const Line = z.strictObject({
  decision_id: z.string().min(1),
  trace_id: z.string(),
  ts: z.iso.datetime(),
  decision_type: z.string(),
  slice: z.string(),
  slices: z.record(z.string(), z.string()),
  split: z.enum(['dev', 'holdout']),
  hard: z.boolean(),
  hard_reasons: z.array(z.enum(HARD_REASONS)),
  human_label: z.string(),
  model_label: z.string(),
  model_version: z.string(),
  sample_weight: z.number(),
  input: z.string(),
  context: z.string(),
  output: z.string(),
});

/** Reads an eval set's JSONL back; the error names the line and what is wrong with it. */
export function parseEvalsetJsonl(text: string): EvalItem[] {
  const items: EvalItem[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    if (raw === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      throw new RangeError(`line ${n + 1}: not JSON (${(err as Error).message})`);
    }
    const parsed = Line.safeParse(json);
    if (!parsed.success) throw new RangeError(`line ${n + 1}: ${describeIssues(parsed.error)}`);
    items.push({ ...parsed.data, ts: Date.parse(parsed.data.ts) });
  }
  return items;
}
