// Sampler replicas rebalancing on real Kafka decide every trace exactly once
// (issue 15), whether the member giving partitions up was busy with a batch or
// idle with writes still in flight. Each of those runs LIVEGRADE_REBALANCE_RUNS
// times (default 3, as CI runs it); `npm run test:rebalance` runs them 20 times.
// Once: a handover the store refuses runs out of its budget, and the member
// writes nothing more after it rejoins.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Sampler, SamplerStore } from '@livegrade/sampler';
import { joinAndLeave, settle } from '../faults/support/replicas-handover.ts';
import { requireKafka } from '../support/infra.ts';
import { type SamplerRig, startSamplerRig } from '../support/sampler-rig.ts';
import { countRaw } from '../support/store.ts';
import { generateTraces } from '../support/traffic.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();
const skip = kafka.ok ? false : kafka.skip;
const brokers = kafka.ok ? kafka.url : '';
const runs = Number(process.env.LIVEGRADE_REBALANCE_RUNS ?? 3);
if (!Number.isInteger(runs) || runs < 1) throw new Error('LIVEGRADE_REBALANCE_RUNS: expected a whole number above 0');

for (let run = 1; run <= runs; run++) {
  describe(`two sampler replicas rebalancing mid-run, busy (run ${run} of ${runs})`, { skip }, () => {
    let rig: SamplerRig;
    const N = 3000;
    const traces = generateTraces({ traces: N, seed: 20 + run, errorRate: 0.05 });
    before(async () => {
      rig = await startSamplerRig(brokers, `replicas-${run}`, 4);
    });
    after(() => rig?.close());

    it('decides every trace exactly once and writes one row per decision', async () => {
      // steady traffic for ~6 s, as in production: a rebalance then finds members mid-batch
      const { a, b } = await joinAndLeave(rig, traces, {
        sampling: { decision_wait: 500 },
        joinAt: 900,
        leaveAt: 2100,
      });
      await exactlyOnce(rig, N, a, b);
      assert.ok(a.stats().handovers >= 1, 'a handed over before b got partitions');
    });
  });

  describe(`two sampler replicas rebalancing mid-run, idle with writes in flight (run ${run} of ${runs})`, {
    skip,
  }, () => {
    let rig: SamplerRig;
    const N = 1000;
    const traces = generateTraces({ traces: N + 500, seed: 40 + run, errorRate: 0.05 });
    before(async () => {
      rig = await startSamplerRig(brokers, `idle-${run}`, 4);
    });
    after(() => rig?.close());

    it('the member that gives partitions up finishes its writes first; nobody decides them again', async () => {
      // a's store takes 1.5 s per decisions write: a is idle (no batch in hand) but still writing
      // when b joins, which is how 3,019 decisions for 3,000 traces happened before
      let slowWrites = 0;
      const a = await rig.startSampler(
        { decision_wait: 200 },
        { store: (s) => slowDecisions(s, 1500, () => slowWrites++) },
      );
      await rig.sendTraces(traces.slice(0, N));
      await waitFor('a read every trace and began writing', async () =>
        a.stats().traces === N && slowWrites > 0 ? true : undefined,
      );
      const b = await rig.startSampler({ decision_wait: 200 });
      await rig.sendTraces(traces.slice(N)); // and traffic goes on, for both
      await exactlyOnce(rig, N + 500, a, b);
      assert.ok(a.stats().handovers >= 1, 'a handed over before b got partitions');
    });
  });
}

describe('two sampler replicas rebalancing while the store refuses writes', { skip }, () => {
  let rig: SamplerRig;
  const N = 600;
  const traces = generateTraces({ traces: N, seed: 60, errorRate: 0.05 });
  before(async () => {
    // the shortest session the group allows: the handover's budget is half of it, 3 s
    rig = await startSamplerRig(brokers, 'refused', 4, { LIVEGRADE_KAFKA_SESSION_TIMEOUT_MS: '6000' });
  });
  after(() => rig?.close());

  it('gives up handing over in time, writes nothing more, and the traces are decided once after', async () => {
    let refusing = false;
    let refused = 0;
    const a = await rig.startSampler(
      { decision_wait: 200 },
      {
        store: (s) => ({
          ...s,
          insertEncoded: async (table, body) => {
            if (refusing) {
              refused++;
              throw new Error('store unavailable (test)');
            }
            return s.insertEncoded(table, body);
          },
        }),
      },
    );
    refusing = true;
    await rig.sendTraces(traces.slice(0, N / 2));
    await waitFor('a read the traces and its writes are refused', async () =>
      a.stats().spansRead > 0 && refused > 0 ? true : undefined,
    );
    // b's start resolves once the group formed again, which waits for a's JoinGroup: a's budget ran out by then
    const b = await rig.startSampler({ decision_wait: 200 });
    // the store comes back: what a held is decided once, by whoever owns it now, from the last commit
    refusing = false;
    await rig.sendTraces(traces.slice(N / 2));
    const how = await oneRowEach(rig, N, a, b);
    // a's stats count the traces of its abandoned round as decided, so only the rows tell: one each,
    // physically (the table collapses duplicates for readers, which would hide a late second write)
    assert.equal(
      await countRaw(rig.store, 'decisions'),
      N,
      `no decision row written twice: ${how}, refused ${refused}`,
    );
    assert.equal(a.stats().handovers, 0, `a's handover ran out of time: ${how}`);
  });
});

/** Every trace has one decision row, and the replicas together decided each once. */
async function exactlyOnce(rig: SamplerRig, n: number, a: Sampler, b: Sampler) {
  const how = await oneRowEach(rig, n, a, b);
  const sa = a.stats();
  const sb = b.stats();
  assert.ok(sa.traces > 0 && sb.traces > 0, `both replicas worked: ${how}`);
  // drained before handing over, adopted after a crash, or read again: never decided twice
  assert.equal(sa.traces - sa.adopted + (sb.traces - sb.adopted), n, `no trace was decided twice: ${how}`);
}

/** Waits for `n` decisions and for both replicas to settle, asserts one readable row each, returns their stats. */
async function oneRowEach(rig: SamplerRig, n: number, a: Sampler, b: Sampler): Promise<string> {
  const s = await settle(rig, n, a, b);
  assert.equal(s.visible, n, `one row per decision: ${s.how}`);
  assert.equal(s.distinct, n);
  return s.how;
}

function slowDecisions(store: SamplerStore, ms: number, onSlow: () => void): SamplerStore {
  return {
    ...store,
    insertEncoded: async (table, body) => {
      if (table === 'decisions') {
        onSlow();
        await new Promise((r) => setTimeout(r, ms));
      }
      return store.insertEncoded(table, body);
    },
  };
}
