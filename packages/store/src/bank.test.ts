import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BankOccurrence, caseId, type FlatSpan, toDecisionRow, type VerdictRow } from '@livegrade/core';
import { tempDataDir, testEnv } from '../../../test/support/env.ts';
import { bankOccurrence } from '../../../test/support/store.ts';
import { occurrenceOf, openStore, type Store, toSpanRow } from './index.ts';

// The bank's tables and queries on the embedded engine. One store for the
// file (chdb locks its directory); each test uses inputs of its own, so the
// cases of one never merge into another's.

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const data = tempDataDir();
let store: Store;

const occurrence = (over: Partial<BankOccurrence>) => bankOccurrence(T0, over);

let seq = 0;
/** A decision span, kept (error reason) or not, as the sampler writes it. */
async function decision(opts: {
  id: string;
  label: string;
  input?: string;
  context?: string;
  error?: boolean;
  kept?: boolean;
  at?: number;
}) {
  seq++;
  const traceId = seq.toString(16).padStart(32, 'a');
  const attributes: FlatSpan['attributes'] = {
    'livegrade.decision.id': opts.id,
    'livegrade.decision.type': 'refund',
    'livegrade.decision.label': opts.label,
    'livegrade.model.version': 'v1',
    'livegrade.slice.language': 'hi',
  };
  if (opts.input !== undefined) attributes['livegrade.input'] = opts.input;
  if (opts.context !== undefined) attributes['livegrade.context'] = opts.context;
  const span: FlatSpan = {
    traceId,
    spanId: seq.toString(16).padStart(16, '0'),
    parentSpanId: '',
    name: 'decision refund',
    kind: 1,
    startMs: opts.at ?? T0 + seq,
    endMs: (opts.at ?? T0 + seq) + 100,
    statusCode: opts.error ? 2 : 0,
    statusMessage: '',
    serviceName: 'support-bot',
    scopeName: 'livegrade',
    attributes,
    resourceAttributes: {},
    events: [],
  };
  const kept = opts.kept ?? true;
  const sample = kept ? { reason: 'error', weight: 1 } : { reason: '', weight: 0 };
  await store.insertDecisions([toDecisionRow(span, { sampled: kept, ...sample })]);
  await store.insertSpans([toSpanRow(span, { decisionId: opts.id, decisionType: 'refund' }, sample)]);
  return traceId;
}

function review(decisionId: string, label: string, seniority: 'senior' | 'junior', ts: number): VerdictRow {
  return {
    ts,
    verdict_id: `${decisionId}-${seniority}-${ts}`,
    decision_id: decisionId,
    trace_id: '',
    kind: 'review',
    value: '',
    reviewer_id: `${seniority}-1`,
    seniority,
    label,
    rationale: '',
  };
}

describe('regression bank store on the embedded ClickHouse engine', () => {
  before(async () => {
    store = await openStore(testEnv({ LIVEGRADE_DATA_DIR: data.dir }));
  });
  after(async () => {
    await store?.close();
    data.cleanup();
  });

  it('aggregates occurrences into cases: first payload, distinct decisions, most frequent label', async () => {
    const input = 'agg: refund for order 1';
    const id = caseId('refund', input);
    await store.insertOccurrences([
      occurrence({ input, decision_id: 'agg-1', ts: T0 + 3, expected_label: 'approve', context: 'third' }),
      occurrence({ input, decision_id: 'agg-2', ts: T0 + 1, expected_label: 'escalate', context: 'first' }),
      occurrence({ input, decision_id: 'agg-3', ts: T0 + 2, expected_label: 'approve', context: 'second' }),
    ]);
    // the same decision captured again: replaces, does not count twice
    await store.insertOccurrences([
      occurrence({ input, decision_id: 'agg-1', ts: T0 + 3, expected_label: 'approve', captured_at: T0 + 120_000 }),
    ]);
    const c = (await store.bankCases()).find((x) => x.id === id);
    assert.ok(c, 'the case is listed');
    assert.equal(c.times_seen, 3);
    assert.equal(c.expected_label, 'approve', 'two occurrences say approve, one escalate');
    assert.equal(c.context, 'first', 'payload of the earliest decision');
    assert.equal(c.source_decision_id, 'agg-2');
    assert.equal(c.first_seen, T0 + 1);
    assert.equal(c.last_seen, T0 + 3);
    assert.deepEqual(c.slices, { language: 'hi' });
    assert.equal(c.status, 'active');
    assert.equal(c.retired_at, null);
  });

  it('breaks a tie between expected labels towards the latest occurrence', async () => {
    const input = 'tie: two reviewers, two answers';
    await store.insertOccurrences([
      occurrence({ input, decision_id: 'tie-1', ts: T0 + 10, expected_label: 'escalate' }),
      occurrence({ input, decision_id: 'tie-2', ts: T0 + 20, expected_label: 'approve' }),
    ]);
    const c = await store.bankCase(caseId('refund', input));
    assert.equal(c?.expected_label, 'approve');
  });

  it('finds overrides and labelled failures since a time, with their kept payloads', async () => {
    const since = await store.engineNow();
    const overrideTrace = await decision({
      id: 'cap-override',
      label: 'deny',
      input: '{"q":"Refund?"}',
      context: '{"tier":"gold"}',
    });
    await decision({ id: 'cap-failure', label: 'approve', input: 'failed one', error: true });
    await decision({ id: 'cap-agree', label: 'approve', input: 'fine one' });
    await decision({ id: 'cap-unkept', label: 'deny', input: 'dropped', kept: false });
    await decision({ id: 'cap-senior', label: 'deny', input: 'senior wins' });
    await store.insertVerdicts([
      review('cap-override', 'approve', 'junior', T0 + 1),
      review('cap-failure', 'approve', 'junior', T0 + 1),
      review('cap-agree', 'approve', 'junior', T0 + 1),
      review('cap-unkept', 'approve', 'junior', T0 + 1),
      // a later junior review does not outrank a senior one
      review('cap-senior', 'approve', 'senior', T0 + 1),
      review('cap-senior', 'deny', 'junior', T0 + 2),
    ]);
    const found = new Map((await store.captureCandidates(since)).map((c) => [c.decision_id, c]));
    assert.deepEqual([...found.keys()].sort(), ['cap-failure', 'cap-override', 'cap-senior', 'cap-unkept']);
    const o = found.get('cap-override');
    assert.equal(o?.trace_id, overrideTrace);
    assert.equal(o?.human_label, 'approve');
    assert.equal(o?.model_label, 'deny');
    assert.equal(o?.input, '{"q":"Refund?"}');
    assert.equal(o?.context, '{"tier":"gold"}');
    assert.equal(o?.has_input, true);
    assert.equal(found.get('cap-failure')?.failed, true);
    assert.equal(found.get('cap-failure')?.context, '');
    assert.equal(found.get('cap-unkept')?.has_input, false);
    assert.equal(found.get('cap-senior')?.human_label, 'approve');

    // captured ones are not candidates again, unless their label changes
    const occ = [...found.values()]
      .filter((c) => c.has_input)
      .map((c) =>
        occurrenceOf(c, { sliceBy: ['language'], reason: 'override', expectedLabel: c.human_label, capturedAt: T0 }),
      );
    assert.equal(occ[0]?.slice, 'decision_type=refund,language=hi');
    await store.insertOccurrences(occ);
    assert.deepEqual(
      (await store.captureCandidates(since)).map((c) => c.decision_id),
      ['cap-unkept'],
      'only the one without a kept input is left',
    );
    await store.insertVerdicts([review('cap-override', 'escalate', 'senior', T0 + 5)]);
    assert.deepEqual((await store.captureCandidates(since)).map((c) => c.decision_id).sort(), [
      'cap-override',
      'cap-unkept',
    ]);
  });

  it('looks up candidates of given decision ids whatever their verdicts', async () => {
    await decision({ id: 'man-1', label: 'approve', input: 'manual one' });
    const rows = await store.bankCandidatesOf(['man-1', 'no-such-decision']);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.human_label, '');
    assert.equal(rows[0]?.input, 'manual one');
  });

  it('keeps the furthest capture watermark', async () => {
    assert.equal(await store.captureWatermark(), 0);
    await store.recordCaptureWatermark(T0 + 5000);
    await store.recordCaptureWatermark(T0 + 1000);
    assert.equal(await store.captureWatermark(), T0 + 5000);
  });
});
