import type { FlatSpan } from '@livegrade/core';
import { encodeTraces } from '@livegrade/otlp';
import { hexId, rng } from '../test/support/traffic.ts';

/**
 * Benchmark traffic: traces of 5 spans with ~10 attributes each (one decision
 * span per trace), packed 100–500 spans per Kafka message, as a Collector's
 * Kafka exporter batches them.
 */
export interface Dataset {
  messages: Array<{ key: string; value: Buffer }>;
  spans: number;
  decisions: number;
  bytes: number;
}

const TYPES = ['refund', 'change_address', 'cancel_order', 'escalate', 'upgrade'];
const LANGS = ['en', 'hi', 'de', 'pt', 'ja', 'es'];

function trace(rand: () => number, t0: number): FlatSpan[] {
  const traceId = hexId(16, rand);
  const resourceAttributes = { 'service.name': 'support-bot', 'service.version': '1.4.2', 'host.name': 'pod-7' };
  const base = {
    traceId,
    serviceName: 'support-bot',
    scopeName: 'support-bot',
    resourceAttributes,
    statusMessage: '',
    events: [],
  };
  const ids = Array.from({ length: 5 }, () => hexId(8, rand));
  const type = TYPES[Math.floor(rand() * TYPES.length)] as string;
  const http = {
    'http.request.method': 'POST',
    'http.route': '/chat',
    'http.response.status_code': 200,
    'url.scheme': 'https',
    'server.address': 'bot.internal',
    'server.port': 443,
    'user_agent.original': 'Mozilla/5.0',
    'client.address': '10.1.2.3',
    'network.protocol.version': '1.1',
    'session.id': hexId(8, rand),
  };
  const llm = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.system': 'openai',
    'gen_ai.request.model': 'support-llm',
    'gen_ai.request.temperature': 0.2,
    'gen_ai.request.max_tokens': 512,
    'gen_ai.usage.input_tokens': 100 + Math.floor(rand() * 900),
    'gen_ai.usage.output_tokens': 10 + Math.floor(rand() * 300),
    'gen_ai.response.finish_reasons': 'stop',
    'server.address': 'llm.internal',
    'gen_ai.response.id': hexId(12, rand),
  };
  return [
    {
      ...base,
      spanId: ids[0]!,
      parentSpanId: '',
      name: 'POST /chat',
      kind: 2,
      startMs: t0,
      endMs: t0 + 700,
      statusCode: 0,
      attributes: http,
    },
    {
      ...base,
      spanId: ids[1]!,
      parentSpanId: ids[0]!,
      name: `decision ${type}`,
      kind: 1,
      startMs: t0 + 5,
      endMs: t0 + 600,
      statusCode: rand() < 0.03 ? 2 : 0,
      attributes: {
        'livegrade.decision.type': type,
        'livegrade.decision.label': rand() < 0.5 ? 'approve' : 'deny',
        'livegrade.decision.score': Math.round(rand() * 1000) / 1000,
        'livegrade.model.version': 'm-2026-11',
        'livegrade.slice.language': LANGS[Math.floor(rand() * LANGS.length)] as string,
        'livegrade.slice.segment': rand() < 0.2 ? 'enterprise' : 'smb',
        'livegrade.input': 'Where is my refund for order 18291? It has been two weeks.',
        'livegrade.output': 'I have escalated your refund; you will hear back within 24 hours.',
        'gen_ai.request.model': 'support-llm',
        'gen_ai.usage.input_tokens': 412,
      },
    },
    {
      ...base,
      spanId: ids[2]!,
      parentSpanId: ids[1]!,
      name: 'chat support-llm',
      kind: 3,
      startMs: t0 + 10,
      endMs: t0 + 400,
      statusCode: 0,
      attributes: llm,
    },
    {
      ...base,
      spanId: ids[3]!,
      parentSpanId: ids[1]!,
      name: 'retrieve policy',
      kind: 3,
      startMs: t0 + 400,
      endMs: t0 + 450,
      statusCode: 0,
      attributes: { ...http, 'db.system': 'postgresql' },
    },
    {
      ...base,
      spanId: ids[4]!,
      parentSpanId: ids[1]!,
      name: 'chat support-llm',
      kind: 3,
      startMs: t0 + 450,
      endMs: t0 + 590,
      statusCode: 0,
      attributes: llm,
    },
  ];
}

export function buildDataset(targetSpans: number, seed = 1): Dataset {
  const rand = rng(seed);
  const messages: Dataset['messages'] = [];
  let spans = 0;
  let bytes = 0;
  let t0 = Date.now() - 3_600_000;
  while (spans < targetSpans) {
    const perMessage = 100 + Math.floor(rand() * 401);
    const traces = Math.max(1, Math.round(perMessage / 5));
    const batch: FlatSpan[] = [];
    for (let i = 0; i < traces; i++) {
      t0 += 3;
      batch.push(...trace(rand, t0));
    }
    const value = Buffer.from(encodeTraces(batch));
    messages.push({ key: batch[0]!.traceId, value });
    spans += batch.length;
    bytes += value.length;
  }
  return { messages, spans, decisions: spans / 5, bytes };
}

export { trace as benchTrace };
