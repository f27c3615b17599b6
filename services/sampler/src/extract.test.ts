import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addSpanFacts, emptyFacts, type FlatSpan, isDecisionSpan, toDecisionRow } from '@livegrade/core';
import { decodeTraces, encodeTraces, encodeTracesJson } from '@livegrade/otlp';
import { encodeDecisionRow } from '@livegrade/store';
import { type GeneratedTrace, generateTraces } from '../../../test/support/traffic.ts';
import { traceChunksOf } from './extract.ts';

const message = (value: Uint8Array) => ({
  key: null,
  value: Buffer.from(value),
  headers: {},
  offset: '0',
  timestamp: 0,
});

/** Facts and decision rows of fully decoded spans. */
function fromFullSpans(spans: FlatSpan[]) {
  const facts = emptyFacts();
  const decisions: string[] = [];
  for (const s of spans) {
    addSpanFacts(facts, s);
    if (isDecisionSpan(s)) decisions.push(encodeDecisionRow(toDecisionRow(s)));
  }
  return { facts, decisions };
}

describe('traceChunksOf', () => {
  it('reads the facts and decision rows a full decode gives (FACT_ATTRIBUTES covers what core reads)', () => {
    const traces = generateTraces({ traces: 300, seed: 3, errorRate: 0.1 });
    // every attribute core reads, on a decision span and on a child
    const all = {
      'livegrade.decision.id': 'd-1',
      'livegrade.decision.label': 'deny',
      'livegrade.decision.score': '0.1',
      'livegrade.model.version': 'v9',
      'livegrade.slice.language': 'de',
      'livegrade.slice.tier': 3,
      'livegrade.outcome.fallback': 'true',
      'livegrade.outcome.retried': 1,
      'livegrade.outcome.guardrail': true,
      'gen_ai.request.model': 'm',
      'gen_ai.usage.input_tokens': 5,
      'gen_ai.usage.output_tokens': '7',
      'livegrade.input': 'long text',
    };
    const first = traces[0]!;
    for (const s of first.spans) s.attributes = { ...s.attributes, ...all };
    for (const t of traces) {
      for (const payload of [encodeTraces(t.spans), Buffer.from(encodeTracesJson(t.spans))]) {
        const { chunks, spanCount } = traceChunksOf(message(payload));
        assert.equal(spanCount, t.spans.length);
        assert.equal(chunks.length, 1);
        const want = fromFullSpans(decodeTraces(payload));
        assert.deepEqual(chunks[0]!.facts, want.facts);
        assert.deepEqual(chunks[0]!.decisions, want.decisions);
        assert.equal(
          chunks[0]!.hasRoot,
          t.spans.some((s) => s.parentSpanId === ''),
        );
      }
    }
  });

  it('cuts a message holding several traces into one chunk per trace', () => {
    const [a, b] = generateTraces({ traces: 2, seed: 5 }) as [GeneratedTrace, GeneratedTrace];
    // interleaved: a, b, a, b…
    const spans = a.spans.flatMap((s, i) => [s, ...(b.spans[i] ? [b.spans[i]] : [])]);
    const { chunks, spanCount } = traceChunksOf(message(encodeTraces(spans)));
    assert.equal(spanCount, a.spans.length + b.spans.length);
    assert.deepEqual(
      chunks.map((c) => [c.traceId, c.spanCount]),
      [
        [a.traceId, a.spans.length],
        [b.traceId, b.spans.length],
      ],
    );
    for (const [c, t] of [
      [chunks[0]!, a],
      [chunks[1]!, b],
    ] as const) {
      const want = fromFullSpans(decodeTraces(c.otlp));
      assert.deepEqual(c.facts, want.facts);
      assert.deepEqual(c.decisions, want.decisions);
      assert.deepEqual(
        decodeTraces(c.otlp).map((s) => s.spanId),
        t.spans.map((s) => s.spanId),
      );
    }
  });
});
