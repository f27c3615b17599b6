// Issue 16: the sample stays honest through backlogs. The same seeded hour of
// traffic (slices of 4,000, 600 and 40 decisions, target 50) goes through the
// real sampler twice: live-paced (in event order, compressed into seconds)
// and as one backlog read after the fact. Both keep the small slice whole,
// keep about as many of the others, and their Horvitz–Thompson counts cover
// the truth. Then a restarted sampler continues the hour instead of starting
// cold. The policy's own tests: packages/core/src/sampling/event-time.test.ts.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type FlatSpan, HOUR_MS } from '@livegrade/core';
import type { Sampler } from '@livegrade/sampler';
import { mulberry32, randomTraceId } from '../../packages/core/src/sampling/prng.testkit.ts';
import { requireKafka } from '../support/infra.ts';
import { type SamplerRig, startSamplerRig } from '../support/sampler-rig.ts';
import { countVisible } from '../support/store.ts';
import type { GeneratedTrace } from '../support/traffic.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();
const modes = [
  { mode: 'kafka', brokers: kafka.ok ? kafka.url : '', skip: kafka.ok ? false : kafka.skip },
  { mode: 'embedded', brokers: '', skip: false as const },
];

const TARGET = 50;
const SIZES = { big: 4_000, mid: 600, small: 40 } as const;
type Slice = keyof typeof SIZES;
const SLICES = Object.keys(SIZES) as Slice[];
const Z99 = 2.576;
/** the previous clock hour: whatever minute the test runs at, all of it lies in one hour */
const HOUR_START = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
const SAMPLING = { per_slice_target_per_hour: TARGET, min_probability: 0.001, decision_wait: 200 };

/** One decision span per trace, its own root, ending at a seeded time in the hour. */
function hourOfTraffic(seed: number, sizes: Partial<Record<Slice, number>>): GeneratedTrace[] {
  const rnd = mulberry32(seed);
  const out: Array<GeneratedTrace & { endMs: number }> = [];
  for (const slice of SLICES) {
    for (let i = 0; i < (sizes[slice] ?? 0); i++) {
      const traceId = randomTraceId(rnd);
      const endMs = HOUR_START + Math.floor(rnd() * (HOUR_MS - 1_000));
      const span: FlatSpan = {
        traceId,
        spanId: traceId.slice(0, 16),
        parentSpanId: '',
        name: 'decision refund',
        kind: 1,
        startMs: endMs - 300,
        endMs,
        statusCode: 0,
        statusMessage: '',
        serviceName: 'support-bot',
        scopeName: 'livegrade',
        attributes: {
          'livegrade.decision.type': 'refund',
          'livegrade.decision.id': `d-${traceId}`,
          'livegrade.slice.language': slice,
        },
        resourceAttributes: { 'service.name': 'support-bot' },
        events: [],
      };
      out.push({ traceId, decisionId: `d-${traceId}`, decisionType: 'refund', label: '', spans: [span], endMs });
    }
  }
  return out.sort((a, b) => a.endMs - b.endMs);
}

interface Kept {
  n: number;
  kept: number;
  ht: number;
  variance: number;
}

async function keptBySlice(rig: SamplerRig): Promise<Record<Slice, Kept>> {
  const { data } = JSON.parse(
    await rig.store.readOnlyQuery(
      `SELECT slices['language'] AS slice, count() AS n, countIf(sample_reason = 'stratified') AS kept,
              sumIf(sample_weight, sample_reason = 'stratified') AS ht,
              sumIf(sample_weight * (sample_weight - 1), sample_reason = 'stratified') AS variance
       FROM decisions FINAL GROUP BY slice`,
    ),
  ) as { data: Array<Record<string, string>> };
  const out = {} as Record<Slice, Kept>;
  for (const r of data) {
    out[r.slice as Slice] = { n: Number(r.n), kept: Number(r.kept), ht: Number(r.ht), variance: Number(r.variance) };
  }
  return out;
}

async function allDecided(rig: SamplerRig, n: number) {
  await waitFor(
    `${n} decisions`,
    async () => ((await countVisible(rig.store, 'SELECT count() FROM decisions')) === n ? true : undefined),
    { timeoutMs: 120_000 },
  );
}

for (const { mode, brokers, skip } of modes) {
  describe(`sampling in event time: an hour live-paced and as a backlog (${mode})`, { skip }, () => {
    const traffic = hourOfTraffic(16, SIZES);
    const outcomes: Partial<Record<'live' | 'backlog', Record<Slice, Kept>>> = {};
    // one embedded store per process: the live rig is closed before the backlog's opens
    let backlogRig: SamplerRig | undefined;
    after(() => backlogRig?.close());

    it('live-paced: the hour sent in event order over 15 s', async () => {
      const rig = await startSamplerRig(brokers, 'event-live', 4);
      try {
        await rig.startSampler(SAMPLING);
        const chunk = Math.ceil(traffic.length / 30);
        for (let i = 0; i < traffic.length; i += chunk) {
          await rig.sendTraces(traffic.slice(i, i + chunk));
          await new Promise((r) => setTimeout(r, 500));
        }
        await allDecided(rig, traffic.length);
        outcomes.live = await keptBySlice(rig);
      } finally {
        await rig.close();
      }
    });

    let backlogSampler: Sampler | undefined;
    it('as a backlog: the hour already on the topic when the sampler starts', async () => {
      backlogRig = await startSamplerRig(brokers, 'event-backlog', 4);
      await backlogRig.sendTraces(traffic);
      backlogSampler = await backlogRig.startSampler(SAMPLING);
      await allDecided(backlogRig, traffic.length);
      outcomes.backlog = await keptBySlice(backlogRig);
      // what an on-call engineer watches while a backlog drains: how far behind the traffic's own time it decides
      const newest = Math.max(...traffic.map((t) => t.spans[0]!.endMs));
      const lag = backlogSampler.stats().eventTimeLagMs;
      assert.ok(Math.abs(lag - (Date.now() - newest)) < 60_000, `event time lag ${lag} ms`);
    });

    it('keeps the slice below target whole both ways, and about as many of the others', () => {
      const { live, backlog } = outcomes;
      assert.ok(live && backlog, 'both deliveries ran');
      assert.equal(live.small.kept, SIZES.small);
      assert.equal(backlog.small.kept, SIZES.small);
      for (const s of ['big', 'mid'] as const) {
        const [a, b] = [live[s].kept, backlog[s].kept];
        assert.ok(a >= TARGET && b >= TARGET, `${s}: live ${a}, backlog ${b}`);
        assert.ok(Math.abs(a - b) <= 3 * Math.sqrt(Math.max(a, b)), `${s}: live ${a}, backlog ${b}`);
      }
      console.log(`kept live / backlog: ${SLICES.map((s) => `${s} ${live[s].kept} / ${backlog[s].kept}`).join(', ')}`);
    });

    it("Horvitz–Thompson counts cover each slice's size within their 99% intervals", () => {
      assert.equal(Object.keys(outcomes).length, 2, 'both deliveries ran');
      for (const [how, o] of Object.entries(outcomes)) {
        for (const s of SLICES) {
          const { ht, variance } = o[s];
          const half = Z99 * Math.sqrt(variance);
          assert.ok(
            Math.abs(ht - SIZES[s]) <= half + 1e-6,
            `${how} ${s}: HT ${ht.toFixed(0)} ± ${half.toFixed(0)}, truth ${SIZES[s]}`,
          );
        }
      }
    });

    it('a restarted sampler continues the hour: the big slice is thinned at once, not kept whole anew', async () => {
      assert.ok(backlogRig && backlogSampler, 'the backlog ran');
      await backlogSampler.stop();
      const more = hourOfTraffic(17, { big: 400 });
      await backlogRig.sendTraces(more);
      await backlogRig.startSampler(SAMPLING);
      await allDecided(backlogRig, traffic.length + more.length);
      const ids = more.map((t) => `'${t.traceId}'`).join(',');
      const kept = await countVisible(
        backlogRig.store,
        `SELECT countIf(sample_reason = 'stratified') FROM decisions FINAL WHERE trace_id IN (${ids})`,
      );
      // seeded: p ≈ 50 / 4,400, about 5 of 400; started cold it keeps its first 50 and ~100 more
      assert.ok(kept < 25, `kept ${kept} of 400`);
    });
  });
}
