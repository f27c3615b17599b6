import type { SamplingConfig } from '@livegrade/core';
import type { Sampler } from '@livegrade/sampler';
import type { SamplerRig } from '../../support/sampler-rig.ts';
import { countRaw, countVisible } from '../../support/store.ts';
import type { GeneratedTrace } from '../../support/traffic.ts';
import { waitFor } from '../../support/wait.ts';

/**
 * Two sampler replicas, one joining and one leaving mid-run, under steady
 * traffic: shared by test/e2e/sampler-rebalance.test.ts (busy case) and the
 * fault row `replicas` (test/faults/replicas.ts). Replica a starts alone; b
 * joins after `joinAt` traces (the group rebalances while a is mid-batch);
 * a leaves after `leaveAt` (b takes every partition). Traffic is sent in
 * steps of 15 traces every 25 ms, about 6 s for 3,000 traces.
 */
export async function joinAndLeave(
  rig: SamplerRig,
  traces: GeneratedTrace[],
  opts: { sampling: Partial<SamplingConfig>; joinAt: number; leaveAt: number },
): Promise<{ a: Sampler; b: Sampler; leftAt: number }> {
  const a = await rig.startSampler(opts.sampling);
  let b: Sampler | undefined;
  let leftAt = 0;
  const step = 15;
  for (let i = 0; i < traces.length; i += step) {
    await rig.sendTraces(traces.slice(i, i + step));
    if (i === opts.joinAt) b = await rig.startSampler(opts.sampling); // b joins: the group rebalances
    if (i === opts.leaveAt) {
      await a.stop(); // a leaves: b takes every partition
      leftAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  if (!b || !leftAt) throw new Error('joinAt and leaveAt must be multiples of 15 below the number of traces');
  return { a, b, leftAt };
}

export interface Settled {
  /** decision rows a user's query sees (final=1), and distinct decision ids among them */
  visible: number;
  distinct: number;
  /** physical rows of decisions, duplicates a merge would collapse included */
  raw: number;
  /** decisions made by the replicas beyond one per trace (drained, adopted or read again: never twice) */
  decidedTwice: number;
  /** when the n-th decision became visible */
  caughtUpAt: number;
  /** the replicas' figures, for messages */
  how: string;
}

/** Waits for `n` visible decisions and for both replicas to settle, then counts. */
export async function settle(rig: SamplerRig, n: number, a: Sampler, b: Sampler): Promise<Settled> {
  let seen = 0;
  const caughtUpAt = await waitFor(
    `${n} decisions`,
    async () => {
      seen = await countVisible(rig.store, 'SELECT count() FROM decisions');
      return seen >= n ? Date.now() : undefined;
    },
    { timeoutMs: 120_000 },
  ).catch((err: Error) => {
    const stats = {
      a: { ...pick(a.stats()), buffered: a.stats().buffered, lag: a.lag() },
      b: { ...pick(b.stats()), buffered: b.stats().buffered, lag: b.lag() },
    };
    throw new Error(`${err.message}: ${seen} visible; ${JSON.stringify(stats)}`);
  });
  // a second decision of a trace would land shortly after the first: let the replicas settle
  await waitFor('both replicas idle', async () => (a.stats().buffered + b.stats().buffered === 0 ? true : undefined));
  await new Promise((r) => setTimeout(r, 1000));
  const sa = a.stats();
  const sb = b.stats();
  return {
    visible: await countVisible(rig.store, 'SELECT count() FROM decisions'),
    distinct: await countVisible(rig.store, 'SELECT count(DISTINCT decision_id) FROM decisions'),
    raw: await countRaw(rig.store, 'decisions'),
    decidedTwice: sa.traces - sa.adopted + (sb.traces - sb.adopted) - n,
    caughtUpAt,
    how: JSON.stringify({ a: pick(sa), b: pick(sb) }),
  };
}

function pick(s: ReturnType<Sampler['stats']>) {
  return { traces: s.traces, adopted: s.adopted, early: s.early, handovers: s.handovers };
}
