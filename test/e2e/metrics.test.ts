// Every service exposes Prometheus metrics that follow the traffic:
//   embedded, one process: gateway, sampler, store inserts, scorer and
//     alerter deliveries on the API's /metrics, after real traffic, a window
//     scored and an alert delivered to a local webhook
//   a process without the api (`livegrade up --services sampler`, as in
//     docker-compose.yml) serves them on LIVEGRADE_METRICS_PORT
//   on Kafka, the sampler's consumer lag per partition
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG, type LivegradeConfig, parseConfig, topicsOf } from '@livegrade/core';
import { encodeTraces } from '@livegrade/otlp';
import { type FakeReceiver, startFakeReceiver } from '../support/fake-receiver.ts';
import { requireKafka } from '../support/infra.ts';
import { startTestInstance } from '../support/instance.ts';
import { type Scrape, scrape } from '../support/prometheus.ts';
import { countVisible } from '../support/store.ts';
import { type GeneratedTrace, generateTraces } from '../support/traffic.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();

const MIN = 60_000;
/** what the issue asks every deployment to expose, by family */
const FAMILIES = [
  'livegrade_gateway_requests_total',
  'livegrade_gateway_spans_received_total',
  'livegrade_gateway_verdicts_received_total',
  'livegrade_sampler_consumer_lag',
  'livegrade_sampler_spans_read_total',
  'livegrade_sampler_kept_traces_total',
  'livegrade_sampler_dlq_messages_total',
  'livegrade_sampler_buffered_traces',
  'livegrade_sampler_event_time_lag_seconds',
  'livegrade_store_insert_seconds',
  'livegrade_store_inserted_rows_total',
  'livegrade_scorer_window_seconds',
  'livegrade_alerter_delivery_attempts_total',
];

const quickSampling = { ...DEFAULT_CONFIG.sampling, decision_wait: 200 };

/** One window, one slice, and a rule that fires on any error in it, to a webhook. */
function configWithAlert(): LivegradeConfig {
  const parsed = parseConfig({
    scoring: { interval: '1h', lag: '1h', catch_up: 0, windows: ['15m'], slices: [['decision_type']] },
    alerts: {
      receivers: { hook: { type: 'webhook', url_env: 'METRICS_HOOK_URL' } },
      rules: [
        {
          name: 'any-error',
          metric: 'error_rate',
          window: '15m',
          slices: ['*'],
          condition: { op: '>', threshold: 0 },
          min_samples: 1,
          receivers: ['hook'],
        },
      ],
    },
  });
  return { ...parsed, sampling: quickSampling };
}

async function post(url: string, body: Uint8Array | string, contentType: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    body: typeof body === 'string' ? body : new Uint8Array(body),
    headers: { 'content-type': contentType },
  });
  await res.arrayBuffer();
  return res.status;
}

/** OTLP protobuf requests of `perRequest` traces each; returns how many requests were sent. */
async function postTraces(gateway: string, traces: GeneratedTrace[], perRequest: number): Promise<number> {
  let requests = 0;
  for (let i = 0; i < traces.length; i += perRequest) {
    const spans = traces.slice(i, i + perRequest).flatMap((t) => t.spans);
    assert.equal(await post(`${gateway}/v1/traces`, encodeTraces(spans), 'application/x-protobuf'), 200);
    requests++;
  }
  return requests;
}

const spanCount = (traces: GeneratedTrace[]) => traces.reduce((n, t) => n + t.spans.length, 0);
const isError = (t: GeneratedTrace) => t.spans.some((s) => s.statusCode === 2);

describe('metrics of every service in one process (embedded)', () => {
  const end = Math.floor(Date.now() / (15 * MIN)) * 15 * MIN;
  const window = { window_ms: 15 * MIN, end_ms: end };
  const traces = generateTraces({ traces: 120, seed: 11, errorRate: 0.1, startMs: end - 10 * MIN });
  const thumbsDown = traces
    .slice(0, 10)
    .map((t) => ({ kind: 'feedback', decision_id: t.decisionId, value: 'thumbs_down' }));
  let instance: Awaited<ReturnType<typeof startTestInstance>>;
  let hook: FakeReceiver;
  let traceRequests = 0;
  let metrics: Scrape;

  before(async () => {
    hook = await startFakeReceiver('/hooks/metrics');
    instance = await startTestInstance('embedded', {
      config: configWithAlert(),
      processEnv: { METRICS_HOOK_URL: hook.url },
      alertDelivery: { backoffMs: 100, maxBackoffMs: 1000 },
    });
    const gateway = instance.urls.gateway!;
    traceRequests = await postTraces(gateway, traces, 40);
    assert.equal(
      await post(`${gateway}/v1/verdicts`, JSON.stringify({ verdicts: thumbsDown }), 'application/json'),
      202,
    );
    // refused by the gateway, never on the bus
    assert.equal(await post(`${gateway}/v1/traces`, 'spans, please', 'text/plain'), 415);
    assert.equal(await post(`${gateway}/v1/traces`, new Uint8Array([0xff, 0xff, 0xff]), 'application/x-protobuf'), 400);
    // on the bus, but not OTLP: the sampler sends it to the DLQ
    const producer = instance.bus.producer();
    await producer.send(topicsOf(instance.env).spans, [{ key: 'poison', value: Buffer.from('not protobuf \u00ff') }]);
    await producer.close();

    const store = instance.store!;
    await waitFor(`${traces.length} decisions and ${thumbsDown.length} verdicts`, async () =>
      (await countVisible(store, 'SELECT count() FROM decisions')) === traces.length &&
      (await countVisible(store, 'SELECT count() FROM verdicts')) === thumbsDown.length
        ? true
        : undefined,
    );
    await instance.scorer!.score(window);
    await waitFor('the alert delivered to the webhook', async () => (hook.delivered().length > 0 ? true : undefined));
    // the attempt is counted once the delivery is recorded, just after the webhook answered
    metrics = await waitFor('the delivery counted', async () => {
      const m = await scrape(instance.urls.api!);
      return m.value('livegrade_alerter_delivery_attempts_total', { outcome: 'delivered' }) ? m : undefined;
    });
  });
  after(async () => {
    await instance?.stop();
    await hook?.close();
  });

  it('declares every family the issue names', () => {
    const missing = FAMILIES.filter((f) => !metrics.families.has(f));
    assert.deepEqual(missing, [], `missing from /metrics: ${missing.join(', ')}`);
  });

  it('counts gateway requests by route and outcome, and what they carried', () => {
    assert.equal(
      metrics.value('livegrade_gateway_requests_total', { route: '/v1/traces', outcome: 'accepted' }),
      traceRequests,
    );
    assert.equal(
      metrics.value('livegrade_gateway_requests_total', {
        route: '/v1/traces',
        outcome: 'rejected_unsupported_media_type',
      }),
      1,
    );
    assert.equal(
      metrics.value('livegrade_gateway_requests_total', { route: '/v1/traces', outcome: 'rejected_invalid' }),
      1,
    );
    assert.equal(metrics.value('livegrade_gateway_requests_total', { route: '/v1/verdicts', outcome: 'accepted' }), 1);
    assert.equal(metrics.value('livegrade_gateway_spans_received_total'), spanCount(traces));
    assert.equal(metrics.value('livegrade_gateway_traces_received_total'), traces.length);
    assert.equal(metrics.value('livegrade_gateway_verdicts_received_total'), thumbsDown.length);
    assert.ok((metrics.value('livegrade_gateway_request_bytes_total') ?? 0) > 0);
  });

  it('counts what the sampler read, kept and dead-lettered, and shows no lag once it caught up', () => {
    const errors = traces.filter(isError).length;
    assert.ok(errors > 0, 'the traffic has failures');
    assert.equal(metrics.value('livegrade_sampler_spans_read_total'), spanCount(traces));
    assert.equal(metrics.value('livegrade_sampler_traces_decided_total'), traces.length);
    assert.equal(metrics.value('livegrade_sampler_kept_traces_total', { reason: 'error' }), errors);
    assert.equal(metrics.value('livegrade_sampler_dlq_messages_total'), 1);
    assert.equal(metrics.value('livegrade_sampler_buffered_traces'), 0);
    const topics = topicsOf(instance.env);
    const spansLag = metrics.series('livegrade_sampler_consumer_lag', { topic: topics.spans });
    assert.deepEqual(
      spansLag.map((s) => s.labels.partition).sort(),
      ['0', '1', '2'],
      'one series per partition of the spans topic',
    );
    assert.deepEqual(
      metrics.series('livegrade_sampler_consumer_lag').filter((s) => s.value !== 0),
      [],
      'nothing left unread',
    );
  });

  it('times the store inserts by table and counts their rows', () => {
    for (const table of [
      'decisions',
      'parked_traces',
      'sampled_spans',
      'verdicts',
      'slice_metrics',
      'alert_notifications',
    ]) {
      assert.ok(
        (metrics.value('livegrade_store_insert_seconds_count', { table }) ?? 0) > 0,
        `an insert into ${table} timed`,
      );
    }
    assert.equal(metrics.value('livegrade_store_inserted_rows_total', { table: 'decisions' }), traces.length);
    // one row per trace, kept or not (a kept trace's is its ledger entry, its spans go to sampled_spans)
    assert.equal(metrics.value('livegrade_store_inserted_rows_total', { table: 'parked_traces' }), traces.length);
    assert.equal(metrics.value('livegrade_store_inserted_rows_total', { table: 'verdicts' }), thumbsDown.length);
    assert.equal(metrics.value('livegrade_store_insert_failures_total') ?? 0, 0);
  });

  it('records how long scoring took and how the alert delivery went, per receiver', () => {
    assert.ok((metrics.value('livegrade_scorer_window_seconds_count', { outcome: 'completed' }) ?? 0) >= 1);
    assert.ok((metrics.value('livegrade_scorer_window_seconds_sum', { outcome: 'completed' }) ?? 0) > 0);
    assert.ok((metrics.value('livegrade_scorer_last_window_seconds') ?? 0) > 0);
    assert.equal(
      metrics.value('livegrade_alerter_delivery_attempts_total', { receiver: 'hook', outcome: 'delivered' }),
      hook.delivered().length,
    );
    assert.equal(metrics.value('livegrade_alerter_delivery_attempts_total', { outcome: 'failed' }) ?? 0, 0);
  });
});

describe('a process without the api serves /metrics on LIVEGRADE_METRICS_PORT (embedded sampler)', () => {
  const traces = generateTraces({ traces: 30, seed: 12 });
  let instance: Awaited<ReturnType<typeof startTestInstance>>;

  before(async () => {
    instance = await startTestInstance('embedded', {
      services: ['sampler'],
      config: { ...DEFAULT_CONFIG, sampling: quickSampling },
    });
    const producer = instance.bus.producer();
    await producer.send(
      topicsOf(instance.env).spans,
      traces.map((t) => ({ key: t.traceId, value: Buffer.from(encodeTraces(t.spans)) })),
    );
    await producer.close();
    const store = instance.store!;
    await waitFor(`${traces.length} decisions`, async () =>
      (await countVisible(store, 'SELECT count() FROM decisions')) === traces.length ? true : undefined,
    );
  });
  after(async () => instance?.stop());

  it("serves this process's services' metrics, and only theirs", async () => {
    assert.equal(instance.urls.api, undefined);
    const url = instance.urls.metrics;
    assert.ok(url, 'the metrics listener is bound');
    const metrics = await scrape(url);
    assert.equal(metrics.value('livegrade_sampler_spans_read_total'), spanCount(traces));
    assert.equal(metrics.value('livegrade_store_inserted_rows_total', { table: 'decisions' }), traces.length);
    assert.equal(metrics.value('livegrade_sampler_consumer_lag'), 0);
    assert.ok(metrics.families.has('livegrade_process_cpu_seconds_total'), 'process metrics too');
    assert.ok(!metrics.families.has('livegrade_gateway_requests_total'), 'no gateway runs here');
    assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true });
  });
});

describe('consumer lag per partition on Kafka (gateway + sampler process)', {
  skip: kafka.ok ? false : kafka.skip,
}, () => {
  const traces = generateTraces({ traces: 90, seed: 13 });
  let instance: Awaited<ReturnType<typeof startTestInstance>>;

  before(async () => {
    instance = await startTestInstance('kafka', {
      brokers: kafka.ok ? kafka.url : '',
      label: 'metrics',
      services: ['gateway', 'sampler'],
      config: { ...DEFAULT_CONFIG, sampling: quickSampling },
    });
    await postTraces(instance.urls.gateway!, traces, 30);
    const store = instance.store!;
    await waitFor(`${traces.length} decisions`, async () =>
      (await countVisible(store, 'SELECT count() FROM decisions')) === traces.length ? true : undefined,
    );
  });
  after(async () => instance?.stop());

  it('reports each partition the sampler read, at 0 once it caught up', async () => {
    const spans = topicsOf(instance.env).spans;
    const metrics = await waitFor('the last batch of every partition measured', async () => {
      const m = await scrape(instance.urls.metrics!);
      const lag = m.series('livegrade_sampler_consumer_lag', { topic: spans });
      return lag.length === 3 && lag.every((s) => s.value === 0) ? m : undefined;
    });
    assert.equal(metrics.value('livegrade_sampler_spans_read_total'), spanCount(traces));
    assert.equal(metrics.value('livegrade_gateway_spans_received_total'), spanCount(traces));
  });
});
