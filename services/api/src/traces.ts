import { RequestError } from '@livegrade/core';
import type { FastifyInstance } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';
import { z } from 'zod';
import type { TraceResponse } from './read-models.ts';
import type { RouteDoc } from './routes/docs.ts';
import { iso, verdictView } from './slices.ts';

/** Trace ids are 32 hex digits in OTLP; anything far longer is not an id. */
const MAX_TRACE_ID = 256;

/**
 * GET /v1/traces/:trace_id: the spans of a kept trace and the verdicts on
 * its decisions. Only sampled traces are stored whole (sampled_spans), so
 * any other id is a 404 that says so.
 */
export function registerTraces(app: FastifyInstance, store: Pick<Repository, 'trace'>): RouteDoc[] {
  app.get<{ Params: { trace_id: string } }>('/v1/traces/:trace_id', async (request) => {
    const traceId = request.params.trace_id.trim();
    if (traceId === '' || traceId.length > MAX_TRACE_ID) {
      const reason = `expected a trace id of 1 to ${MAX_TRACE_ID} characters`;
      throw new RequestError(`trace_id: ${reason}`, 'invalid', [{ name: 'trace_id', reason }]);
    }
    const found = await store.trace(traceId);
    if (!found) {
      throw new RequestError(
        `no sampled trace "${traceId}": only sampled traces are kept (failures, low scores, late feedback and ` +
          'a stratified sample of the rest), and this one was not, or has not been written yet',
        'not_found',
      );
    }
    return {
      trace_id: traceId,
      spans: found.spans.map((s) => ({ ...s, ts: iso(s.ts) })),
      verdicts: found.verdicts.map((v) => ({ ...verdictView(v), decision_id: v.decision_id })),
    } satisfies TraceResponse;
  });
  return [
    {
      method: 'GET',
      path: '/v1/traces/:trace_id',
      operationId: 'trace',
      summary: 'The spans of a kept trace and the verdicts on its decisions',
      input: z.object({ trace_id: z.string().min(1).max(MAX_TRACE_ID) }),
      status: 200,
    },
  ];
}
