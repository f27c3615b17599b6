// Parked traces (issue 18, migration 0015): a trace not kept is parked as
// its OTLP bytes and decoded only when a late verdict promotes it. What it
// then stores must be what the same trace stores when it is kept at once:
// the same sampled_spans rows, span for span, column for column (but the
// sampling columns and ingested_at). The traffic covers the shapes the
// sampler parks differently: one trace per message, a trace split over two
// messages, two traces in one message (cut per trace), and OTLP JSON.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEFAULT_CONFIG, type FlatSpan, traceUniform } from '@livegrade/core';
import { encodeTraces, encodeTracesJson } from '@livegrade/otlp';
import { type SamplerRig, startSamplerRig } from '../support/sampler-rig.ts';
import { countVisible } from '../support/store.ts';
import { type GeneratedTrace, generateTraces } from '../support/traffic.ts';
import { waitFor } from '../support/wait.ts';

const TYPES = ['refund', 'change_address', 'cancel_order'];
const COLUMNS = `ts, trace_id, span_id, parent_span_id, name, kind, duration_ms, status_code, status_message,
  service, scope, decision_id, decision_type, attributes, resource_attributes, events`;

/** what the wire can carry beyond the generated traffic: events, arrays, maps, odd strings */
function enrich(t: GeneratedTrace, i: number): GeneratedTrace {
  const spans: FlatSpan[] = t.spans.map((s, k) => ({
    ...s,
    statusMessage: k === 1 ? `tab\there, "quoted", ${i}` : s.statusMessage,
    attributes: {
      ...s.attributes,
      'app.tags': ['a', 'b\\c', String(i)],
      'app.ratio': 0.25 + i,
      'app.flag': k % 2 === 0,
      'app.text': 'line\nbreak ünïcødé',
    },
    events:
      k === 2
        ? [{ name: 'retry', timeMs: s.startMs + 5, attributes: { attempt: 2, 'error.type': 'timeout' } }]
        : s.events,
  }));
  return { ...t, spans };
}

describe('a parked trace, promoted, stores what it stores when kept at once', () => {
  let rig: SamplerRig;
  const warmup = generateTraces({ traces: 150, seed: 21, errorRate: 0 });
  // not kept by min_probability's draw (as in sampling.test.ts): every one of these is parked
  const traffic = generateTraces({ traces: 40, seed: 22, errorRate: 0 })
    .filter((t) => traceUniform(t.traceId) >= 0.01)
    .slice(0, 12)
    .map(enrich);

  /** the traffic as Kafka messages, each trace in a different shape */
  async function send(rig: SamplerRig) {
    const [split, mixedA, mixedB, json, ...single] = traffic as [
      GeneratedTrace,
      GeneratedTrace,
      GeneratedTrace,
      GeneratedTrace,
      ...GeneratedTrace[],
    ];
    const message = (key: string, spans: FlatSpan[]) => ({ key, value: Buffer.from(encodeTraces(spans)) });
    await rig.producer.send(rig.topics.spans, [
      // children first, the root in a later message
      message(split.traceId, split.spans.slice(1)),
      message(split.traceId, split.spans.slice(0, 1)),
      message(mixedA.traceId, [...mixedA.spans, ...mixedB.spans]),
      { key: json.traceId, value: Buffer.from(encodeTracesJson(json.spans)) },
      ...single.map((t) => message(t.traceId, t.spans)),
    ]);
  }

  after(async () => {
    await rig?.close();
  });

  const ids = traffic.map((t) => t.traceId);
  const inTraffic = `trace_id IN (${ids.map((id) => `'${id}'`).join(',')})`;
  const decided = async () =>
    (await countVisible(rig.store, `SELECT count() FROM decisions WHERE ${inTraffic}`)) === ids.length
      ? true
      : undefined;
  const sampledTraces = () =>
    countVisible(rig.store, `SELECT uniqExact(trace_id) FROM sampled_spans WHERE ${inTraffic}`);
  const rowsOf = async () =>
    (
      JSON.parse(
        await rig.store.readOnlyQuery(
          `SELECT ${COLUMNS}, sample_reason FROM sampled_spans WHERE ${inTraffic} ORDER BY trace_id, span_id`,
        ),
      ) as { data: Array<Record<string, unknown>> }
    ).data;

  it('span for span, every column but the sampling ones', async () => {
    // one embedded store per process at a time: parked first, then the same traffic on a fresh store
    rig = await startSamplerRig('', 'parked');
    await rig.startSampler({
      decision_wait: 300,
      per_slice_target_per_hour: 0.001,
      min_probability: 0.001,
      keep_always: { ...DEFAULT_CONFIG.sampling.keep_always, score_below: null },
    });
    // the first successes of each slice are kept; after them the policy keeps almost none
    for (let i = 0; i < warmup.length; i += 30) await rig.sendTraces(warmup.slice(i, i + 30));
    await waitFor('the warm-up decided', async () =>
      (await countVisible(rig.store, 'SELECT count() FROM decisions')) === warmup.length ? true : undefined,
    );
    await send(rig);
    await waitFor('the traffic decided (parked)', decided);
    assert.equal(await sampledTraces(), 0, 'none of the traffic was kept: all of it is parked');
    await rig.sendVerdicts(traffic.map((t) => ({ kind: 'feedback', decision_id: t.decisionId, value: 'thumbs_down' })));
    await waitFor('every trace promoted', async () => ((await sampledTraces()) === ids.length ? true : undefined));
    const promoted = await rowsOf();
    await rig.close();

    // every decision type is sensitive: each trace is kept whole when decided
    rig = await startSamplerRig('', 'whole');
    await rig.startSampler({
      decision_wait: 300,
      keep_always: { ...DEFAULT_CONFIG.sampling.keep_always, decision_types: TYPES },
    });
    await send(rig);
    await waitFor('the traffic decided (whole)', decided);
    await waitFor('all of it kept at once', async () => ((await sampledTraces()) === ids.length ? true : undefined));
    const kept = await rowsOf();

    assert.equal(
      promoted.length,
      traffic.reduce((n, t) => n + t.spans.length, 0),
      'every span, once',
    );
    assert.ok(promoted.every((r) => r.sample_reason === 'late_feedback'));
    assert.ok(
      kept.every((r) => r.sample_reason !== '' && r.sample_reason !== 'late_feedback'),
      'kept when decided',
    );
    const strip = (rows: Array<Record<string, unknown>>) => rows.map(({ sample_reason: _r, ...rest }) => rest);
    assert.deepEqual(strip(promoted), strip(kept));
  });
});
