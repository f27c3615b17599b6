// Kafka goes down under a running gateway: the official OTLP exporter is told
// 503 with Retry-After (not 500, which it would not retry), waits as told,
// retries, and once the broker is back every span it reported exported is on
// the spans topic. /v1/verdicts behaves the same for a plain HTTP client.
// The broker is the test's own (infra/kafka/start.sh on free ports), so
// stopping it leaves the shared one alone.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Bus, createKafkaBus } from '@livegrade/bus';
import { topicsOf } from '@livegrade/core';
import { createGateway, type Gateway, gatewayConfig } from '@livegrade/gateway';
import { decodeTraces } from '@livegrade/otlp';
import { createLogger } from '@livegrade/runtime';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { testEnv } from '../support/env.ts';
import { requireKafka, uniqueKafkaNames } from '../support/infra.ts';
import { type OwnKafkaBroker, startOwnKafkaBroker } from '../support/kafka-broker.ts';
import { type Exchange, startRecordingProxy } from '../support/recording-proxy.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();

// The exporter makes at most 6 attempts, each retry after Retry-After, all
// within its timeoutMillis (raised here so that only the attempt cap binds).
// A refused attempt takes about a second, so a 3 s Retry-After spreads them
// over about 20 s: the broker is restarted once two attempts of every batch
// were refused, and the four left cover its start (2 to 7 s here).
const RETRY_AFTER_S = 3;
const BATCHES = 4;
const BATCH_SIZE = 50;

/**
 * Wraps the exporter to learn what it reported for each span: exported is the
 * promise made to the application. forceFlush alone does not tell: it waits
 * for the batches it starts, not for one the processor started on its own
 * when its buffer filled.
 */
function reportingExporter(inner: SpanExporter, outcomes: Map<string, 'exported' | 'failed'>): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (r: ExportResult) => void) {
      inner.export(spans, (result) => {
        const outcome = result.code === ExportResultCode.SUCCESS ? 'exported' : 'failed';
        for (const s of spans) outcomes.set(s.spanContext().spanId, outcome);
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

/** How many times each value shows up on a topic, read from the beginning until `expected` are all there. */
async function countOnTopic(bus: Bus, topic: string, keyOf: (value: Buffer) => string[], expected: string[]) {
  const counts = new Map<string, number>();
  const behind = new Map<number, boolean>();
  const consumer = bus.consumer({ groupId: `${topic}-check-${randomUUID()}`, topics: [topic], fromBeginning: true });
  await consumer.run(async (batch) => {
    for (const m of batch.messages) for (const k of keyOf(m.value)) counts.set(k, (counts.get(k) ?? 0) + 1);
    const last = batch.messages.at(-1);
    if (last) behind.set(batch.partition, BigInt(last.offset) + 1n < BigInt(batch.highWatermark));
  });
  try {
    // duplicates share their original's key, hence its partition: reading each such partition to its end finds them
    await waitFor(
      `${expected.length} values on ${topic}`,
      async () => (expected.every((k) => counts.has(k)) && ![...behind.values()].some(Boolean) ? true : undefined),
      { timeoutMs: 60_000 },
    );
  } finally {
    await consumer.stop();
  }
  return counts;
}

function attemptsByBody(exchanges: Exchange[]): Exchange[][] {
  const byBody = new Map<string, Exchange[]>();
  for (const e of exchanges) byBody.set(e.bodyHash, [...(byBody.get(e.bodyHash) ?? []), e]);
  return [...byBody.values()];
}

describe('gateway while its Kafka broker is down', { skip: kafka.ok ? false : kafka.skip, timeout: 240_000 }, () => {
  let broker: OwnKafkaBroker;
  let bus: Bus;
  let gateway: Gateway;
  let gatewayUrl: string;
  const topics = topicsOf(uniqueKafkaNames('kafka-down'));

  before(async () => {
    broker = await startOwnKafkaBroker();
    bus = createKafkaBus({ brokers: [broker.brokers] });
    await bus.ensureTopics([
      { name: topics.spans, partitions: 3 },
      { name: topics.verdicts, partitions: 3 },
    ]);
    const env = testEnv({ LIVEGRADE_KAFKA_TOPIC_PREFIX: topics.spans.replace(/\.spans$/, '') });
    gateway = createGateway({
      bus,
      logger: createLogger(process.env.LIVEGRADE_TEST_LOG_LEVEL ?? 'silent'),
      config: gatewayConfig(env, { sendTimeoutMs: 2000, retryAfterSeconds: RETRY_AFTER_S }),
    });
    gatewayUrl = await gateway.start();
  });
  after(async () => {
    await gateway?.stop();
    await bus?.close();
    await broker?.remove();
  });

  it('the OTLP exporter gets 503 + Retry-After, retries through the restart, and every exported span is on the topic', async () => {
    const proxy = await startRecordingProxy(gatewayUrl);
    const outcomes = new Map<string, 'exported' | 'failed'>();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'kafka-down-app' }),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: reportingExporter(
            new OTLPTraceExporter({ url: `${proxy.url}/v1/traces`, timeoutMillis: 90_000 }),
            outcomes,
          ),
          maxExportBatchSize: BATCH_SIZE,
          maxQueueSize: 10_000,
          scheduledDelayMillis: 600_000,
          exportTimeoutMillis: 120_000,
        }),
      ],
    });
    const tracer = provider.getTracer('kafka-down');
    const spanIds: string[] = [];
    const emit = (n: number) => {
      for (let i = 0; i < n; i++) {
        const span = tracer.startSpan(`work ${i}`);
        spanIds.push(span.spanContext().spanId);
        span.end();
      }
    };
    try {
      emit(10);
      await provider.forceFlush();
      assert.deepEqual(
        proxy.exchanges.map((e) => e.status),
        [200],
        'the gateway takes spans while the broker is up',
      );
      proxy.exchanges.length = 0;

      const outageStart = Date.now();
      await broker.stop();
      emit(BATCHES * BATCH_SIZE);
      const flushed = provider.forceFlush();
      // keeps an early rejection from going unhandled while the outage is waited out
      flushed.catch(() => {});
      await waitFor(`a first attempt of each of the ${BATCHES} batches`, async () =>
        attemptsByBody(proxy.exchanges).length === BATCHES ? true : undefined,
      );
      assert.deepEqual(
        proxy.exchanges.map((e) => [e.status, e.retryAfter]),
        proxy.exchanges.map(() => [503, String(RETRY_AFTER_S)]),
        'while the broker is down the exporter is answered 503 with Retry-After',
      );
      await waitFor(
        `two refused attempts of each of the ${BATCHES} batches`,
        async () => {
          const batches = attemptsByBody(proxy.exchanges);
          return batches.length === BATCHES && batches.every((b) => b.filter((e) => e.status === 503).length >= 2)
            ? true
            : undefined;
        },
        { timeoutMs: 60_000 },
      );
      const restartAt = Date.now();
      await broker.start();
      const restartMs = Date.now() - restartAt;
      const outageMs = Date.now() - outageStart;
      await flushed;
      await waitFor('the exporter to report on every span', async () =>
        outcomes.size === spanIds.length ? true : undefined,
      );

      const batches = attemptsByBody(proxy.exchanges);
      assert.equal(batches.length, BATCHES);
      for (const attempts of batches) {
        assert.ok(attempts.length > 2, `a batch was sent ${attempts.length} times`);
        assert.equal(attempts.at(-1)?.status, 200, 'the last attempt went through');
        const refused = attempts.slice(0, -1);
        assert.deepEqual(
          refused.map((e) => [e.status, e.retryAfter]),
          refused.map(() => [503, String(RETRY_AFTER_S)]),
          'every attempt before it was a 503 with Retry-After',
        );
        // its own backoff would have retried after 0.8 to 1.2 s: waiting RETRY_AFTER_S means it honoured the header
        for (let i = 1; i < attempts.length; i++) {
          const waited = attempts[i]!.receivedAt - attempts[i - 1]!.answeredAt;
          assert.ok(waited >= RETRY_AFTER_S * 1000 - 100, `retry ${i} came ${waited} ms after the 503`);
        }
      }
      const refusals = proxy.exchanges.filter((e) => e.status === 503).length;
      assert.equal(gateway.stats().requests['/v1/traces']?.unavailable, refusals, 'counted as unavailable');
      assert.equal(
        gateway.stats().requests['/v1/traces']?.failed,
        undefined,
        'no request failed with a 5xx other than 503',
      );

      const exported = spanIds.filter((id) => outcomes.get(id) === 'exported');
      assert.deepEqual(exported, spanIds, 'the exporter reported every span exported');
      const counts = await countOnTopic(
        bus,
        topics.spans,
        (value) => decodeTraces(value, 'protobuf').map((s) => s.spanId),
        exported,
      );
      const missing = exported.filter((id) => !counts.has(id));
      assert.deepEqual(missing, [], 'every exported span is on the topic');
      const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
      console.log(
        `gateway-kafka-down: ${spanIds.length} spans in ${BATCHES + 1} batches; broker down ${outageMs} ms (restart ${restartMs} ms); ` +
          `${proxy.exchanges.length} requests during the outage (${refusals} answered 503); ` +
          `attempts per batch ${batches.map((b) => b.length).join(', ')}; duplicate spans on the topic: ${duplicates}`,
      );
    } finally {
      await provider.shutdown().catch(() => {});
      await proxy.close();
    }
  });

  it('/v1/verdicts answers 503 + Retry-After while the broker is down and 202 once it is back', async () => {
    const verdict = { id: randomUUID(), kind: 'feedback', decision_id: `d-${randomUUID()}`, value: 'thumbs_down' };
    const post = () =>
      fetch(`${gatewayUrl}/v1/verdicts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(verdict),
      });
    await broker.stop();
    const refused = await post();
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), String(RETRY_AFTER_S));
    assert.match(((await refused.json()) as { error: string }).error, /bus did not acknowledge/);
    await broker.start();
    const accepted = await post();
    assert.equal(accepted.status, 202);
    assert.deepEqual(await accepted.json(), { accepted: 1 });
    assert.equal(gateway.stats().requests['/v1/verdicts']?.unavailable, 1);

    const counts = await countOnTopic(
      bus,
      topics.verdicts,
      (value) => [(JSON.parse(value.toString('utf8')) as { id: string }).id],
      [verdict.id],
    );
    assert.ok((counts.get(verdict.id) ?? 0) >= 1, 'the accepted verdict is on the topic');
    console.log(`gateway-kafka-down: the verdict is on the topic ${counts.get(verdict.id)} time(s)`);
  });
});
