import type { FastifyInstance } from '@livegrade/runtime';
import { EvalRunError, type Repository, recordEvalRun, showEvalRun, signoffEvalRun } from '@livegrade/store';
import { z } from 'zod';
import { answer } from './answer.ts';
import { parseInput } from './request.ts';

const ms = z.number().int().nonnegative();
const count = z.number().int().nonnegative();
const rate = z.number().min(0).max(1);

const CaseRunBody = z.strictObject({
  attempt: z.number().int().positive(),
  label: z.string().nullable(),
  score: z.number().nullable(),
  passed: z.boolean(),
  error: z.string().nullable(),
  tries: count,
  timed_out: count,
  latency_ms: z.number().nonnegative(),
});

const CaseResultBody = z.strictObject({
  case_id: z.string().min(1),
  slice: z.string(),
  decision_type: z.string(),
  expected_label: z.string(),
  model_label: z.string(),
  times_seen: count,
  runs: z.array(CaseRunBody),
  passes: count,
  failures: count,
  errors: count,
  repeated: z.boolean(),
  same_wrong_label: z.boolean(),
});

const EvalRunBody = z.strictObject({
  id: z.string().min(1),
  started_at: ms,
  finished_at: ms,
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
  signoffs: z.array(z.strictObject({ reviewer: z.string().min(1), note: z.string(), at: ms })),
});

const RecordBody = z.strictObject({ run: EvalRunBody, results: z.array(CaseResultBody) });

const SignoffBody = z.strictObject({ reviewer: z.string(), note: z.string() });

const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

/**
 * Evaluation records over HTTP: the CLI writes a replay's record here while
 * an instance holds the store, and anyone can list, read and sign off runs.
 * A record is written once; sign-offs are appended.
 */
export function registerRuns(app: FastifyInstance, store: Repository) {
  // a record carries every run of every case: a large bank at k=5 outgrows the default body limit
  app.post('/v1/runs', { bodyLimit: 64 * 1024 * 1024 }, async (request, reply) => {
    const parsed = parseInput(RecordBody, request.body, 'record');
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    return answer(reply, [EvalRunError], async () => {
      const run = await recordEvalRun(store, parsed.value);
      reply.code(201);
      return { run };
    });
  });

  app.get('/v1/runs', async (request, reply) => {
    const parsed = parseInput(ListQuery, request.query, 'query');
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    return { runs: await store.evalRuns({ limit: parsed.value.limit }) };
  });

  app.get<{ Params: { id: string } }>('/v1/runs/:id', async (request, reply) =>
    answer(reply, [EvalRunError], () => showEvalRun(store, request.params.id)),
  );

  app.post<{ Params: { id: string } }>('/v1/runs/:id/signoff', async (request, reply) => {
    const parsed = parseInput(SignoffBody, request.body, 'sign-off');
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    return answer(reply, [EvalRunError], async () => ({
      run: await signoffEvalRun(store, request.params.id, parsed.value),
    }));
  });
}
