// Regression bank capture (issue 7) end to end, in both modes with the same
// scenario:
//   kafka:    decisions and verdicts → real Kafka → sampler → ClickHouse
//             engine; the capture job on BullMQ on the real Redis
//   embedded: the same through the in-process bus and scheduler
// Overrides become cases, inputs that differ only in case and whitespace
// merge into one case counted twice, a failed decision with a human label is
// captured even when the reviewer agreed with the model, a success the
// reviewer agreed with is not, and capturing again changes nothing.
// Then, on an instance whose policy thins every slice, the production path of
// an override of a success the sampler did not keep: the late promotion
// brings its input into sampled_spans and capture makes it a case, also when
// a capture pass ran before the promotion (the lookback, skipped_no_input).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Instance } from '@livegrade/cli';
import {
  type BankCase,
  caseId,
  DEFAULT_CONFIG,
  type FlatSpan,
  type LivegradeConfig,
  topicsOf,
  traceUniform,
} from '@livegrade/core';
import type { CaptureResult } from '@livegrade/ops';
import { encodeTraces } from '@livegrade/otlp';
import { redisPrefixCleanup, requireKafka, requireRedis } from '../support/infra.ts';
import { type Mode, startTestInstance } from '../support/instance.ts';
import { countVisible } from '../support/store.ts';
import { type GeneratedTrace, generateTraces } from '../support/traffic.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();
const redis = await requireRedis();

const config: LivegradeConfig = {
  ...DEFAULT_CONFIG,
  sampling: { ...DEFAULT_CONFIG.sampling, decision_wait: 200 },
  // the schedule's first run happens at start, before any traffic; the test captures when it chooses
  bank: { capture_interval: 3_600_000, capture_lookback: 15 * 60_000 },
};

interface Scenario {
  id: string;
  type: string;
  language: string;
  label: string;
  input: string;
  context?: string;
  error?: boolean;
  review?: { label: string; seniority: 'senior' | 'junior' };
  thumbsDown?: boolean;
}

const REFUND_17 = 'Where is my refund for order 17?';
const SCENARIO: Scenario[] = [
  // two overrides of one question, asked with other case and spacing: one case, seen twice
  {
    id: 'over-a',
    type: 'refund',
    language: 'hi',
    label: 'deny',
    input: REFUND_17,
    review: { label: 'approve', seniority: 'senior' },
  },
  {
    id: 'over-b',
    type: 'refund',
    language: 'hi',
    label: 'deny',
    input: '  where is my REFUND   for order 17? ',
    review: { label: 'approve', seniority: 'junior' },
  },
  // the same words about another order: a case of its own
  {
    id: 'over-c',
    type: 'refund',
    language: 'hi',
    label: 'deny',
    input: 'Where is my refund for order 18?',
    review: { label: 'escalate', seniority: 'senior' },
  },
  // an error the reviewer says the model got right: a labelled failure, not an override
  {
    id: 'fail-agreed',
    type: 'change_address',
    language: 'en',
    label: 'update',
    input: '{"message":"I moved","address":"1 Main St"}',
    context: '{"tier":"gold"}',
    error: true,
    review: { label: 'update', seniority: 'senior' },
  },
  // a thumbs-down makes a success a failure; its review gives the label
  {
    id: 'thumbs',
    type: 'refund',
    language: 'de',
    label: 'approve',
    input: 'Geld zurück bitte',
    thumbsDown: true,
    review: { label: 'approve', seniority: 'junior' },
  },
  // a success the reviewer agreed with: nothing to remember
  {
    id: 'agreed',
    type: 'refund',
    language: 'en',
    label: 'approve',
    input: 'refund my duplicate charge',
    review: { label: 'approve', seniority: 'senior' },
  },
  // a failure nobody labelled: no expected label, no case
  { id: 'fail-unlabelled', type: 'refund', language: 'en', label: 'deny', input: 'where is my money', error: true },
];
const CAPTURED = ['over-a', 'over-b', 'over-c', 'fail-agreed', 'thumbs'];

function spanOf(s: Scenario, now: number): FlatSpan {
  const attributes: FlatSpan['attributes'] = {
    'livegrade.decision.id': `${s.id}-${now}`,
    'livegrade.decision.type': s.type,
    'livegrade.decision.label': s.label,
    'livegrade.model.version': 'm-2026-11',
    'livegrade.slice.language': s.language,
    'livegrade.input': s.input,
  };
  if (s.context) attributes['livegrade.context'] = s.context;
  return {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    parentSpanId: '',
    name: `decision ${s.type}`,
    kind: 1,
    startMs: now,
    endMs: now + 120,
    statusCode: s.error ? 2 : 0,
    statusMessage: s.error ? 'model timeout' : '',
    serviceName: 'support-bot',
    scopeName: 'support-bot',
    resourceAttributes: { 'service.name': 'support-bot' },
    events: [],
    attributes,
  };
}

function verdictsOf(s: Scenario, decisionId: string, traceId: string): object[] {
  const out: object[] = [];
  if (s.review) {
    out.push({
      id: `rev-${decisionId}`,
      decision_id: decisionId,
      trace_id: traceId,
      kind: 'review',
      reviewer_id: `${s.review.seniority}-1`,
      ...s.review,
    });
  }
  if (s.thumbsDown) {
    out.push({
      id: `fb-${decisionId}`,
      decision_id: decisionId,
      trace_id: traceId,
      kind: 'feedback',
      value: 'thumbs_down',
    });
  }
  return out;
}

/** Decisions first, verdicts once every decision is stored; resolves when every kept trace a case needs is there. */
async function sendScenario(instance: Instance, now: number): Promise<Map<string, string>> {
  const topics = topicsOf(instance.env);
  const producer = instance.bus.producer();
  const ids = new Map<string, string>();
  const spans = SCENARIO.map((s) => {
    const span = spanOf(s, now);
    ids.set(s.id, String(span.attributes['livegrade.decision.id']));
    return { s, span };
  });
  await producer.send(
    topics.spans,
    spans.map(({ span }) => ({ key: span.traceId, value: Buffer.from(encodeTraces([span])) })),
  );
  const store = instance.store!;
  await waitFor('every decision stored', async () =>
    (await countVisible(store, 'SELECT count() FROM decisions')) === SCENARIO.length ? true : undefined,
  );
  const verdicts = spans.flatMap(({ s, span }) => verdictsOf(s, ids.get(s.id)!, span.traceId));
  await producer.send(
    topics.verdicts,
    verdicts.map((v) => ({ key: (v as { decision_id: string }).decision_id, value: Buffer.from(JSON.stringify(v)) })),
  );
  await producer.close();
  const needed = CAPTURED.map((k) => `'${ids.get(k)}'`).join(',');
  await waitFor('every verdict stored and every trace a case needs kept', async () =>
    (await countVisible(store, 'SELECT count() FROM verdicts')) === verdicts.length &&
    (await countVisible(
      store,
      `SELECT uniqExact(decision_id) FROM sampled_spans WHERE decision_id IN (${needed}) AND mapContains(attributes, 'livegrade.input')`,
    )) === CAPTURED.length
      ? true
      : undefined,
  );
  return ids;
}

async function captureThroughApi(instance: Instance): Promise<CaptureResult> {
  const res = await fetch(`${instance.urls.api}/v1/bank/capture`, { method: 'POST' });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as CaptureResult;
}

for (const mode of ['kafka', 'embedded'] as Mode[]) {
  const missing = mode === 'kafka' ? [kafka, redis].find((r) => !r.ok) : undefined;
  const skip = missing && !missing.ok ? missing.skip : false;

  describe(`regression bank capture (${mode})`, { skip }, () => {
    let instance: Awaited<ReturnType<typeof startTestInstance>>;
    let cleanupRedis = async () => {};
    let ids: Map<string, string>;
    let cases: BankCase[];
    const now = Date.now();

    before(async () => {
      const prefix = `lgtest-bank-${process.pid}-${Date.now().toString(36)}`;
      instance = await startTestInstance(mode, {
        brokers: kafka.ok ? kafka.url : '',
        label: 'bank',
        services: ['sampler', 'scorer', 'api'],
        config,
        env: mode === 'kafka' && redis.ok ? { LIVEGRADE_REDIS_URL: redis.url, LIVEGRADE_REDIS_PREFIX: prefix } : {},
      });
      if (mode === 'kafka' && redis.ok) cleanupRedis = () => redisPrefixCleanup(redis.url, prefix);
      assert.equal(instance.jobs.mode, mode === 'kafka' ? 'bullmq' : 'memory');
      ids = await sendScenario(instance, now);
    });
    after(async () => {
      await instance?.stop();
      await cleanupRedis();
    });

    it('captures overrides and labelled failures through the scorer’s capture job', async () => {
      const result = await instance.scorer!.captureBank();
      assert.equal(result.captured, CAPTURED.length);
      assert.equal(result.overrides, 3);
      assert.equal(result.labelled_failures, 2);
      assert.equal(result.cases, 4);
      assert.equal(result.skipped_no_input, 0);
      cases = await instance.store!.bankCases();
      assert.equal(cases.length, 4);
    });

    it('merges inputs that differ only in case and whitespace, counting both decisions', () => {
      const merged = cases.find((c) => c.id === caseId('refund', REFUND_17));
      assert.ok(merged, `no case for "${REFUND_17}" among ${cases.map((c) => c.id).join(', ')}`);
      assert.equal(merged.times_seen, 2);
      assert.equal(merged.expected_label, 'approve');
      assert.equal(merged.model_label, 'deny');
      assert.equal(merged.reason, 'override');
      assert.equal(merged.slice, 'decision_type=refund,language=hi');
      assert.deepEqual(merged.slices, { language: 'hi' });
      assert.ok([ids.get('over-a'), ids.get('over-b')].includes(merged.source_decision_id));
      assert.equal(merged.first_seen, now);
      assert.equal(merged.status, 'active');

      const other = cases.find((c) => c.id === caseId('refund', 'Where is my refund for order 18?'));
      assert.equal(other?.times_seen, 1, 'another order number is another case');
      assert.equal(other?.expected_label, 'escalate');
    });

    it('captures a failure with a human label even when the reviewer agreed, with its context', () => {
      const failed = cases.find((c) => c.source_decision_id === ids.get('fail-agreed'));
      assert.equal(failed?.reason, 'labelled_failure');
      assert.equal(failed?.expected_label, 'update');
      assert.equal(failed?.input, '{"message":"I moved","address":"1 Main St"}');
      assert.equal(failed?.context, '{"tier":"gold"}');
      assert.equal(failed?.slice, 'decision_type=change_address,language=en');

      const thumbs = cases.find((c) => c.source_decision_id === ids.get('thumbs'));
      assert.equal(thumbs?.reason, 'labelled_failure', 'a thumbs-down is a failure');
      assert.equal(thumbs?.context, '');
    });

    it('leaves out a success the reviewer agreed with, and a failure nobody labelled', () => {
      const sources = cases.map((c) => c.source_decision_id);
      assert.ok(!sources.includes(ids.get('agreed')!));
      assert.ok(!sources.includes(ids.get('fail-unlabelled')!));
    });

    it('changes nothing when capture runs again, through the job and the API at once', async () => {
      const [job, api] = await Promise.all([instance.scorer!.captureBank(), captureThroughApi(instance)]);
      assert.equal(job.captured, 0);
      assert.equal(api.captured, 0);
      assert.deepEqual(await instance.store!.bankCases(), cases);
      assert.equal(await countVisible(instance.store!, 'SELECT count() FROM bank_occurrences'), CAPTURED.length);
    });
  });
}

// ---------------------------------------------------------------------------
// Overrides of successes the sampler did not keep. Capture reads the input
// from sampled_spans, so such a decision becomes a case only once the
// sampler's late promotion copies its trace there.

const thinning: LivegradeConfig = {
  ...config,
  sampling: {
    ...config.sampling,
    // once a slice's rate is known the policy keeps almost none: p = min_probability
    per_slice_target_per_hour: 0.001,
    min_probability: 0.001,
    keep_always: { ...DEFAULT_CONFIG.sampling.keep_always, score_below: null },
    max_buffered_traces: 100,
  },
};

type DecisionRow = { decision_id: string; trace_id: string; label: string; sampled: boolean; sample_reason: string };

async function rowsOf<T>(instance: Instance, sql: string): Promise<T[]> {
  return (JSON.parse(await instance.store!.readOnlyQuery(sql)) as { data: T[] }).data;
}

async function decisionOf(instance: Instance, decisionId: string): Promise<DecisionRow | undefined> {
  const [row] = await rowsOf<DecisionRow>(
    instance,
    `SELECT decision_id, trace_id, label, sampled, sample_reason FROM decisions WHERE decision_id = '${decisionId}'`,
  );
  return row;
}

async function sendTraces(instance: Instance, traces: GeneratedTrace[]): Promise<void> {
  const producer = instance.bus.producer();
  await producer.send(
    topicsOf(instance.env).spans,
    traces.map((t) => ({ key: t.traceId, value: Buffer.from(encodeTraces(t.spans)) })),
  );
  await producer.close();
}

/** A senior review that says the model should have answered otherwise. */
async function sendOverride(instance: Instance, d: { decisionId: string; traceId: string; label: string }) {
  const expected = d.label === 'deny' ? 'approve' : 'deny';
  const producer = instance.bus.producer();
  const review = {
    id: `rev-${d.decisionId}`,
    decision_id: d.decisionId,
    trace_id: d.traceId,
    kind: 'review',
    reviewer_id: 'senior-1',
    seniority: 'senior',
    label: expected,
  };
  await producer.send(topicsOf(instance.env).verdicts, [
    { key: d.decisionId, value: Buffer.from(JSON.stringify(review)) },
  ]);
  await producer.close();
  return expected;
}

/** The review is stored and waits in the sampler for a decision that is not written yet. */
async function waitForWaitingVerdict(instance: Instance, decisionId: string): Promise<void> {
  await waitFor('the review stored and waiting for its decision', async () =>
    (await countVisible(instance.store!, `SELECT count() FROM verdicts WHERE decision_id = '${decisionId}'`)) === 1 &&
    instance.sampler!.stats().promotionsWaiting === 1
      ? true
      : undefined,
  );
}

/** The promotion has landed: the decision row says late_override and its input is in sampled_spans. */
async function waitForPromotion(instance: Instance, decisionId: string): Promise<void> {
  await waitFor(`the late promotion of ${decisionId}`, async () =>
    (await decisionOf(instance, decisionId))?.sample_reason === 'late_override' &&
    (await countVisible(
      instance.store!,
      `SELECT count() FROM sampled_spans WHERE decision_id = '${decisionId}' AND mapContains(attributes, 'livegrade.input')`,
    )) === 1
      ? true
      : undefined,
  );
}

/**
 * A success whose trace stays buffered until the test decides it: its root
 * span never comes (an orphan waits max(30 s, 6 × decision_wait)), and its
 * trace id draws above any p the thinned policy gives, so it is not kept.
 */
function bufferedSuccess(t: GeneratedTrace, input: string): GeneratedTrace {
  assert.ok(traceUniform(t.traceId) >= 0.01);
  const [, decision, llm] = t.spans as [FlatSpan, FlatSpan, FlatSpan];
  return {
    ...t,
    spans: [{ ...decision, attributes: { ...decision.attributes, 'livegrade.input': input } }, llm],
  };
}

for (const mode of ['kafka', 'embedded'] as Mode[]) {
  const missing = mode === 'kafka' ? [kafka, redis].find((r) => !r.ok) : undefined;
  const skip = missing && !missing.ok ? missing.skip : false;

  describe(`regression bank capture of a success the sampler did not keep (${mode})`, { skip }, () => {
    let instance: Awaited<ReturnType<typeof startTestInstance>>;
    let cleanupRedis = async () => {};
    // successes only, over every (type, language) slice
    const warmup = generateTraces({ traces: 120, seed: 5, errorRate: 0 });
    const [late1, late2] = generateTraces({ traces: 20, seed: 6, errorRate: 0 })
      .filter((t) => traceUniform(t.traceId) >= 0.01)
      .map((t, i) => bufferedSuccess(t, `late override ${i}`)) as [GeneratedTrace, GeneratedTrace];
    const filler = generateTraces({ traces: 150, seed: 7, errorRate: 0 });

    before(async () => {
      const prefix = `lgtest-bank-late-${process.pid}-${Date.now().toString(36)}`;
      instance = await startTestInstance(mode, {
        brokers: kafka.ok ? kafka.url : '',
        label: 'bank-late',
        services: ['sampler', 'scorer', 'api'],
        config: thinning,
        env: mode === 'kafka' && redis.ok ? { LIVEGRADE_REDIS_URL: redis.url, LIVEGRADE_REDIS_PREFIX: prefix } : {},
      });
      if (mode === 'kafka' && redis.ok) cleanupRedis = () => redisPrefixCleanup(redis.url, prefix);
      // traffic over time: the policy learns each slice's rate, then thins it
      for (let i = 0; i < warmup.length; i += 30) {
        await sendTraces(instance, warmup.slice(i, i + 30));
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitFor('the warm-up decisions', async () =>
        (await countVisible(instance.store!, 'SELECT count() FROM decisions')) === warmup.length ? true : undefined,
      );
    });
    after(async () => {
      await instance?.stop();
      await cleanupRedis();
    });

    it('makes a case of the override once the late promotion brings its input into sampled_spans', async () => {
      const [notKept] = await rowsOf<DecisionRow>(
        instance,
        'SELECT decision_id, trace_id, label, sampled, sample_reason FROM decisions WHERE NOT sampled ORDER BY decision_id LIMIT 1',
      );
      assert.ok(notKept, 'the policy thinned the warmed-up slices');
      const source = warmup.find((t) => t.decisionId === notKept.decision_id)!;
      const expected = await sendOverride(instance, {
        decisionId: notKept.decision_id,
        traceId: notKept.trace_id,
        label: notKept.label,
      });
      await waitForPromotion(instance, notKept.decision_id);

      const result = await instance.scorer!.captureBank();
      assert.deepEqual(
        { captured: result.captured, overrides: result.overrides, skipped_no_input: result.skipped_no_input },
        { captured: 1, overrides: 1, skipped_no_input: 0 },
      );
      const c = (await instance.store!.bankCases()).find((x) => x.source_decision_id === notKept.decision_id);
      assert.ok(c, 'the override is a case');
      assert.equal(c.reason, 'override');
      assert.equal(c.expected_label, expected);
      assert.equal(c.model_label, notKept.label);
      assert.equal(c.input, source.spans[1]!.attributes['livegrade.input']);
      assert.equal(c.id, caseId(source.decisionType, c.input));
      assert.equal(c.source_trace_id, notKept.trace_id);
    });

    it('finds an override whose verdict arrived before the last pass through the lookback', async () => {
      // the review overtakes the decision: the trace is still buffered, the review waits for it
      await sendTraces(instance, [late1]);
      await sendOverride(instance, late1);
      await waitForWaitingVerdict(instance, late1.decisionId);
      const early = await instance.scorer!.captureBank();
      assert.equal(early.captured, 0);
      assert.equal(early.skipped_no_input, 0, 'no decision row yet: not even a candidate');

      // a burst of traffic overflows the buffer: the oldest trace, late1, is decided early and not kept
      await sendTraces(instance, filler);
      await waitForPromotion(instance, late1.decisionId);
      const [arrived] = await instance.store!.select<{ ms: string }>(
        `SELECT toUnixTimestamp64Milli(ingested_at) AS ms FROM verdicts FINAL WHERE decision_id = '${late1.decisionId}'`,
      );
      assert.ok(Number(arrived?.ms) < early.through, 'the review arrived before the previous pass moved the watermark');

      const later = await instance.scorer!.captureBank();
      assert.equal(later.since, early.through - thinning.bank.capture_lookback);
      assert.equal(later.captured, 1);
      assert.equal(later.overrides, 1);
      assert.equal(later.skipped_no_input, 0);
      const c = (await instance.store!.bankCases()).find((x) => x.source_decision_id === late1.decisionId);
      assert.equal(c?.input, 'late override 0');
      assert.equal(c?.reason, 'override');
    });

    it('counts an override as skipped_no_input until its promotion lands, then captures it', async () => {
      const sampler = instance.sampler!;
      await sendTraces(instance, [late2]);
      await sendOverride(instance, late2);
      await waitForWaitingVerdict(instance, late2.decisionId);
      // the sampler stops before it could promote: stopping decides the buffered trace (not kept),
      // and the review's offset stays uncommitted, so a sampler that starts again reads it again
      await sampler.stop();
      const decided = await decisionOf(instance, late2.decisionId);
      assert.equal(decided?.sampled, false, `late2 is not kept: ${JSON.stringify(decided)}`);

      const skipped = await instance.scorer!.captureBank();
      assert.equal(skipped.captured, 0);
      assert.equal(skipped.skipped_no_input, 1, 'overridden, but its input is not in sampled_spans');
      assert.ok(!(await instance.store!.bankCases()).some((c) => c.source_decision_id === late2.decisionId));

      // read again, the review finds its decision written and promotes it; stored again too, it is
      // within this pass's reach whatever the lookback (the test above is the one that needs it)
      await sampler.start();
      await waitForPromotion(instance, late2.decisionId);
      const captured = await instance.scorer!.captureBank();
      assert.equal(captured.since, skipped.through - thinning.bank.capture_lookback);
      assert.equal(captured.captured, 1);
      assert.equal(captured.overrides, 1);
      assert.equal(captured.skipped_no_input, 0);
      const c = (await instance.store!.bankCases()).find((x) => x.source_decision_id === late2.decisionId);
      assert.equal(c?.input, 'late override 1');
      assert.equal(c?.reason, 'override');
      assert.equal(await countVisible(instance.store!, 'SELECT count() FROM bank_occurrences'), 3);
    });
  });
}
