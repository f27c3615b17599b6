/**
 * The input of every operation, as one zod schema each. The same schema
 * validates a call on the store, a request to the API (path parameters,
 * query and body merged into one object), and is what /openapi.json
 * documents, so the three cannot drift.
 */
import { z } from 'zod';

/** A time: epoch ms, or ISO 8601 with a zone. */
export const Time = z
  .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .transform((t) => (typeof t === 'number' ? t : Date.parse(t)));

/** A switch that may arrive from a query string ("1", "true", "yes") or as a boolean. */
const Switch = z
  .union([z.boolean(), z.enum(['1', 'true', 'yes', '0', 'false', 'no', ''])])
  .optional()
  .transform((v) => v === true || v === '1' || v === 'true' || v === 'yes');

const Id = (what: string) => z.string().min(1, `${what} is empty`);

const nonNegativeMs = z.number().int().nonnegative();
const count = z.number().int().nonnegative();
const rate = z.number().min(0).max(1);

export const SqlInput = z.strictObject({
  query: z.string().min(1, 'query is empty').max(100_000),
  format: z.enum(['json', 'csv', 'tsv']).default('json'),
});

export const NoInput = z.object({});

export const BaselineName = z.strictObject({ name: Id('name') });

export const RegisterBaselineInput = z.strictObject({
  name: z.string().min(1, 'name is empty'),
  from: Time,
  to: Time,
  model_version: z.string().optional(),
  activate: z.boolean().default(false),
});

export const ListInput = z.object({ all: Switch });

export const AddSilenceInput = z.strictObject({
  rule: z.string().trim().min(1, 'name a rule, or * for every rule'),
  slice: z.string().trim().min(1, 'name a slice such as language=hi, or * for every slice'),
  for: z.string().trim().min(1, 'give a duration such as 2h'),
  comment: z.string().trim().min(1, 'say why the alert is silenced'),
  created_by: z.string().trim().optional(),
});

export const SilenceId = z.strictObject({ id: Id('id') });

export const AddBankCasesInput = z.strictObject({ sql: z.string().min(1, 'sql is empty').max(100_000) });

export const RetireCaseInput = z.strictObject({
  id: Id('id'),
  reason: z.string().trim().min(1, 'reason is empty: say why the case no longer applies'),
  by: z.string().min(1).max(256).optional(),
});

const CaseRun = z.strictObject({
  attempt: z.number().int().positive(),
  label: z.string().nullable(),
  score: z.number().nullable(),
  passed: z.boolean(),
  error: z.string().nullable(),
  tries: count,
  timed_out: count,
  latency_ms: z.number().nonnegative(),
});

const CaseResult = z.strictObject({
  case_id: z.string().min(1),
  slice: z.string(),
  decision_type: z.string(),
  expected_label: z.string(),
  model_label: z.string(),
  times_seen: count,
  runs: z.array(CaseRun),
  passes: count,
  failures: count,
  errors: count,
  repeated: z.boolean(),
  same_wrong_label: z.boolean(),
});

const EvalRun = z.strictObject({
  id: z.string().min(1),
  started_at: nonNegativeMs,
  finished_at: nonNegativeMs,
  target: z.string().min(1),
  model_version: z.string(),
  bank_version: z.string().min(1),
  params: z.strictObject({
    k: z.number().int().positive(),
    concurrency: z.number().int().positive(),
    slice_bar: rate,
    timeout_ms: z.number().int().positive(),
    retries: count,
  }),
  cases: count,
  overall: z.strictObject({ pass_rate: rate, pass_k: rate, repeated: count }),
  slices: z.array(
    z.strictObject({
      slice: z.string(),
      cases: count,
      pass_rate: rate,
      pass_k: rate,
      repeated: count,
      below_bar: z.boolean(),
    }),
  ),
  worst_slice: z.string().nullable(),
  verdict: z.enum(['pass', 'fail', 'error']),
  reasons: z.array(z.string()),
  transport: z.strictObject({ requests: count, retries: count, timeouts: count, errors: count }),
  signoffs: z.array(z.strictObject({ reviewer: z.string().min(1), note: z.string(), at: nonNegativeMs })),
});

export const RecordRunInput = z.strictObject({ run: EvalRun, results: z.array(CaseResult) });

export const ListRunsInput = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

export const RunId = z.strictObject({ id: Id('id') });

export const SignoffInput = z.strictObject({ id: Id('id'), reviewer: z.string(), note: z.string() });

export const EvalsetCandidatesInput = z.strictObject({
  from: Time,
  to: Time,
  slice_by: z
    .array(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a slice dimension is letters, digits, ".", "_" or "-"'))
    .optional(),
});

export const EvalsetPayloadsInput = z.strictObject({
  refs: z.array(z.strictObject({ decision_id: z.string().min(1), trace_id: z.string() })).max(10_000),
});
