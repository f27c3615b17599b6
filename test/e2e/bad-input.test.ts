// Bad input gets a clear error, lands in the DLQ where it came through the
// bus, and the pipeline keeps going: the good input after it is kept.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type ConsumedMessage, createKafkaBus } from '@livegrade/bus';
import { DEFAULT_CONFIG } from '@livegrade/core';
import { decodeTraces, encodeTraces } from '@livegrade/otlp';
import type { SamplerStore } from '@livegrade/sampler';
import type { EncodedTable } from '@livegrade/store';
import { requireKafka } from '../support/infra.ts';
import { startTestInstance } from '../support/instance.ts';
import { type SamplerRig, startSamplerRig } from '../support/sampler-rig.ts';
import { countRaw, countVisible } from '../support/store.ts';
import { generateTraces } from '../support/traffic.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();

async function post(url: string, body: Buffer | string, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    body: typeof body === 'string' ? body : new Uint8Array(body),
    headers,
  });
  const text = await res.text();
  return { status: res.status, text };
}

describe('gateway refuses bad requests with clear errors and keeps serving', () => {
  let instance: Awaited<ReturnType<typeof startTestInstance>>;
  let traces: string;
  let verdicts: string;
  before(async () => {
    instance = await startTestInstance('embedded', { env: { LIVEGRADE_MAX_BODY_BYTES: '4096' } });
    traces = `${instance.urls.gateway}/v1/traces`;
    verdicts = `${instance.urls.gateway}/v1/verdicts`;
  });
  after(async () => instance?.stop());

  it('400 for malformed protobuf, naming OTLP', async () => {
    const r = await post(traces, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), {
      'content-type': 'application/x-protobuf',
    });
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.text).error, /OTLP|protobuf/i);
  });

  it('415 for a content type that is not OTLP', async () => {
    const r = await post(traces, 'hello', { 'content-type': 'text/plain' });
    assert.equal(r.status, 415);
    assert.match(JSON.parse(r.text).error, /text\/plain.*application\/x-protobuf/);
  });

  it('413 for a body over the limit, also when it only grows that large after gunzip', async () => {
    const big = Buffer.alloc(8192, 1);
    assert.equal((await post(traces, big, { 'content-type': 'application/x-protobuf' })).status, 413);
    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 0));
    assert.ok(bomb.length < 4096);
    const r = await post(traces, bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    assert.equal(r.status, 413);
    assert.match(JSON.parse(r.text).error, /4096 byte limit/);
  });

  it('400 for an invalid verdict, naming the field; nothing of that request is written', async () => {
    const r = await post(
      verdicts,
      JSON.stringify({
        verdicts: [
          { kind: 'feedback', decision_id: 'd1', value: 'thumbs_down' },
          { kind: 'review', decision_id: 'd2', reviewer_id: 'r1', seniority: 'principal', label: 'deny' },
        ],
      }),
      { 'content-type': 'application/json' },
    );
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.text).error, /verdicts\.1\.seniority/);
    const notJson = await post(verdicts, '{"kind": ', { 'content-type': 'application/json' });
    assert.equal(notJson.status, 400);
    assert.match(JSON.parse(notJson.text).error, /not valid JSON/);
  });

  it('accepts good input after all that, gzip included', async () => {
    const [t] = generateTraces({ traces: 1, seed: 3 });
    const r = await post(traces, gzipSync(Buffer.from(encodeTraces(t!.spans))), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    assert.equal(r.status, 200);
    const v = await post(
      verdicts,
      JSON.stringify({ kind: 'feedback', decision_id: t!.decisionId, value: 'thumbs_down' }),
      {
        'content-type': 'application/json',
      },
    );
    assert.equal(v.status, 202);
    const store = instance.store!;
    await waitFor('the decision and its verdict', async () =>
      (await countVisible(
        store,
        `SELECT count() FROM decisions d JOIN verdicts v ON v.decision_id = d.decision_id WHERE d.decision_id = '${t!.decisionId}'`,
      )) === 1
        ? true
        : undefined,
    );
    assert.equal(
      await countVisible(store, 'SELECT count() FROM verdicts'),
      1,
      'the refused verdict batch left nothing',
    );
  });
});

describe('poison messages on Kafka go to the DLQ with their reason', { skip: kafka.ok ? false : kafka.skip }, () => {
  let instance: Awaited<ReturnType<typeof startTestInstance>>;
  before(async () => {
    instance = await startTestInstance('kafka', {
      brokers: kafka.ok ? kafka.url : '',
      label: 'dlq',
      services: ['sampler'],
    });
  });
  after(async () => instance?.stop());

  it('does not stall the partition', async () => {
    const prefix = instance.env.LIVEGRADE_KAFKA_TOPIC_PREFIX;
    const bus = createKafkaBus({ brokers: [kafka.ok ? kafka.url : ''] });
    const producer = bus.producer();
    const [good] = generateTraces({ traces: 1, seed: 5 });
    // all on one key, so one partition: the good messages sit behind the poison
    await producer.send(`${prefix}.spans`, [
      { key: 'k', value: Buffer.from('definitely not protobuf \u0000\u00ff', 'latin1') },
      { key: 'k', value: Buffer.from(encodeTraces(good!.spans)) },
    ]);
    await producer.send(`${prefix}.verdicts`, [
      { key: 'd', value: Buffer.from('{"kind":"review","decision_id":"d"}') },
      {
        key: 'd',
        value: Buffer.from(JSON.stringify({ kind: 'feedback', decision_id: good!.decisionId, value: 'retry' })),
      },
    ]);

    const dead: ConsumedMessage[] = [];
    const dlq = bus.consumer({ groupId: `${prefix}-dlq-reader`, topics: [`${prefix}.dlq`] });
    await dlq.run(async (batch) => {
      dead.push(...batch.messages);
    });
    await waitFor('two DLQ messages', async () => (dead.length >= 2 ? true : undefined));
    await bus.close();

    const reasons = dead.map((m) => m.headers['livegrade.dlq.reason'] ?? '').sort();
    assert.match(reasons[0] ?? '', /^invalid verdict: .*reviewer_id/);
    assert.match(reasons[1] ?? '', /^undecodable OTLP traces/);
    assert.ok(dead.every((m) => /\.(spans|verdicts)\/\d+\/\d+$/.test(m.headers['livegrade.dlq.source'] ?? '')));
    assert.equal(dead.find((m) => m.key === 'k')?.value.toString('latin1'), 'definitely not protobuf \u0000\u00ff');

    const store = instance.store!;
    await waitFor('the good decision and verdict', async () =>
      (await countVisible(store, `SELECT count() FROM verdicts WHERE decision_id = '${good!.decisionId}'`)) === 1 &&
      (await countVisible(store, 'SELECT count() FROM decisions')) === 1
        ? true
        : undefined,
    );
  });
});

/** The rig's DLQ from its start, collected as it comes (close the bus when done). */
async function readDlq(rig: SamplerRig) {
  const bus = createKafkaBus({ brokers: [kafka.ok ? kafka.url : ''] });
  const dead: ConsumedMessage[] = [];
  const dlq = bus.consumer({ groupId: `${rig.topics.dlq}-reader`, topics: [rig.topics.dlq], fromBeginning: true });
  await dlq.run(async (batch) => {
    dead.push(...batch.messages);
  });
  return { dead, bus };
}

/** The sampler's store with each insert's body rewritten first: how these tests make the real engine refuse rows. */
function rewritingInserts(rewrite: (table: EncodedTable, body: string) => string) {
  return (store: SamplerStore): SamplerStore =>
    new Proxy(store, {
      get(target, key, receiver) {
        if (key !== 'insertEncoded') return Reflect.get(target, key, receiver);
        return (table: EncodedTable, body: string) => target.insertEncoded(table, rewrite(table, body));
      },
    });
}

describe('a trace whose rows the store refuses goes to the DLQ; the partition moves on', {
  skip: kafka.ok ? false : kafka.skip,
}, () => {
  let rig: SamplerRig;
  after(() => rig?.close());

  it("stores every other trace once, dead-letters that one with the engine's reason, and commits past it", async () => {
    rig = await startSamplerRig(kafka.ok ? kafka.url : '', 'refused', 1);
    const traces = generateTraces({ traces: 300, seed: 16, errorRate: 0 });
    const poison = traces[137]!;
    let inserts = 0;
    // the real engine refuses the row: the poison trace's span rows are mangled on their way in (every
    // trace is kept here, below per_slice_target_per_hour, so its spans go to sampled_spans)
    const mangling = rewritingInserts((table, body) => {
      inserts++;
      const lines = body.split('\n').map((l) => (l.includes(poison.traceId) && table === 'sampled_spans' ? '[1,' : l));
      return lines.join('\n');
    });
    const sampler = await rig.startSampler({ decision_wait: 200 }, { store: mangling });
    await rig.sendTraces(traces);

    const { dead, bus } = await readDlq(rig);
    await waitFor('the poison trace in the DLQ', async () => (dead.length >= 1 ? true : undefined));
    await bus.close();
    await waitFor('every other decision stored', async () =>
      (await countVisible(rig.store, 'SELECT count() FROM decisions FINAL')) === 299 ? true : undefined,
    );
    await waitFor('the partition committed to its end', async () =>
      sampler.lag().every((l) => l.lag === 0) && sampler.stats().buffered === 0 ? true : undefined,
    );

    assert.equal(dead.length, 1);
    const [m] = dead as [ConsumedMessage];
    assert.equal(m.key, poison.traceId);
    assert.equal(m.headers['livegrade.dlq.format'], 'rows');
    assert.match(
      m.headers['livegrade.dlq.reason'] ?? '',
      /^the store refused its sampled_spans rows: .*(brackets|parse)/is,
    );
    assert.match(m.headers['livegrade.dlq.source'] ?? '', new RegExp(`^${rig.topics.spans}/0/\\d+$`));
    const rows = JSON.parse(m.value.toString()) as {
      parked_traces: unknown[][];
      sampled_spans: unknown[][];
      decisions: unknown[][];
    };
    assert.equal(rows.sampled_spans.length, poison.spans.length, 'the rows it was refused, as they were sent');
    assert.equal(rows.parked_traces.length, 1, 'its ledger row, as JSON like the others');
    assert.equal(rows.parked_traces[0]?.[1], poison.traceId);
    assert.equal(rows.decisions.length, 1);
    assert.equal(
      await countVisible(rig.store, `SELECT count() FROM decisions WHERE trace_id = '${poison.traceId}'`),
      0,
      'nothing of the refused trace is half-written',
    );
    // halving rounds to isolate one trace: a few dozen inserts, not a retry loop
    assert.ok(inserts < 60, `${inserts} inserts`);
    assert.equal(sampler.stats().dlq, 1);
  });

  it('sends the parked traces of a write whose parked_batches row is refused to the DLQ as OTLP, to be sent back', async () => {
    await rig?.close();
    rig = await startSamplerRig(kafka.ok ? kafka.url : '', 'refused-batch', 1);
    const traces = generateTraces({ traces: 300, seed: 18, errorRate: 0 });
    let refusals = 0;
    // the real engine refuses the row: the first parked_batches row is not a row at all
    const refusing = rewritingInserts((table, body) => {
      if (table !== 'parked_batches' || refusals > 0) return body;
      refusals++;
      return 'not a time\tb\tc\n';
    });
    // after the first successes of each slice the policy keeps almost none: most traces are parked
    const sampler = await rig.startSampler(
      {
        decision_wait: 200,
        per_slice_target_per_hour: 0.001,
        min_probability: 0.001,
        keep_always: { ...DEFAULT_CONFIG.sampling.keep_always, score_below: null },
      },
      { store: refusing },
    );
    await rig.sendTraces(traces);

    const { dead, bus } = await readDlq(rig);
    const decided = () => countVisible(rig.store, 'SELECT uniqExact(trace_id) FROM decisions FINAL');
    await waitFor('every trace stored or in the DLQ, the partition committed to its end', async () =>
      dead.length > 0 &&
      (await decided()) + dead.length === traces.length &&
      sampler.lag().every((l) => l.lag === 0) &&
      sampler.stats().buffered === 0
        ? true
        : undefined,
    );
    await bus.close();

    assert.equal(refusals, 1);
    assert.equal(sampler.stats().dlq, dead.length);
    const byId = new Map(traces.map((t) => [t.traceId, t]));
    for (const m of dead) {
      assert.match(m.headers['livegrade.dlq.reason'] ?? '', /^the store refused the parked_batches row of its write: /);
      assert.equal(m.headers['livegrade.dlq.format'], undefined, 'a spans message, not rows');
      const spans = decodeTraces(m.value);
      assert.deepEqual(
        spans.map((s) => s.spanId).sort(),
        byId
          .get(m.key ?? '')
          ?.spans.map((s) => s.spanId)
          .sort(),
        'the trace whole, and only it',
      );
      assert.equal(
        await countVisible(rig.store, `SELECT count() FROM decisions WHERE trace_id = '${m.key}'`),
        0,
        'nothing of it is written',
      );
    }

    // sent back to the spans topic, each is decided and stored once
    await rig.producer.send(
      rig.topics.spans,
      dead.map((m) => ({ key: m.key ?? '', value: m.value })),
    );
    await waitFor('every trace stored', async () => ((await decided()) === traces.length ? true : undefined));
    assert.equal(await countVisible(rig.store, 'SELECT count() FROM decisions FINAL'), traces.length);
    assert.equal(await countRaw(rig.store, 'decisions'), traces.length, 'no row written twice, FINAL or not');
  });
});

describe('a bad sampling policy file', () => {
  it('stops the start before anything is opened, naming the file and each bad key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livegrade-config-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'sampling:\n  min_probability: 2\n  slice_bye: [language]\n');
    try {
      await assert.rejects(startTestInstance('embedded', { env: { LIVEGRADE_CONFIG: file } }), (err: Error) => {
        assert.match(err.message, /policy\.yaml: sampling\.min_probability: .*\(got 2\)/);
        assert.match(err.message, /sampling\.slice_bye: unknown key \(did you mean "slice_by"\?\)/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
