import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ConfigError,
  type FlatSpan,
  jsonSchemas,
  modesOf,
  parseEnv,
  parseVerdict,
  TRUNCATION_MARKER,
  toDecisionRow,
  toVerdictRow,
  truncatePayload,
} from './index.ts';

const base: FlatSpan = {
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  parentSpanId: 'c'.repeat(16),
  name: 'decision refund',
  kind: 1,
  startMs: 1_700_000_000_000.5,
  endMs: 1_700_000_000_120.5,
  statusCode: 2,
  statusMessage: 'boom',
  serviceName: 'support-bot',
  scopeName: '@livegrade/sdk',
  attributes: {
    'livegrade.decision.type': 'refund',
    'livegrade.decision.label': 'approve',
    'livegrade.decision.score': 0.83,
    'livegrade.model.version': 'm-2026-11',
    'livegrade.slice.language': 'hi',
    'livegrade.slice.segment': 'smb',
    'livegrade.outcome.fallback': true,
    'gen_ai.request.model': 'gpt-x',
    'gen_ai.usage.input_tokens': 120,
    'gen_ai.usage.output_tokens': 30,
  },
  resourceAttributes: { 'service.name': 'support-bot' },
  events: [],
};

describe('decision rows', () => {
  it('maps the conventions onto one slim row', () => {
    const row = toDecisionRow(base);
    assert.equal(row.decision_id, 'b'.repeat(16), 'decision id defaults to the span id');
    assert.equal(row.decision_type, 'refund');
    assert.equal(row.label, 'approve');
    assert.equal(row.score, 0.83);
    assert.deepEqual(row.slices, { language: 'hi', segment: 'smb' });
    assert.equal(row.is_error, true);
    assert.equal(row.fallback, true);
    assert.equal(row.retried, false);
    assert.equal(row.latency_ms, 120);
    assert.equal(row.input_tokens, 120);
    assert.equal(row.model, 'gpt-x');
    assert.equal(row.sample_reason, 'all');
  });

  it('prefers an explicit decision id and tolerates string-typed numbers', () => {
    const row = toDecisionRow({
      ...base,
      attributes: { ...base.attributes, 'livegrade.decision.id': 'd-42', 'livegrade.decision.score': '0.5' },
    });
    assert.equal(row.decision_id, 'd-42');
    assert.equal(row.score, 0.5);
  });
});

describe('verdicts', () => {
  it('accepts feedback and reviews', () => {
    assert.equal(parseVerdict({ kind: 'feedback', decision_id: 'd1', value: 'thumbs_down' }).ok, true);
    const r = parseVerdict({
      kind: 'review',
      decision_id: 'd1',
      reviewer_id: 'r1',
      seniority: 'senior',
      label: 'deny',
    });
    assert.ok(r.ok);
    const row = toVerdictRow({ ...r.value, id: 'v1' }, 1234);
    assert.equal(row.ts, 1234, 'receive time when the event has none');
    assert.equal(row.label, 'deny');
  });

  it('names the bad field', () => {
    const r = parseVerdict({ kind: 'review', decision_id: 'd1', reviewer_id: 'r1', seniority: 'boss', label: 'deny' });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error : '', /^seniority: /);
    const k = parseVerdict({ kind: 'like', decision_id: 'd1' });
    assert.match(!k.ok ? k.error : '', /kind/);
  });
});

describe('environment', () => {
  it('defaults to the embedded mode', () => {
    const env = parseEnv({});
    assert.deepEqual(modesOf(env), { bus: 'memory', store: 'chdb', jobs: 'memory' });
    assert.equal(env.LIVEGRADE_GATEWAY_PORT, 4318);
    assert.equal(env.LIVEGRADE_API_PORT, 8080);
  });

  it('names every bad key and hides secrets', () => {
    assert.throws(
      () =>
        parseEnv({
          LIVEGRADE_API_PORT: 'eighty',
          LIVEGRADE_KAFKA_BROKERS: 'localhost',
          LIVEGRADE_CLICKHOUSE_PASSWORD: '',
        }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /LIVEGRADE_API_PORT: .*"eighty"/);
        assert.match(err.message, /LIVEGRADE_KAFKA_BROKERS: expected host:port/);
        return true;
      },
    );
    assert.throws(
      () => parseEnv({ LIVEGRADE_CLICKHOUSE_URL: 'not a url', LIVEGRADE_API_TOKEN: 's3cret' }),
      (err: Error) => {
        assert.match(err.message, /LIVEGRADE_CLICKHOUSE_URL/);
        assert.doesNotMatch(err.message, /s3cret/);
        return true;
      },
    );
  });
});

describe('payload truncation', () => {
  it('keeps short payloads and cuts long ones on a character boundary with a marker', () => {
    assert.equal(truncatePayload('hello', 100), 'hello');
    const cut = truncatePayload('नमस्ते'.repeat(50), 64);
    assert.ok(cut.endsWith(TRUNCATION_MARKER));
    assert.ok(Buffer.byteLength(cut) <= 64);
    assert.ok(!cut.includes('\uFFFD'), 'no broken character');
  });
});

describe('published JSON Schemas', () => {
  it('match the zod schemas the code validates with (regenerate: node --import tsx scripts/gen-schemas.ts)', () => {
    for (const [file, schema] of Object.entries(jsonSchemas())) {
      const onDisk = JSON.parse(readFileSync(new URL(`../../../schemas/json/${file}`, import.meta.url), 'utf8'));
      assert.deepEqual(onDisk, JSON.parse(JSON.stringify(schema)), `${file} is stale`);
    }
  });
});
