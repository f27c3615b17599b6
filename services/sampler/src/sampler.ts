import type { Batch, BatchControl, Bus, Consumer, Producer } from '@livegrade/bus';
import type { Logger } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';
import type { SamplerConfig } from './config.ts';
import { toDlqMessage } from './dlq.ts';
import { type Rejected, spanRowsOf, verdictRowsOf } from './extract.ts';
import { untilWritten } from './retry.ts';

export interface SamplerDeps {
  bus: Bus;
  store: Pick<Repository, 'insertDecisions' | 'insertSpans' | 'insertVerdicts'>;
  logger: Logger;
  config: SamplerConfig;
  /** test seam: runs after the rows are written and before the offsets are committed */
  afterWrite?: (batch: Batch) => void | Promise<void>;
}

export interface SamplerStats {
  batches: number;
  spans: number;
  decisions: number;
  verdicts: number;
  dlq: number;
}

export interface Sampler {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): SamplerStats;
}

/**
 * Kafka → ClickHouse. Offsets are committed only after every row of a batch
 * (and every DLQ message) is acknowledged; the tables collapse re-deliveries,
 * so a crash anywhere costs time, not data, and never double-counts.
 */
export function createSampler(deps: SamplerDeps): Sampler {
  const { bus, store, logger, config } = deps;
  const stats: SamplerStats = { batches: 0, spans: 0, decisions: 0, verdicts: 0, dlq: 0 };
  let consumer: Consumer | undefined;
  let dlq: Producer | undefined;
  const retry = { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs };

  async function deadLetter(batch: Batch, rejected: Rejected[], control: BatchControl) {
    if (rejected.length === 0 || !dlq) return;
    const producer = dlq;
    for (const r of rejected) {
      logger.warn(
        { topic: batch.topic, partition: batch.partition, offset: r.message.offset, reason: r.reason },
        'message sent to DLQ',
      );
    }
    const messages = rejected.map((r) => toDlqMessage(batch.topic, batch.partition, r.message, r.reason));
    await untilWritten('dlq', () => producer.send(config.topics.dlq, messages), control, logger, retry);
    stats.dlq += rejected.length;
  }

  async function onSpans(batch: Batch, control: BatchControl) {
    const rows = spanRowsOf(batch.messages);
    await untilWritten('spans', () => store.insertSpans(rows.spans), control, logger, retry);
    // decisions last: a decision row is the signal that its trace is complete in the store
    await untilWritten('decisions', () => store.insertDecisions(rows.decisions), control, logger, retry);
    await deadLetter(batch, rows.rejected, control);
    stats.spans += rows.spanCount;
    stats.decisions += rows.decisions.length;
  }

  async function onVerdicts(batch: Batch, control: BatchControl) {
    const rows = verdictRowsOf(batch.topic, batch.partition, batch.messages);
    await untilWritten('verdicts', () => store.insertVerdicts(rows.verdicts), control, logger, retry);
    await deadLetter(batch, rows.rejected, control);
    stats.verdicts += rows.verdicts.length;
  }

  return {
    async start() {
      dlq = bus.producer();
      consumer = bus.consumer({
        groupId: config.groupId,
        topics: [config.topics.spans, config.topics.verdicts],
        fromBeginning: true,
        sessionTimeoutMs: config.sessionTimeoutMs,
      });
      await consumer.run(async (batch, control) => {
        if (batch.topic === config.topics.spans) await onSpans(batch, control);
        else if (batch.topic === config.topics.verdicts) await onVerdicts(batch, control);
        await deps.afterWrite?.(batch);
        stats.batches++;
      });
      logger.info({ groupId: config.groupId, topics: config.topics }, 'sampler started');
    },
    async stop() {
      await consumer?.stop();
      await dlq?.close();
      logger.info(stats, 'sampler stopped');
    },
    stats: () => ({ ...stats }),
  };
}
