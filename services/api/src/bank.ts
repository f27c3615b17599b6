import { type BankConfig, DEFAULT_CONFIG } from '@livegrade/core';
import type { FastifyInstance } from '@livegrade/runtime';
import { addCasesFromSql, BankError, captureBank, listBank, type Repository } from '@livegrade/store';
import { z } from 'zod';
import { answer } from './answer.ts';
import { parseInput } from './request.ts';

const AddBody = z.strictObject({ sql: z.string().min(1, 'sql is empty').max(100_000) });

const RetireBody = z.strictObject({
  reason: z.string().trim().min(1, 'reason is empty: say why the case no longer applies'),
  by: z.string().min(1).max(256).optional(),
});

/**
 * The regression bank over HTTP, for the CLI while an instance holds the
 * embedded store, and for release pipelines: list (with the bank version a
 * replay records), add by SQL, retire, and capture now. Request mistakes
 * come back as 400/403/404/409/422 with a message saying what to fix.
 */
export function registerBank(
  app: FastifyInstance,
  store: Repository,
  opts: { sliceBy: readonly string[]; bank?: Pick<BankConfig, 'capture_lookback'> },
) {
  const lookbackMs = (opts.bank ?? DEFAULT_CONFIG.bank).capture_lookback;

  app.get<{ Querystring: { all?: string } }>('/v1/bank/cases', async (request) => {
    const all = ['1', 'true'].includes(request.query.all ?? '');
    return listBank(store, { includeRetired: all });
  });

  app.post('/v1/bank/cases', async (request, reply) => {
    const parsed = parseInput(AddBody, request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    return answer(reply, [BankError], () => addCasesFromSql(store, parsed.value.sql, { sliceBy: opts.sliceBy }));
  });

  app.post<{ Params: { id: string } }>('/v1/bank/cases/:id/retire', async (request, reply) => {
    const parsed = parseInput(RetireBody, request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    const { reason, by } = parsed.value;
    return answer(reply, [BankError], async () => ({
      case: await store.retireCase(request.params.id, reason, by ?? 'api'),
    }));
  });

  app.post('/v1/bank/capture', async () => captureBank(store, { sliceBy: opts.sliceBy, lookbackMs }));
}
