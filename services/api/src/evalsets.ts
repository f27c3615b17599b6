import type { FastifyInstance } from '@livegrade/runtime';
import { EvalsetError, type Repository } from '@livegrade/store';
import { z } from 'zod';
import { answer } from './answer.ts';
import { parseInput, requestTime } from './request.ts';

const CandidatesBody = z.strictObject({
  from: requestTime,
  to: requestTime,
  slice_by: z
    .array(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a slice dimension is letters, digits, ".", "_" or "-"'))
    .optional(),
});

const PayloadsBody = z.strictObject({
  refs: z.array(z.strictObject({ decision_id: z.string().min(1), trace_id: z.string() })).max(10_000),
});

/**
 * Eval-set export over HTTP, for the CLI while an instance holds the
 * embedded store: the candidates of a window (with the SQL that found them
 * and what it left out), then the recorded payloads of the chosen ones.
 * Choosing and writing files stay with the caller.
 */
export function registerEvalsets(app: FastifyInstance, store: Repository, opts: { sliceBy: readonly string[] }) {
  app.post('/v1/evalsets/candidates', async (request, reply) => {
    const parsed = parseInput(CandidatesBody, request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    const { from, to, slice_by } = parsed.value;
    return answer(reply, [EvalsetError], () =>
      store.evalsetCandidates({ from, to, sliceBy: slice_by ?? opts.sliceBy }),
    );
  });

  app.post('/v1/evalsets/payloads', async (request, reply) => {
    const parsed = parseInput(PayloadsBody, request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    const payloads = await store.evalsetPayloads(parsed.value.refs);
    return { payloads: Object.fromEntries(payloads) };
  });
}
