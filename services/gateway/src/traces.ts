import { OtlpDecodeError, type OtlpFormat, splitByTrace } from '@livegrade/otlp';
import type { FastifyInstance } from '@livegrade/runtime';
import type { BusHandoff } from './bus-handoff.ts';
import { answerUnavailable } from './bus-unavailable.ts';
import type { GatewayStats } from './stats.ts';

const FORMAT_OF: Record<string, OtlpFormat> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

/**
 * POST /v1/traces, the OTLP/HTTP trace endpoint. Each trace becomes its own
 * Kafka message keyed by trace id, so all of a trace's spans meet in one
 * sampler even when one request carries many traces.
 */
export function registerTraces(
  app: FastifyInstance,
  bus: { handoff: BusHandoff; topic: string; retryAfterSeconds: number },
  stats: Pick<GatewayStats, 'spans' | 'traces'>,
) {
  app.post('/v1/traces', async (request, reply) => {
    const contentType =
      String(request.headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim()
        .toLowerCase() ?? '';
    const format = FORMAT_OF[contentType];
    if (!format) {
      return reply.code(415).send({
        error: `unsupported content-type "${contentType || '(none)'}": send application/x-protobuf or application/json`,
      });
    }
    const body = request.body as Buffer;
    let traces: ReturnType<typeof splitByTrace>;
    try {
      traces = splitByTrace(body, format);
    } catch (err) {
      if (err instanceof OtlpDecodeError) return reply.code(400).send({ error: err.message });
      throw err;
    }
    const written = await bus.handoff.send(
      bus.topic,
      traces.map((t) => ({ key: t.traceId, value: Buffer.from(t.payload) })),
    );
    if (!written) return answerUnavailable(reply, bus.retryAfterSeconds);
    stats.traces += traces.length;
    for (const t of traces) stats.spans += t.spanCount;
    // an empty ExportTraceServiceResponse means "all accepted" in either encoding
    return format === 'json'
      ? reply.code(200).type('application/json').send('{}')
      : reply.code(200).type('application/x-protobuf').send(Buffer.alloc(0));
  });
}
