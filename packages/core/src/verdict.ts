import { z } from 'zod';

/**
 * A verdict is what a human said about a decision after the fact: user
 * feedback or a reviewer's label. It travels as JSON on the verdicts topic,
 * keyed by decision id. `id` makes re-deliveries idempotent; producers that do
 * not set one get one assigned before the event is written to the bus.
 */
const common = {
  id: z.string().min(1).max(128).optional(),
  decision_id: z.string().min(1).max(256),
  trace_id: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters')
    .optional(),
  ts: z.union([z.number().nonnegative(), z.iso.datetime({ offset: true })]).optional(),
};

export const FeedbackVerdict = z.object({
  ...common,
  kind: z.literal('feedback'),
  value: z.enum(['thumbs_down', 'thumbs_up', 'retry']),
  comment: z.string().max(4096).optional(),
});

export const ReviewVerdict = z.object({
  ...common,
  kind: z.literal('review'),
  reviewer_id: z.string().min(1).max(256),
  seniority: z.enum(['senior', 'junior']),
  label: z.string().min(1).max(256),
  rationale: z.string().max(8192).optional(),
});

export const VerdictEvent = z.discriminatedUnion('kind', [FeedbackVerdict, ReviewVerdict]);
export type VerdictEvent = z.infer<typeof VerdictEvent>;

/** Row of table `verdicts`. */
export interface VerdictRow {
  ts: number;
  verdict_id: string;
  decision_id: string;
  trace_id: string;
  kind: 'feedback' | 'review';
  value: string;
  reviewer_id: string;
  seniority: string;
  label: string;
  rationale: string;
}

/** Human-readable list of what is wrong, each issue prefixed with its field path. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseVerdict(input: unknown): ParseResult<VerdictEvent> {
  const r = VerdictEvent.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: describeIssues(r.error) };
}

export function toVerdictRow(v: VerdictEvent & { id: string }, receivedMs: number): VerdictRow {
  const ts = v.ts === undefined ? receivedMs : typeof v.ts === 'number' ? v.ts : Date.parse(v.ts);
  return {
    ts,
    verdict_id: v.id,
    decision_id: v.decision_id,
    trace_id: v.trace_id ?? '',
    kind: v.kind,
    value: v.kind === 'feedback' ? v.value : '',
    reviewer_id: v.kind === 'review' ? v.reviewer_id : '',
    seniority: v.kind === 'review' ? v.seniority : '',
    label: v.kind === 'review' ? v.label : '',
    rationale: v.kind === 'review' ? (v.rationale ?? '') : (v.comment ?? ''),
  };
}
