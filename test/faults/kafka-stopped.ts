// Row 2: the Kafka broker stops for 30 s mid-stream and starts again. The
// broker is the scenario's own (test/support/kafka-broker.ts), so the shared
// one is left alone. Traffic comes from an application instrumented with the
// official OpenTelemetry SDK and OTLP/HTTP exporter, through the real gateway;
// the sampler reads from the same broker. While the broker is down the gateway
// answers 503 with Retry-After and the exporter waits and retries; afterwards
// the gateway's producer and the sampler's consumer reconnect on their own.
import { type Bus, createKafkaBus } from '@livegrade/bus';
import { topicsOf } from '@livegrade/core';
import { createGateway, gatewayConfig } from '@livegrade/gateway';
import { createLogger } from '@livegrade/runtime';
import { createSampler, samplerConfig } from '@livegrade/sampler';
import { openStore } from '@livegrade/store';
import { type Context, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type IdGenerator,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { tempDataDir, testEnv } from '../support/env.ts';
import { uniqueKafkaNames } from '../support/infra.ts';
import { startOwnKafkaBroker } from '../support/kafka-broker.ts';
import type { GeneratedTrace } from '../support/traffic.ts';
import type { FaultRow, FaultScenario } from './row.ts';
import { sharedBrokers } from './support/kafka.ts';
import { sleep, startLoad } from './support/load.ts';
import { seconds } from './support/table.ts';
import { decisionsRow, finalTally, readerOf, recovered, steady } from './support/tally.ts';

const OUTAGE_MS = 30_000;
const RATE = 150;
/**
 * The official exporter makes at most 6 attempts of a batch, each retry after
 * the 503's Retry-After, all within its timeoutMillis. 5 waits of 10 s cover
 * the 30 s outage and the broker's start; the defaults (Retry-After 2 s,
 * timeoutMillis 10 s) cover about 10 s, as the README says.
 */
const RETRY_AFTER_S = 10;
const EXPORT_TIMEOUT_MS = 120_000;

/** The seeded traces' own ids, handed to the SDK in the order it asks for them. */
class ReplayIds implements IdGenerator {
  traceIds: string[] = [];
  spanIds: string[] = [];
  generateTraceId() {
    return this.traceIds.shift() ?? '';
  }
  generateSpanId() {
    return this.spanIds.shift() ?? '';
  }
}

/** Reports, per span, what the exporter told the application: the promise made to it. */
function reportingExporter(inner: SpanExporter, outcome: { exported: number; failed: number }): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (r: ExportResult) => void) {
      inner.export(spans, (result) => {
        if (result.code === ExportResultCode.SUCCESS) outcome.exported += spans.length;
        else outcome.failed += spans.length;
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

/** An application emitting the seeded traces through the OpenTelemetry SDK. */
function instrumentedApp(gatewayUrl: string) {
  const ids = new ReplayIds();
  const outcome = { exported: 0, failed: 0 };
  const provider = new TracerProvider({
    idGenerator: ids,
    resource: resourceFromAttributes({
      'service.name': 'support-bot',
      'service.version': '1.4.2',
      'deployment.environment': 'faults',
    }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: reportingExporter(
          new OTLPTraceExporter({ url: `${gatewayUrl}/v1/traces`, timeoutMillis: EXPORT_TIMEOUT_MS }),
          outcome,
        ),
        // spans wait here while the exporter retries one batch: room for the whole outage
        maxQueueSize: 200_000,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 200,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS + 30_000,
      }),
    ],
  });
  const tracer = provider.getTracer('support-bot');
  function emit(t: GeneratedTrace) {
    const byId = new Map<string, Context>();
    ids.traceIds.push(t.traceId);
    // spans are listed parents first; each ends in the order children first, as a real request does
    const started = t.spans.map((s) => {
      ids.spanIds.push(s.spanId);
      const parent = s.parentSpanId === '' ? ROOT_CONTEXT : (byId.get(s.parentSpanId) ?? ROOT_CONTEXT);
      const span = tracer.startSpan(
        s.name,
        { kind: Math.max(0, s.kind - 1), startTime: s.startMs, attributes: s.attributes },
        parent,
      );
      if (s.statusCode === 2) span.setStatus({ code: SpanStatusCode.ERROR, message: s.statusMessage });
      byId.set(s.spanId, trace.setSpan(parent, span));
      return { span, endMs: s.endMs };
    });
    for (const { span, endMs } of started.reverse()) span.end(endMs);
  }
  return { emit, outcome, provider };
}

export const scenario: FaultScenario = {
  name: 'kafka-stopped',
  async run({ log }): Promise<FaultRow> {
    await sharedBrokers(); // the own broker runs on the shared one's jars (infra/up.sh fetched them)
    const broker = await startOwnKafkaBroker();
    const data = tempDataDir('livegrade-faults-kafka-');
    const env = testEnv({
      LIVEGRADE_DATA_DIR: data.dir,
      LIVEGRADE_KAFKA_BROKERS: broker.brokers,
      LIVEGRADE_GATEWAY_RETRY_AFTER_S: String(RETRY_AFTER_S),
      ...uniqueKafkaNames('faults-kafka'),
    });
    const topics = topicsOf(env);
    const logger = createLogger(env.LIVEGRADE_LOG_LEVEL);
    // one client per service, as separate processes would have
    const buses: Bus[] = [];
    const bus = () => {
      const b = createKafkaBus({ brokers: [broker.brokers], logger });
      buses.push(b);
      return b;
    };
    const cleanup: Array<() => Promise<unknown>> = [];
    const store = await openStore(env).catch(async (err) => {
      await broker.remove();
      data.cleanup();
      throw err;
    });
    try {
      await bus().ensureTopics([
        { name: topics.spans, partitions: 3 },
        { name: topics.verdicts, partitions: 3 },
        { name: topics.dlq, partitions: 1 },
      ]);
      const sampler = createSampler({ bus: bus(), store, logger, config: samplerConfig(env) });
      await sampler.start();
      cleanup.push(() => sampler.stop());
      const gateway = createGateway({ bus: bus(), logger, config: gatewayConfig(env) });
      const url = await gateway.start();
      cleanup.push(() => gateway.stop());
      const app = instrumentedApp(url);
      cleanup.push(() => app.provider.shutdown());

      const prefix = `kafka-${Date.now().toString(36)}`;
      const load = startLoad({
        rate: RATE,
        prefix,
        seed: 2,
        log,
        send: async (traces) => {
          for (const t of traces) app.emit(t);
        },
      });
      cleanup.push(() => load.stop());
      const reader = readerOf(store);
      await sleep(10_000);
      await steady(reader, prefix, load.sent);
      log(`kafka-stopped: steady, ${load.sent} sent`);

      const sentAtStop = load.sent;
      const stopAt = Date.now();
      await broker.stop();
      const downAt = Date.now();
      log(`kafka-stopped: broker stopped (${downAt - stopAt} ms); down for ${OUTAGE_MS / 1000} s`);
      await sleep(OUTAGE_MS);
      const startAt = Date.now();
      await broker.start();
      const faultEnd = Date.now();
      const sentAtEnd = load.sent;
      const refused = gateway.stats().requests['/v1/traces']?.unavailable ?? 0;
      log(
        `kafka-stopped: broker answers again (start took ${faultEnd - startAt} ms); ${refused} requests answered 503`,
      );

      const recoverMs = await recovered(reader, prefix, sentAtEnd, faultEnd);
      log(
        `kafka-stopped: ${Number.isFinite(recoverMs) ? `caught up ${seconds(recoverMs)}` : 'not caught up'} after the broker came back`,
      );
      await sleep(5000);
      const sent = await load.stop();
      await app.provider.forceFlush().catch(() => {});
      const tally = await finalTally(reader, prefix, sent);
      const stats = gateway.stats().requests['/v1/traces'] ?? {};
      const s = sampler.stats();
      return decisionsRow(`Kafka broker stopped ${OUTAGE_MS / 1000} s`, sent, tally, recoverMs, [
        `${RATE} traces/s from the OpenTelemetry SDK (OTLP/HTTP exporter, timeoutMillis ${EXPORT_TIMEOUT_MS / 1000} s) through the gateway (Retry-After ${RETRY_AFTER_S} s); ${sentAtEnd - sentAtStop} sent from its stop to its return`,
        `broker down ${seconds(startAt - downAt)}, then ${seconds(faultEnd - startAt)} to start; its stop took ${seconds(downAt - stopAt)}`,
        `gateway: ${stats.accepted ?? 0} requests accepted, ${stats.unavailable ?? 0} answered 503, ${stats.failed ?? 0} failed otherwise`,
        `exporter: ${app.outcome.exported} spans reported exported, ${app.outcome.failed} failed`,
        `sampler: ${s.traces} traces decided, ${s.adopted} adopted from the store, ${s.handovers} handovers`,
      ]);
    } finally {
      for (const c of cleanup.reverse()) await c().catch(() => {});
      for (const b of buses) await b.close().catch(() => {});
      await store.close();
      await broker.remove();
      data.cleanup();
    }
  },
};
