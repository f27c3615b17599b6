import type { FlatSpan } from '@livegrade/core';
import { encodeTraces } from '@livegrade/otlp';
import { hexId, rng } from '../test/support/traffic.ts';

/**
 * Benchmark traffic, shaped like an instrumented support bot. A trace is a
 * request span with ~10 HTTP attributes and a decision span under it with ~10
 * livegrade and GenAI attributes; the 'full' shape adds an LLM call, a
 * retrieval and a second LLM call under the decision (5 spans).
 *
 * The slice mix is skewed, as production traffic is: decision types and
 * languages have very different volumes, so stratified sampling thins the
 * big slices and keeps the rare ones whole. ~3% of decisions fail (ERROR
 * status) and ~1% score below the default keep_always.score_below (0.2):
 * both are kept whatever the slice's rate.
 */
export type TraceShape = 'small' | 'full';

const TYPES = weighted([
  ['refund', 45],
  ['change_address', 25],
  ['cancel_order', 15],
  ['escalate', 10],
  ['upgrade', 5],
]);
const LANGS = weighted([
  ['en', 60],
  ['es', 15],
  ['de', 10],
  ['pt', 8],
  ['hi', 5],
  ['ja', 2],
]);
export const FAILURE_RATE = 0.03;
export const LOW_SCORE_RATE = 0.01;

function weighted(entries: Array<[string, number]>): (rand: () => number) => string {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  return (rand) => {
    let r = rand() * total;
    for (const [v, w] of entries) {
      r -= w;
      if (r < 0) return v;
    }
    return entries[0]![0];
  };
}

function trace(rand: () => number, t0: number, shape: TraceShape = 'full'): FlatSpan[] {
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
  const rootId = hexId(8, rand);
  const decisionSpanId = hexId(8, rand);
  const type = TYPES(rand);
  const failed = rand() < FAILURE_RATE;
  const score = rand() < LOW_SCORE_RATE ? rand() * 0.2 : 0.2 + rand() * 0.8;
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
  const spans: FlatSpan[] = [
    {
      ...base,
      spanId: rootId,
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
      spanId: decisionSpanId,
      parentSpanId: rootId,
      name: `decision ${type}`,
      kind: 1,
      startMs: t0 + 5,
      endMs: t0 + 600,
      statusCode: failed ? 2 : 0,
      statusMessage: failed ? 'model timeout' : '',
      attributes: {
        'livegrade.decision.type': type,
        'livegrade.decision.label': rand() < 0.5 ? 'approve' : 'deny',
        'livegrade.decision.score': Math.round(score * 1000) / 1000,
        'livegrade.model.version': 'm-2026-11',
        'livegrade.slice.language': LANGS(rand),
        'livegrade.slice.segment': rand() < 0.2 ? 'enterprise' : 'smb',
        'livegrade.input': 'Where is my refund for order 18291? It has been two weeks.',
        'livegrade.output': 'I have escalated your refund; you will hear back within 24 hours.',
        'gen_ai.request.model': 'support-llm',
        'gen_ai.usage.input_tokens': 412,
      },
    },
  ];
  if (shape === 'small') return spans;

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
  const child = (name: string, startMs: number, endMs: number, attributes: FlatSpan['attributes']): FlatSpan => ({
    ...base,
    spanId: hexId(8, rand),
    parentSpanId: decisionSpanId,
    name,
    kind: 3,
    startMs,
    endMs,
    statusCode: 0,
    attributes,
  });
  spans.push(
    child('chat support-llm', t0 + 10, t0 + 400, llm),
    child('retrieve policy', t0 + 400, t0 + 450, { ...http, 'db.system': 'postgresql' }),
    child('chat support-llm', t0 + 450, t0 + 590, llm),
  );
  return spans;
}

/** messages per batch of traceMessages, unless told: one producer send each */
export const TRACES_PER_BATCH = 500;

export interface TraceMessage {
  key: string;
  value: Buffer;
}

/** An encoded trace and where its ids sit in it, so copies can be given fresh ids without encoding again. */
interface Template {
  value: Buffer;
  spans: number;
  traceIdAt: number[];
  /** per span: every offset of its span id (its own, and its children's parent id) */
  spanIdAt: number[][];
}

function occurrences(haystack: Buffer, hex: string): number[] {
  const needle = Buffer.from(hex, 'hex');
  const out: number[] = [];
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) out.push(at);
  return out;
}

function templateOf(spans: FlatSpan[]): Template {
  const value = Buffer.from(encodeTraces(spans));
  const traceIdAt = occurrences(value, spans[0]!.traceId);
  if (traceIdAt.length !== spans.length) throw new Error('trace id found a wrong number of times in its encoding');
  const spanIdAt = spans.map((s) => {
    const at = occurrences(value, s.spanId);
    const children = spans.filter((c) => c.parentSpanId === s.spanId).length;
    if (at.length !== 1 + children) throw new Error('span id found a wrong number of times in its encoding');
    return at;
  });
  return { value, spans: spans.length, traceIdAt, spanIdAt };
}

/**
 * `count` distinct traces as Kafka messages, one trace per message keyed by
 * its trace id (what the SDK and the Collector's partition_traces_by_id
 * send), in batches of `perBatch` so a producer sends several at once.
 *
 * Encoding a trace costs ~80 µs of JavaScript here (more than the sampler
 * spends on it), so a million would take longer to make than to measure.
 * Instead `pool` traces are generated and encoded once, and each message is
 * a copy of one picked at random with a fresh random trace id and span ids
 * written into it: every message is a distinct trace with a realistic mix,
 * and the sampler still decodes every byte. Lazy: a million traces are
 * never all in memory.
 */
export function* traceMessages(
  count: number,
  opts: { seed?: number; shape?: TraceShape; perBatch?: number; pool?: number } = {},
): Generator<{ messages: TraceMessage[]; spans: number; bytes: number }> {
  const rand = rng(opts.seed ?? 1);
  const perBatch = opts.perBatch ?? TRACES_PER_BATCH;
  const t0 = Date.now() - 3_600_000;
  const templates: Template[] = [];
  for (let i = 0; i < (opts.pool ?? 4096); i++)
    templates.push(templateOf(trace(rand, t0 + i * 7, opts.shape ?? 'small')));
  const u32 = () => Math.floor(rand() * 4294967296);
  for (let done = 0; done < count; ) {
    const n = Math.min(perBatch, count - done);
    const messages: TraceMessage[] = [];
    let spans = 0;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const t = templates[Math.floor(rand() * templates.length)]!;
      const value = Buffer.from(t.value);
      const first = t.traceIdAt[0]!;
      for (let k = 0; k < 16; k += 4) value.writeUInt32BE(u32(), first + k);
      for (const at of t.traceIdAt) if (at !== first) value.copy(value, at, first, first + 16);
      for (const list of t.spanIdAt) {
        const own = list[0]!;
        value.writeUInt32BE(u32(), own);
        value.writeUInt32BE(u32(), own + 4);
        for (const at of list) if (at !== own) value.copy(value, at, own, own + 8);
      }
      messages.push({ key: value.toString('hex', first, first + 16), value });
      spans += t.spans;
      bytes += value.length;
    }
    done += n;
    yield { messages, spans, bytes };
  }
}

export { trace as benchTrace };
