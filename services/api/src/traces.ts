import type { FastifyInstance } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';
import type { TraceResponse } from './read-models.ts';
import { iso, verdictView } from './slices.ts';

/** Trace ids are 32 hex digits in OTLP; anything far longer is not an id. */
const MAX_TRACE_ID = 256;

/**
 * GET /v1/traces/:trace_id: the spans of a kept trace and the verdicts on
 * its decisions. Only sampled traces are stored whole (sampled_spans), so
 * any other id is a 404 that says so.
 */
export function registerTraces(app: FastifyInstance, store: Pick<Repository, 'trace'>) {
  app.get<{ Params: { trace_id: string } }>('/v1/traces/:trace_id', async (request, reply) => {
    const traceId = request.params.trace_id.trim();
    if (traceId === '' || traceId.length > MAX_TRACE_ID) {
      return reply.code(400).send({ error: `trace_id: expected a trace id of 1 to ${MAX_TRACE_ID} characters` });
    }
    const found = await store.trace(traceId);
    if (!found) {
      return reply.code(404).send({
        error:
          `no sampled trace "${traceId}": only sampled traces are kept (failures, low scores, late feedback and ` +
          'a stratified sample of the rest), and this one was not, or has not been written yet',
      });
    }
    return {
      trace_id: traceId,
      spans: found.spans.map((s) => ({ ...s, ts: iso(s.ts) })),
      verdicts: found.verdicts.map((v) => ({ ...verdictView(v), decision_id: v.decision_id })),
    } satisfies TraceResponse;
  });
}
