import type { Bus, Consumer } from '@livegrade/bus';
import { type DecisionRow, isDecisionSpan, KEEP_ALL, toDecisionRow } from '@livegrade/core';
import { decodeTraces } from '@livegrade/otlp';
import { type Repository, type SpanRow, toSpanRow } from '@livegrade/store';

/**
 * The v0 sampler's write path, kept as the benchmark's baseline: every span
 * of every batch is decoded, turned into its row with sample reason 'all' and
 * weight 1, and inserted; decision spans also give a decisions row. Offsets
 * are committed after each batch is written. No buffering, no policy: what
 * tail sampling is measured against (git show 9473075:services/sampler/src/extract.ts).
 */
export interface KeepEverything {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** spans and decisions acknowledged by the store */
  stats(): { spans: number; decisions: number; batches: number };
}

export function createKeepEverything(deps: {
  bus: Bus;
  store: Pick<Repository, 'insertSpans' | 'insertDecisions'>;
  groupId: string;
  topic: string;
}): KeepEverything {
  const stats = { spans: 0, decisions: 0, batches: 0 };
  let consumer: Consumer | undefined;
  return {
    async start() {
      consumer = deps.bus.consumer({
        groupId: deps.groupId,
        topics: [deps.topic],
        fromBeginning: true,
        commit: 'after-batch',
      });
      await consumer.run(async (batch) => {
        const spans: SpanRow[] = [];
        const decisions: DecisionRow[] = [];
        for (const m of batch.messages) {
          for (const span of decodeTraces(m.value)) {
            let ref: { decisionId: string; decisionType: string } | undefined;
            if (isDecisionSpan(span)) {
              const row = toDecisionRow(span, KEEP_ALL);
              decisions.push(row);
              ref = { decisionId: row.decision_id, decisionType: row.decision_type };
            }
            spans.push(toSpanRow(span, ref, KEEP_ALL));
          }
        }
        await deps.store.insertSpans(spans);
        // decisions last: a decision row is the signal that its trace is in the store
        await deps.store.insertDecisions(decisions);
        stats.spans += spans.length;
        stats.decisions += decisions.length;
        stats.batches++;
      });
    },
    async stop() {
      await consumer?.stop();
    },
    stats: () => ({ ...stats }),
  };
}
