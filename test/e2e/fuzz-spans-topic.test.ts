// Issue 16, the spans topic: the fuzzer's bad bytes written straight to
// Kafka, interleaved with good traces, on one partition so each bad message
// sits in front of good ones. Every good trace is decided and stored once,
// every undecodable message is in the DLQ with its reason, the committed
// offset reaches the end of the partition, and memory stays bounded.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ConsumedMessage, createKafkaBus } from '@livegrade/bus';
import { decodeTraces, encodeTraces } from '@livegrade/otlp';
import type { Sampler } from '@livegrade/sampler';
import { Kafka, logLevel } from 'kafkajs';
import {
  assertMemoryBounded,
  type BadMessage,
  badMessages,
  fuzzSeconds,
  fuzzSeed,
  settledMemory,
  showMemory,
  Tally,
} from '../support/fuzz.ts';
import { requireKafka } from '../support/infra.ts';
import { type SamplerRig, startSamplerRig } from '../support/sampler-rig.ts';
import { type GeneratedTrace, generateTraces } from '../support/traffic.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CASE = 'livegrade.fuzz.case';

/** What the DLQ reason must say for a message the decoder refuses: the sampler's prefix and the decoder's own words. */
function expectedReason(value: Buffer): string | undefined {
  try {
    decodeTraces(value);
    return undefined;
  } catch (err) {
    return `undecodable OTLP traces: ${(err as Error).message}`;
  }
}

describe('fuzzing the spans topic with bad messages', { skip: kafka.ok ? false : kafka.skip }, () => {
  const brokers = kafka.ok ? kafka.url : '';
  let rig: SamplerRig;
  let sampler: Sampler;
  before(async () => {
    rig = await startSamplerRig(brokers, 'fuzz-spans', 1);
  });
  after(async () => rig?.close());

  it('dead-letters every bad message with its reason, keeps every good trace once, and keeps the partition moving', async (t) => {
    const seconds = fuzzSeconds(8);
    const seed = fuzzSeed();
    const kinds = new Tally();
    const bad = new Map<string, BadMessage>();
    const good: GeneratedTrace[] = [];
    const messages = badMessages(seed);
    sampler = await rig.startSampler({ decision_wait: 200 });

    const started = Date.now();
    const deadline = started + seconds * 1000;
    const warmUntil = started + Math.min(5000, seconds * 100);
    let warm: NodeJS.MemoryUsage | undefined;
    let batches = 0;
    while (Date.now() < deadline) {
      // a batch: bad messages with good traces between them, all on the one partition
      const batch: Array<{ key: string; value: Buffer; headers: Record<string, string> }> = [];
      for (let i = 0; i < 20; i++) {
        const m = messages.next().value as BadMessage;
        const id = `${batches}.${i}`;
        bad.set(id, m);
        kinds.add(m.kind);
        batch.push({ key: `bad-${id}`, value: m.value, headers: { [CASE]: id } });
        if (i % 4 === 0) {
          const [trace] = generateTraces({ traces: 1, seed: seed * 100_000 + good.length, errorRate: 0 });
          good.push(trace!);
          batch.push({ key: trace!.traceId, value: Buffer.from(encodeTraces(trace!.spans)), headers: {} });
        }
      }
      await rig.producer.send(rig.topics.spans, batch);
      batches++;
      if (!warm && Date.now() >= warmUntil) warm = settledMemory();
      // paced by the sampler, so the budget is spent on input it handles rather than on a backlog
      while (sum(sampler.lag().map((l) => l.lag)) > 500) await sleep(50);
    }

    // the partition keeps moving: the group's committed offset reaches its end
    const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const group = `lgtest-${rig.topics.spans.replace(/^lgtest\./, '').replace(/\.spans$/, '')}`;
    try {
      const [end] = await admin.fetchTopicOffsets(rig.topics.spans);
      await waitFor(
        `the committed offset of ${rig.topics.spans}/0 to reach ${end?.high}`,
        async () => {
          const [topic] = await admin.fetchOffsets({ groupId: group, topics: [rig.topics.spans] });
          const committed = topic?.partitions.find((p) => p.partition === 0)?.offset;
          return committed === end?.high ? true : undefined;
        },
        { timeoutMs: 120_000 },
      );
    } finally {
      await admin.disconnect();
    }
    const fed = (Date.now() - started) / 1000;
    const end = settledMemory();

    // every good trace decided and stored exactly once (physical rows: no FINAL to hide a duplicate)
    const ids = good.map((g) => `'${g.decisionId}'`).join(',');
    const [row] = await rig.store.select<{ n: string; distinct: string }>(
      `SELECT count() AS n, uniqExact(decision_id) AS distinct FROM decisions WHERE decision_id IN (${ids})`,
    );
    assert.equal(Number(row?.distinct), good.length, 'every good trace has its decision');
    assert.equal(Number(row?.n), good.length, 'and only one');

    // the DLQ holds exactly the messages the decoder refuses, each with the decoder's reason
    const dead = new Map<string, ConsumedMessage>();
    const bus = createKafkaBus({ brokers: brokers.split(',') });
    const expected = [...bad].filter(([, m]) => expectedReason(m.value) !== undefined);
    try {
      const reader = bus.consumer({ groupId: `${group}-dlq-reader`, topics: [rig.topics.dlq] });
      await reader.run(async (b) => {
        for (const d of b.messages) dead.set(d.headers[CASE] ?? `(no case) ${d.offset}`, d);
      });
      await waitFor(`${expected.length} DLQ messages`, async () => (dead.size >= expected.length ? true : undefined));
    } finally {
      await bus.close();
    }
    const failures: string[] = [];
    for (const [id, m] of bad) {
      const reason = expectedReason(m.value);
      const d = dead.get(id);
      if (reason === undefined) {
        if (d) failures.push(`${id} ${m.kind}: decodable, yet dead-lettered: ${d.headers['livegrade.dlq.reason']}`);
      } else if (!d) failures.push(`${id} ${m.kind}: not in the DLQ (${reason})`);
      else {
        if (d.headers['livegrade.dlq.reason'] !== reason.slice(0, 2000))
          failures.push(`${id} ${m.kind}: reason ${d.headers['livegrade.dlq.reason']}, expected ${reason}`);
        if (!d.value.equals(m.value)) failures.push(`${id} ${m.kind}: the DLQ holds other bytes than were sent`);
        if (!/\.spans\/0\/\d+$/.test(d.headers['livegrade.dlq.source'] ?? ''))
          failures.push(`${id} ${m.kind}: source ${d.headers['livegrade.dlq.source']}`);
      }
    }
    const stats = sampler.stats();
    t.diagnostic(
      `seed ${seed}: ${bad.size} bad and ${good.length} good messages, all handled in ${fed.toFixed(1)} s ` +
        `(${((bad.size + good.length) / fed).toFixed(0)}/s); ${expected.length} dead-lettered, ` +
        `${stats.spansRead} spans read`,
    );
    t.diagnostic(`kinds: ${kinds}`);
    if (warm) t.diagnostic(`memory after warm-up: ${showMemory(warm)}; at the end: ${showMemory(end)}`);
    assert.deepEqual(failures.slice(0, 20), [], `seed ${seed} (LIVEGRADE_FUZZ_SEED=${seed} replays it)`);
    assert.ok(expected.length > 0 && expected.length < bad.size, 'the run mixes refused and accepted odd input');
    assert.ok(warm, 'the run ended before its warm-up did');
    assertMemoryBounded(warm, end);
  });
});
