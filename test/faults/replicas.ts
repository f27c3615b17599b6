// Row 6 of the fault suite: two sampler replicas on real Kafka, one joining
// and one leaving mid-run, under steady traffic (the busy case of
// test/e2e/sampler-rebalance.test.ts, through support/replicas-handover.ts).
// Every trace must be decided once and stored as one decision row.
import { requireKafka } from '../support/infra.ts';
import { startSamplerRig } from '../support/sampler-rig.ts';
import { generateTraces } from '../support/traffic.ts';
import type { FaultRow, FaultScenario } from './row.ts';
import { joinAndLeave, settle } from './support/replicas-handover.ts';

const N = 3000;

export const scenario: FaultScenario = {
  name: 'replicas',
  async run({ log }) {
    const kafka = await requireKafka();
    if (!kafka.ok) throw new Error(kafka.skip);
    const rig = await startSamplerRig(kafka.url, 'faults-replicas', 4);
    try {
      const traces = generateTraces({ traces: N, seed: 16, errorRate: 0.05 });
      log(`replicas: ${N} traces over ~6 s; b joins after 900, a leaves after 2100`);
      const { a, b, leftAt } = await joinAndLeave(rig, traces, {
        sampling: { decision_wait: 500 },
        joinAt: 900,
        leaveAt: 2100,
      });
      const s = await settle(rig, N, a, b);
      const visibleExtra = s.visible - s.distinct;
      const decidedTwice = Math.max(0, s.decidedTwice);
      const row: FaultRow = {
        fault: 'sampler replica joins, another leaves',
        unit: 'decisions',
        sent: N,
        storedOnce: Math.max(0, Math.min(s.distinct, N) - visibleExtra),
        duplicates: visibleExtra + decidedTwice,
        lost: N - Math.min(s.distinct, N),
        recoverMs: s.caughtUpAt - leftAt,
        notes: [
          `decisions: ${s.visible} rows visible, ${s.distinct} distinct, ${s.raw} physical; decided twice: ${s.decidedTwice}; handovers by a: ${a.stats().handovers}`,
          `replicas: ${s.how}`,
        ],
      };
      return row;
    } finally {
      await rig.close();
    }
  },
};
