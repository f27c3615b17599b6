// A service instrumented with the stock OpenTelemetry SDK and the official
// OTLP/HTTP protobuf exporter (gzip on), no livegrade code in it, pointed at
// the gateway: its spans reach ClickHouse through real Kafka, and a request
// holding several traces is split so each trace is its own keyed message.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Kafka, logLevel } from 'kafkajs';
import { requireKafka } from '../support/infra.ts';
import { startTestInstance } from '../support/instance.ts';
import { countVisible } from '../support/store.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();

describe('official OTLP exporter → gateway → Kafka → sampler', { skip: kafka.ok ? false : kafka.skip }, () => {
  let instance: Awaited<ReturnType<typeof startTestInstance>>;
  before(async () => {
    instance = await startTestInstance('kafka', { brokers: kafka.ok ? kafka.url : '', label: 'otlp' });
  });
  after(async () => instance?.stop());

  it('stores the decisions and splits a multi-trace request per trace id', async () => {
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'plain-otel-app' }),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({
            url: `${instance.urls.gateway}/v1/traces`,
            compression: CompressionAlgorithm.GZIP,
          }),
          // one export request for everything below
          maxExportBatchSize: 1000,
          scheduledDelayMillis: 60_000,
        }),
      ],
    });
    const tracer = provider.getTracer('plain');
    const traceIds: string[] = [];
    for (let i = 0; i < 25; i++) {
      const root = tracer.startSpan('POST /orders');
      traceIds.push(root.spanContext().traceId);
      const decision = tracer.startSpan(
        'classify order',
        {
          attributes: {
            'livegrade.decision.type': 'fraud_check',
            'livegrade.decision.label': i % 5 === 0 ? 'block' : 'allow',
            'livegrade.decision.score': 0.5,
            'livegrade.slice.region': i % 2 ? 'eu' : 'us',
          },
        },
        trace.setSpan(context.active(), root),
      );
      if (i === 3) decision.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 503' });
      decision.end();
      root.end();
    }
    await provider.forceFlush();
    await provider.shutdown();

    const store = instance.store!;
    await waitFor('25 decisions', async () =>
      (await countVisible(store, 'SELECT count() FROM decisions')) === 25 ? true : undefined,
    );
    // below per_slice_target_per_hour every trace is kept whole
    assert.equal(await countVisible(store, 'SELECT count() FROM sampled_spans'), 50);
    assert.equal(await countVisible(store, "SELECT count() FROM decisions WHERE slices['region'] = 'eu'"), 12);
    assert.equal(await countVisible(store, 'SELECT countIf(is_error) FROM decisions'), 1);
    assert.equal(await countVisible(store, "SELECT count() FROM decisions WHERE service = 'plain-otel-app'"), 25);

    // the Kafka messages behind it: one per trace, keyed by its trace id
    const client = new Kafka({ clientId: 'inspect', brokers: [kafka.ok ? kafka.url : ''], logLevel: logLevel.NOTHING });
    const admin = client.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(`${instance.env.LIVEGRADE_KAFKA_TOPIC_PREFIX}.spans`);
    await admin.disconnect();
    const total = offsets.reduce((n, p) => n + Number(p.high), 0);
    assert.equal(total, 25, 'one message per trace');
    const keys: string[] = [];
    const consumer = client.consumer({ groupId: `${instance.env.LIVEGRADE_KAFKA_GROUP}-inspect` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${instance.env.LIVEGRADE_KAFKA_TOPIC_PREFIX}.spans`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        keys.push(message.key?.toString() ?? '');
      },
    });
    await waitFor('all 25 keys', async () => (keys.length >= 25 ? true : undefined));
    await consumer.disconnect();
    assert.deepEqual([...keys].sort(), [...traceIds].sort());
  });
});
