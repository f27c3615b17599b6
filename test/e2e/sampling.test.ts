// Tail-based sampling on real Kafka and the ClickHouse engine (issue 3):
// late verdicts promote traces that were not kept, and the buffer stays
// bounded under pressure without losing a failure. Replicas rebalancing:
// sampler-rebalance.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG, traceUniform } from '@livegrade/core';
import { createMetricsRegistry } from '@livegrade/runtime';
import { registerSamplerMetrics, type Sampler } from '@livegrade/sampler';
import { requireKafka } from '../support/infra.ts';
import { type SamplerRig, startSamplerRig } from '../support/sampler-rig.ts';
import { countVisible } from '../support/store.ts';
import { generateTraces } from '../support/traffic.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();
const skip = kafka.ok ? false : kafka.skip;
const brokers = kafka.ok ? kafka.url : '';
type Mode = 'kafka' | 'embedded';
const modes: Array<{ mode: Mode; brokers: string; skip: string | false }> = [
  { mode: 'kafka', brokers, skip },
  { mode: 'embedded', brokers: '', skip: false },
];

async function rowsOf<T>(rig: SamplerRig, sql: string): Promise<T[]> {
  return (JSON.parse(await rig.store.readOnlyQuery(sql)) as { data: T[] }).data;
}

for (const { mode, brokers, skip } of modes) {
  describe(`late verdicts promote traces that were not kept (${mode})`, { skip }, () => {
    let rig: SamplerRig;
    let sampler: Sampler;
    // successes only; once a slice's rate is known the policy keeps almost none: p = min_probability
    const warmup = generateTraces({ traces: 300, seed: 5, errorRate: 0 });
    const early = generateTraces({ traces: 20, seed: 6, errorRate: 0 }).find((t) => traceUniform(t.traceId) >= 0.01)!;

    before(async () => {
      rig = await startSamplerRig(brokers, 'late');
      sampler = await rig.startSampler({
        decision_wait: 300,
        per_slice_target_per_hour: 0.001,
        min_probability: 0.001,
        keep_always: { ...DEFAULT_CONFIG.sampling.keep_always, score_below: null },
      });
    });
    after(() => rig?.close());

    it('keeps a trace after a thumbs-down or an override, and only then', async () => {
      // traffic arrives over time: the policy learns each slice's rate, then thins it
      for (let i = 0; i < warmup.length; i += 30) {
        await rig.sendTraces(warmup.slice(i, i + 30));
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitFor('300 decisions', async () =>
        (await countVisible(rig.store, 'SELECT count() FROM decisions')) === 300 ? true : undefined,
      );
      type Row = { decision_id: string; trace_id: string; label: string };
      const notKept = await rowsOf<Row>(
        rig,
        'SELECT decision_id, trace_id, label FROM decisions WHERE NOT sampled ORDER BY decision_id LIMIT 5',
      );
      assert.equal(notKept.length, 5, 'the policy thinned the warmed-up slices');
      const [thumbsDown, overridden, agreed, thumbsUp, untouched] = notKept as [Row, Row, Row, Row, Row];
      const keptBefore = await countVisible(rig.store, 'SELECT uniqExact(trace_id) FROM sampled_spans');

      await rig.sendVerdicts([
        { kind: 'feedback', decision_id: thumbsDown.decision_id, value: 'thumbs_down' },
        {
          kind: 'review',
          decision_id: overridden.decision_id,
          reviewer_id: 'r1',
          seniority: 'senior',
          label: overridden.label === 'deny' ? 'approve' : 'deny',
        },
        {
          kind: 'review',
          decision_id: agreed.decision_id,
          reviewer_id: 'r1',
          seniority: 'senior',
          label: agreed.label,
        },
        { kind: 'feedback', decision_id: thumbsUp.decision_id, value: 'thumbs_up' },
      ]);
      // a verdict that overtakes its decision: the trace is still buffered when the thumbs-down arrives
      await rig.sendTraces([early]);
      await rig.sendVerdicts([{ kind: 'feedback', decision_id: early.decisionId, value: 'thumbs_down' }]);

      const late = await waitFor('three promoted traces', async () => {
        const rows = await rowsOf<{ trace_id: string; reason: string; spans: string; weight: number }>(
          rig,
          "SELECT trace_id, any(sample_reason) AS reason, count() AS spans, any(sample_weight) AS weight FROM sampled_spans WHERE sample_reason LIKE 'late_%' GROUP BY trace_id",
        );
        return rows.length >= 3 ? rows : undefined;
      });
      // a promotion rewrites the spans first and the decision row last, like any write of a decision
      await waitFor('three promoted decision rows', async () =>
        (await countVisible(rig.store, "SELECT count() FROM decisions WHERE sample_reason LIKE 'late_%'")) >= 3
          ? true
          : undefined,
      );
      const byTrace = new Map(late.map((r) => [r.trace_id, r]));
      assert.equal(byTrace.size, 3, `only the three failures are promoted, got ${JSON.stringify(late)}`);
      assert.equal(byTrace.get(thumbsDown.trace_id)?.reason, 'late_feedback');
      assert.equal(byTrace.get(overridden.trace_id)?.reason, 'late_override');
      assert.equal(byTrace.get(early.traceId)?.reason, 'late_feedback', 'the verdict waited for its decision');
      for (const r of late) {
        assert.equal(Number(r.spans), 3, 'the whole trace is promoted');
        assert.equal(Number(r.weight), 1);
      }
      assert.equal(await countVisible(rig.store, 'SELECT uniqExact(trace_id) FROM sampled_spans'), keptBefore + 3);

      const decisions = await rowsOf<{ decision_id: string; sampled: boolean; sample_reason: string }>(
        rig,
        'SELECT decision_id, sampled, sample_reason FROM decisions',
      );
      assert.equal(decisions.length, 301, 'a promotion replaces the decision row, it does not add one');
      const reasonOf = new Map(decisions.map((d) => [d.decision_id, d.sampled ? d.sample_reason : 'not kept']));
      assert.equal(reasonOf.get(thumbsDown.decision_id), 'late_feedback');
      assert.equal(reasonOf.get(overridden.decision_id), 'late_override');
      assert.equal(reasonOf.get(early.decisionId), 'late_feedback');
      assert.equal(reasonOf.get(agreed.decision_id), 'not kept', 'a review that agrees is no failure');
      assert.equal(reasonOf.get(thumbsUp.decision_id), 'not kept');
      assert.equal(reasonOf.get(untouched.decision_id), 'not kept');
      assert.equal(sampler.stats().promoted, 3);
    });
  });

  describe(`buffer pressure (${mode})`, { skip }, () => {
    let rig: SamplerRig;
    let sampler: Sampler;
    const MAX = 100;
    const traces = generateTraces({ traces: 1000, seed: 9, errorRate: 0.05 });
    before(async () => {
      rig = await startSamplerRig(brokers, 'pressure');
      // nothing becomes due on its own: every decision before the drain is an early one; a small
      // target so that each slice is thinned past its first few successes
      sampler = await rig.startSampler({
        decision_wait: 600_000,
        max_buffered_traces: MAX,
        per_slice_target_per_hour: 5,
      });
    });
    after(() => rig?.close());

    it('decides the oldest traces early, keeps every failure and says how often', async () => {
      await rig.sendTraces(traces);
      await waitFor('all spans read', async () => (sampler.stats().spansRead === 3000 ? true : undefined));
      await waitFor('the overflow written', async () => (sampler.stats().traces === 1000 - MAX ? true : undefined));
      const s = sampler.stats();
      assert.ok(s.peakBuffered <= MAX + 1, `at most max_buffered_traces (+ one message) held, saw ${s.peakBuffered}`);
      assert.equal(s.buffered, MAX);
      assert.equal(s.early, 1000 - MAX);

      const registry = createMetricsRegistry();
      registerSamplerMetrics(registry, () => sampler.stats());
      const text = await registry.metrics();
      assert.match(text, new RegExp(`^livegrade_sampler_early_decisions_total ${1000 - MAX}$`, 'm'));
      assert.match(text, new RegExp(`^livegrade_sampler_buffered_traces ${MAX}$`, 'm'));

      // a failure that arrives after its trace was decided early (and not kept) still keeps it
      const dropped = await waitFor('a trace decided early and not kept', async () => {
        const [r] = await rowsOf<{ trace_id: string }>(
          rig,
          'SELECT trace_id FROM decisions WHERE NOT sampled ORDER BY trace_id LIMIT 1',
        );
        return r;
      });
      const trace = traces.find((t) => t.traceId === dropped.trace_id)!;
      const root = trace.spans[0]!;
      const lateError = {
        ...root,
        spanId: 'e'.repeat(16),
        parentSpanId: root.spanId,
        name: 'refund api',
        statusCode: 2,
      };
      await rig.sendTraces([{ ...trace, spans: [lateError] }]);
      const promoted = await waitFor('the late failure to keep its trace', async () => {
        const [r] = await rowsOf<{ spans: string; reason: string }>(
          rig,
          `SELECT count() AS spans, any(sample_reason) AS reason FROM sampled_spans WHERE trace_id = '${trace.traceId}'`,
        );
        return Number(r?.spans) === 4 ? r : undefined;
      });
      assert.equal(promoted.reason, 'error', 'the whole trace, with the failing span, kept as an error');
      await waitFor('its decision row promoted', async () =>
        (await countVisible(
          rig.store,
          `SELECT countIf(sampled AND sample_reason = 'error') FROM decisions WHERE trace_id = '${trace.traceId}'`,
        )) === 1
          ? true
          : undefined,
      );
      assert.equal(sampler.stats().keptAfterDecision, 1);

      // a planned stop decides what is still buffered instead of leaving it behind
      await sampler.stop();
      assert.equal(sampler.stats().traces, 1000);
      assert.equal(await countVisible(rig.store, 'SELECT count() FROM decisions'), 1000, 'a row for every decision');
      const errors = traces.filter((t) => t.spans[1]?.statusCode === 2).length;
      assert.ok(errors > 20, 'the traffic has failures');
      assert.equal(
        await countVisible(rig.store, "SELECT countIf(is_error AND sample_reason = 'error') FROM decisions"),
        errors,
      );
      assert.equal(
        await countVisible(rig.store, "SELECT uniqExact(trace_id) FROM sampled_spans WHERE sample_reason = 'error'"),
        errors + 1,
        'every failing trace is in sampled_spans, the late one too',
      );
    });
  });
}
