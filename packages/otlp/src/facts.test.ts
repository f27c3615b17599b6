import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlatSpan } from '@livegrade/core';
import { badMessages, fuzzSeed } from '../../../test/support/fuzz.ts';
import { pb } from '../../../test/support/protobuf.ts';
import { generateTraces } from '../../../test/support/traffic.ts';
import { type AttributeFilter, decodeSpanFacts, decodeTraces, encodeTraces } from './index.ts';

const FILTER: AttributeFilter = {
  keys: ['livegrade.decision.type', 'livegrade.decision.score', 'gen_ai.usage.input_tokens', 'a', 'x'],
  prefixes: ['livegrade.slice.', 'livegrade.outcome.'],
};
const kept = (k: string) => FILTER.keys.includes(k) || FILTER.prefixes.some((p) => k.startsWith(p));

/** What decodeSpanFacts promises of a span: the full decode's, with only the kept attributes. */
function projected(s: FlatSpan) {
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.attributes)) {
    if (kept(k)) attributes[k] = v;
  }
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    kind: s.kind,
    startMs: s.startMs,
    endMs: s.endMs,
    statusCode: s.statusCode,
    serviceName: s.serviceName,
    attributes,
  };
}

function outcome(decode: () => FlatSpan[]) {
  try {
    return { spans: decode().map(projected) };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

/** Byte-level mutations of a good payload: each is walked as decodeTraces reads it. */
function* mutations(good: Buffer, rnd: () => number): Generator<Buffer> {
  for (let i = 0; i < 300; i++) {
    const b = Buffer.from(good);
    const op = Math.floor(rnd() * 4);
    const at = Math.floor(rnd() * b.length);
    if (op === 0) b[at] = Math.floor(rnd() * 256);
    else if (op === 1) b[at] = (b[at] ?? 0) ^ (1 << Math.floor(rnd() * 8));
    else if (op === 2) {
      yield b.subarray(0, at);
      continue;
    } else {
      yield Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(rnd() * 256)]), b.subarray(at)]);
      continue;
    }
    yield b;
  }
}

describe('decodeSpanFacts', () => {
  it('reads the facts of good traffic as decodeTraces does', () => {
    for (const t of generateTraces({ traces: 200, seed: 7, errorRate: 0.2 })) {
      const payload = Buffer.from(encodeTraces(t.spans));
      assert.deepEqual(
        outcome(() => decodeSpanFacts(payload, FILTER)),
        outcome(() => decodeTraces(payload)),
      );
    }
  });

  it('accepts and refuses exactly what decodeTraces does, with its message', () => {
    let seed = fuzzSeed();
    const rnd = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let refused = 0;
    let n = 0;
    const check = (payload: Buffer, what: string) => {
      const full = outcome(() => decodeTraces(payload, 'protobuf'));
      assert.deepEqual(
        outcome(() => decodeSpanFacts(payload, FILTER)),
        full,
        what,
      );
      if (full.error) refused++;
      n++;
    };
    for (const t of generateTraces({ traces: 20, seed: 9 })) {
      const good = Buffer.from(encodeTraces(t.spans));
      for (const bad of mutations(good, rnd)) check(bad, `mutation of ${good.toString('hex')}`);
    }
    const messages = badMessages(fuzzSeed());
    for (let i = 0; i < 600; i++) {
      const m = messages.next().value as { kind: string; value: Buffer };
      if (m.value[0] === 0x7b || m.value[0] === 0x5b) continue; // JSON is decoded in full
      check(m.value, m.kind);
    }
    assert.ok(refused > 100 && refused < n, `${refused} of ${n} refused: both kinds were exercised`);
  });

  it('reads a key given twice or after its value as decodeTraces does', () => {
    const str = (s: string) => pb.ld(1, Buffer.from(s));
    const request = (kv: Buffer) => pb.request(pb.ld(9, kv));
    for (const kv of [
      Buffer.concat([pb.ld(2, str('late key')), pb.ld(1, Buffer.from('livegrade.decision.type'))]),
      Buffer.concat([
        pb.ld(1, Buffer.from('http.route')),
        pb.ld(1, Buffer.from('livegrade.decision.type')),
        pb.ld(2, str('x')),
      ]),
      Buffer.concat([
        pb.ld(1, Buffer.from('livegrade.decision.type')),
        pb.ld(1, Buffer.from('other')),
        pb.ld(2, str('x')),
      ]),
    ]) {
      const payload = request(kv);
      assert.deepEqual(
        outcome(() => decodeSpanFacts(payload, FILTER)),
        outcome(() => decodeTraces(payload)),
      );
    }
  });
});
