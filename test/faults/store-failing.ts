// Row 4: every write to the store fails for 60 s under steady load, then the
// store comes back. The engine is in-process, so the fault sits in front of
// it: a Proxy over the repository the sampler gets, whose write methods throw
// while the fault is on. What must hold besides the counts:
//  - no offset is committed past a message whose decision is not written
//    (committed offsets read with kafkajs every 2 s during the outage, checked
//    against the decisions the store had taken by then);
//  - the sampler backs off instead of spinning: write attempts during the
//    outage stay within the retry backoff (a handful, not thousands);
//  - it stops reading: the buffer stays within max_buffered_traces, and what
//    it reads in the outage's second half is a small share of what was sent.
import { createKafkaBus } from '@livegrade/bus';
import { DEFAULT_CONFIG, topicsOf } from '@livegrade/core';
import { encodeTraces } from '@livegrade/otlp';
import { createLogger } from '@livegrade/runtime';
import { createSampler, type SamplerStore, samplerConfig } from '@livegrade/sampler';
import { decisionLineAsObject, openStore, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from '../support/env.ts';
import { uniqueKafkaNames } from '../support/infra.ts';
import type { FaultRow, FaultScenario } from './row.ts';
import { offsetsReader, readKeys, sharedBrokers } from './support/kafka.ts';
import { sleep, startLoad } from './support/load.ts';
import { seconds } from './support/table.ts';
import { decisionsRow, finalTally, readerOf, recovered, steady } from './support/tally.ts';

const OUTAGE_MS = 60_000;
const RATE = 200;
/** small enough that the outage reaches it: 200 traces/s fill it in 10 s */
const MAX_BUFFERED = 2000;
const WRITES = new Set(['insertEncoded', 'insertVerdicts', 'recordProgress', 'promoteTraces']);

interface Snapshot {
  at: number;
  committed: Map<number, number>;
}

/**
 * The store as the sampler sees it, with writes that fail while `failing.on`.
 * Records when each decision row was taken, to check commits against.
 */
function faultyStore(store: Store) {
  const state = { on: false, attempts: 0, written: new Map<string, number>() };
  const proxy = new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => Promise<unknown>;
      if (typeof prop !== 'string' || !WRITES.has(prop)) return fn.bind(target);
      return async (...args: unknown[]) => {
        if (state.on) {
          state.attempts++;
          throw new Error('store unavailable (fault injected)');
        }
        const result = await fn.apply(target, args);
        if (prop === 'insertEncoded' && args[0] === 'decisions') {
          const at = Date.now();
          for (const line of String(args[1]).split('\n')) {
            if (line) state.written.set(String(decisionLineAsObject(line).decision_id), at);
          }
        }
        return result;
      };
    },
  });
  return { store: proxy as SamplerStore, state };
}

export const scenario: FaultScenario = {
  name: 'store-failing',
  async run({ log }): Promise<FaultRow> {
    const brokers = await sharedBrokers();
    const data = tempDataDir('livegrade-faults-store-');
    const names = uniqueKafkaNames('faults-store');
    const env = testEnv({ LIVEGRADE_DATA_DIR: data.dir, LIVEGRADE_KAFKA_BROKERS: brokers, ...names });
    const topics = topicsOf(env);
    const logger = createLogger(env.LIVEGRADE_LOG_LEVEL);
    const bus = createKafkaBus({ brokers: brokers.split(','), logger });
    const samplerBus = createKafkaBus({ brokers: brokers.split(','), logger });
    const offsets = offsetsReader(brokers, names.LIVEGRADE_KAFKA_GROUP, topics.spans);
    const store = await openStore(env);
    const cleanup: Array<() => Promise<unknown>> = [];
    try {
      await bus.ensureTopics([
        { name: topics.spans, partitions: 3 },
        { name: topics.verdicts, partitions: 3 },
        { name: topics.dlq, partitions: 1 },
      ]);
      const faulty = faultyStore(store);
      const config = samplerConfig(env, { ...DEFAULT_CONFIG.sampling, max_buffered_traces: MAX_BUFFERED });
      const sampler = createSampler({ bus: samplerBus, store: faulty.store, logger, config });
      await sampler.start();
      cleanup.push(() => sampler.stop());

      const producer = bus.producer();
      const prefix = `store-${Date.now().toString(36)}`;
      const load = startLoad({
        rate: RATE,
        prefix,
        seed: 4,
        log,
        send: (traces) =>
          producer.send(
            topics.spans,
            traces.map((t) => ({ key: t.traceId, value: Buffer.from(encodeTraces(t.spans)) })),
          ),
      });
      cleanup.push(() => load.stop());
      const reader = readerOf(store);

      // steady state first: decisions flowing into the store
      await sleep(10_000);
      const before = await steady(reader, prefix, load.sent);
      log(`store-failing: steady, ${load.sent} sent, caught up within ${before} ms`);

      const snapshots: Snapshot[] = [];
      const s0 = sampler.stats();
      faulty.state.on = true;
      const outageStart = Date.now();
      const sentAtStart = load.sent;
      let mid: { spansRead: number; sent: number } | undefined;
      log(`store-failing: store writes fail for ${OUTAGE_MS / 1000} s`);
      while (Date.now() - outageStart < OUTAGE_MS) {
        const committed = await offsets.committed();
        snapshots.push({ at: Date.now(), committed });
        if (!mid && Date.now() - outageStart >= OUTAGE_MS / 2)
          mid = { spansRead: sampler.stats().spansRead, sent: load.sent };
        await sleep(Math.max(0, Math.min(2000, OUTAGE_MS - (Date.now() - outageStart))));
      }
      faulty.state.on = false;
      const faultEnd = Date.now();
      const outageMs = faultEnd - outageStart;
      const sentAtEnd = load.sent;
      const s1 = sampler.stats();
      const attempts = faulty.state.attempts;
      log(`store-failing: store back; ${attempts} write attempts refused; waiting for ${sentAtEnd} decisions`);

      const recoverMs = await recovered(reader, prefix, sentAtEnd, faultEnd);
      log(`store-failing: caught up ${recoverMs} ms after the store came back`);
      await sleep(5000); // the load goes on a little after recovery
      const sent = await load.stop();
      const tally = await finalTally(reader, prefix, sent);
      const { peakBuffered, early } = sampler.stats();

      // with the sampler stopped (it commits what it wrote), nothing of the topic is left uncommitted
      await sampler.stop();
      const [committedAfter, endAfter] = [await offsets.committed(), await offsets.end()];

      // every committed offset checked against what was written when it was read
      const keys = await readKeys(bus, topics.spans, sent);
      const violations: string[] = [];
      for (const snap of snapshots) {
        for (const [partition, next] of snap.committed) {
          const messages = keys.get(partition) ?? new Map<number, string>();
          for (let offset = 0; offset < next; offset++) {
            const traceId = messages.get(offset);
            const id = traceId === undefined ? undefined : load.decisionOfTrace.get(traceId);
            const writtenAt = id === undefined ? undefined : faulty.state.written.get(id);
            if (writtenAt === undefined || writtenAt > snap.at) {
              violations.push(
                `at +${snap.at - outageStart} ms partition ${partition} was committed through ${next} but offset ${offset} (${id}) ${writtenAt === undefined ? 'was never written' : `was written ${writtenAt - snap.at} ms later`}`,
              );
              break;
            }
          }
        }
      }
      const readInSecondHalf = s1.spansRead - (mid?.spansRead ?? 0);
      const sentInSecondHalf = (sentAtEnd - (mid?.sent ?? 0)) * 3;
      const maxAttempts = Math.ceil(outageMs / 1000) * 2;
      const unfinished = [...endAfter].filter(([p, end]) => (committedAfter.get(p) ?? -1) !== end);
      const problems = [
        ...violations.slice(0, 5),
        ...(violations.length > 5 ? [`... ${violations.length - 5} more commits past unwritten messages`] : []),
        ...(attempts > maxAttempts
          ? [
              `${attempts} write attempts in ${outageMs} ms of outage: spinning (the backoff allows about 12; bound ${maxAttempts})`,
            ]
          : []),
        ...(peakBuffered > MAX_BUFFERED + 1
          ? [`${peakBuffered} traces buffered at once, above max_buffered_traces ${MAX_BUFFERED}`]
          : []),
        ...(readInSecondHalf > sentInSecondHalf / 10
          ? [
              `the sampler read ${readInSecondHalf} spans in the outage's second half (${sentInSecondHalf} sent): it did not stop fetching`,
            ]
          : []),
        ...(unfinished.length > 0
          ? [`after the stop, committed ${JSON.stringify([...committedAfter])} vs end ${JSON.stringify([...endAfter])}`]
          : []),
      ];
      const row = decisionsRow(`store writes failing ${OUTAGE_MS / 1000} s`, sent, tally, recoverMs, [
        `${RATE} traces/s; ${sentAtEnd - sentAtStart} sent during the ${seconds(outageMs)} outage; max_buffered_traces ${MAX_BUFFERED}`,
        `write attempts during the outage: ${attempts} (retry backoff 0.2 s doubling to 10 s)`,
        `read during the outage: ${(s1.spansRead - s0.spansRead) / 3} traces, ${readInSecondHalf / 3} of them in its second half (${sentInSecondHalf / 3} sent then): the write backlog passed max_buffered_traces and fetching stopped`,
        `peak buffered traces ${peakBuffered}; decided early (buffer full) ${early - s0.early}`,
        `committed offsets read ${snapshots.length} times during the outage: ${violations.length} past an unwritten decision; all committed to the end after the stop: ${unfinished.length === 0}`,
      ]);
      if (problems.length > 0) {
        throw new Error(`store-failing: ${problems.join('; ')}\nrow: ${JSON.stringify(row)}`);
      }
      return row;
    } finally {
      for (const c of cleanup.reverse()) await c().catch(() => {});
      await offsets.close().catch(() => {});
      await bus.close();
      await samplerBus.close();
      await store.close();
      data.cleanup();
    }
  },
};
