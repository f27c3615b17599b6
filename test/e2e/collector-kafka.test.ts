// A stock OpenTelemetry Collector with the Kafka exporter writes OTLP straight
// to the spans topic, with no livegrade code. These messages are built as its
// `otlp_proto` and `otlp_json` marshalers build them: one ExportTraceServiceRequest
// per message holding several traces, no key unless partition_traces_by_id.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeTraces, encodeTracesJson } from '@livegrade/otlp';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { requireKafka } from '../support/infra.ts';
import { startTestInstance } from '../support/instance.ts';
import { countVisible } from '../support/store.ts';
import { generateTraces } from '../support/traffic.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();

describe('Collector Kafka exporter messages → sampler → ClickHouse', { skip: kafka.ok ? false : kafka.skip }, () => {
  let instance: Awaited<ReturnType<typeof startTestInstance>>;
  before(async () => {
    instance = await startTestInstance('kafka', {
      brokers: kafka.ok ? kafka.url : '',
      label: 'collector',
      services: ['sampler'],
    });
  });
  after(async () => instance?.stop());

  it('reads otlp_proto and otlp_json messages holding several traces each', async () => {
    const proto = generateTraces({ traces: 40, seed: 7 });
    const json = generateTraces({ traces: 25, seed: 8 });
    const client = new Kafka({
      clientId: 'fake-collector',
      brokers: [kafka.ok ? kafka.url : ''],
      logLevel: logLevel.NOTHING,
    });
    const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: `${instance.env.LIVEGRADE_KAFKA_TOPIC_PREFIX}.spans`,
      messages: [
        { value: Buffer.from(encodeTraces(proto.slice(0, 20).flatMap((t) => t.spans))) },
        { value: Buffer.from(encodeTraces(proto.slice(20).flatMap((t) => t.spans))) },
        { value: Buffer.from(encodeTracesJson(json.flatMap((t) => t.spans))) },
      ],
    });
    await producer.disconnect();

    const store = instance.store!;
    await waitFor('65 decisions', async () =>
      (await countVisible(store, 'SELECT count() FROM decisions')) === 65 ? true : undefined,
    );
    // below per_slice_target_per_hour every trace is kept whole
    assert.equal(await countVisible(store, 'SELECT count() FROM sampled_spans'), 65 * 3, 'every span arrived');
    const sample = json[3]!;
    const rows = JSON.parse(
      await store.readOnlyQuery(
        `SELECT span_id, parent_span_id, name, attributes['livegrade.decision.label'] AS label FROM sampled_spans WHERE trace_id = '${sample.traceId}' ORDER BY ts`,
      ),
    ).data as Array<{ span_id: string; parent_span_id: string; name: string; label: string }>;
    assert.deepEqual(
      rows.map((r) => [r.span_id, r.parent_span_id, r.name]),
      sample.spans.map((s) => [s.spanId, s.parentSpanId, s.name]),
      'the JSON-encoded trace arrives whole with its parent links',
    );
    assert.equal(rows[1]?.label, sample.label);
  });
});
