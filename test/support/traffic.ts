import { type FlatSpan, seededRandom } from '@livegrade/core';

/**
 * Synthetic traces shaped like an instrumented support bot: a request span,
 * a decision span under it, and an LLM call under the decision. Deterministic
 * for a given seed, so tests and benchmarks see the same traffic.
 */
export interface TrafficOptions {
  traces: number;
  seed?: number;
  startMs?: number;
  /** share of decisions with ERROR status */
  errorRate?: number;
}

const TYPES = ['refund', 'change_address', 'cancel_order'];
const LANGS = ['en', 'hi', 'de', 'pt'];
const LABELS = ['approve', 'deny', 'escalate'];

/** the seeded sequence of every scenario (core's seededRandom) */
export const rng = seededRandom;

export function hexId(bytes: number, rand: () => number): string {
  let out = '';
  for (let i = 0; i < bytes; i++)
    out += Math.floor(rand() * 256)
      .toString(16)
      .padStart(2, '0');
  return out;
}

export interface GeneratedTrace {
  traceId: string;
  decisionId: string;
  decisionType: string;
  label: string;
  spans: FlatSpan[];
}

export function generateTraces(opts: TrafficOptions): GeneratedTrace[] {
  const rand = rng(opts.seed ?? 42);
  const start = opts.startMs ?? Date.now() - 60_000;
  const out: GeneratedTrace[] = [];
  for (let i = 0; i < opts.traces; i++) {
    const traceId = hexId(16, rand);
    const rootId = hexId(8, rand);
    const decisionSpanId = hexId(8, rand);
    const llmId = hexId(8, rand);
    const t0 = start + i;
    const type = TYPES[i % TYPES.length] as string;
    const label = LABELS[Math.floor(rand() * LABELS.length)] as string;
    const isError = rand() < (opts.errorRate ?? 0.05);
    const resource = { 'service.name': 'support-bot', 'service.version': '1.4.2', 'deployment.environment': 'test' };
    const common = {
      traceId,
      serviceName: 'support-bot',
      scopeName: 'support-bot',
      resourceAttributes: resource,
      statusMessage: '',
      events: [],
    };
    const decisionId = `dec-${traceId.slice(0, 12)}`;
    out.push({
      traceId,
      decisionId,
      decisionType: type,
      label,
      spans: [
        {
          ...common,
          spanId: rootId,
          parentSpanId: '',
          name: 'POST /chat',
          kind: 2,
          startMs: t0,
          endMs: t0 + 400,
          statusCode: 0,
          attributes: { 'http.request.method': 'POST', 'http.route': '/chat', 'http.response.status_code': 200 },
        },
        {
          ...common,
          spanId: decisionSpanId,
          parentSpanId: rootId,
          name: `decision ${type}`,
          kind: 1,
          startMs: t0 + 10,
          endMs: t0 + 310 + Math.floor(rand() * 200),
          statusCode: isError ? 2 : 0,
          statusMessage: isError ? 'model timeout' : '',
          attributes: {
            'livegrade.decision.id': decisionId,
            'livegrade.decision.type': type,
            'livegrade.decision.label': label,
            'livegrade.decision.score': Math.round(rand() * 1000) / 1000,
            'livegrade.model.version': 'm-2026-11',
            'livegrade.slice.language': LANGS[i % LANGS.length] as string,
            'livegrade.slice.segment': rand() < 0.2 ? 'enterprise' : 'smb',
            'livegrade.input': `customer message ${i}`,
            'gen_ai.request.model': 'support-llm',
            'gen_ai.usage.input_tokens': 100 + Math.floor(rand() * 400),
          },
        },
        {
          ...common,
          spanId: llmId,
          parentSpanId: decisionSpanId,
          name: 'chat support-llm',
          kind: 3,
          startMs: t0 + 20,
          endMs: t0 + 300,
          statusCode: 0,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'support-llm',
            'gen_ai.usage.output_tokens': 20 + Math.floor(rand() * 200),
            'server.address': 'llm.internal',
          },
        },
      ],
    });
  }
  return out;
}
