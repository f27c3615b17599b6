import { once } from 'node:events';
import type {
  Batch,
  BatchControl,
  Bus,
  Consumer,
  PartitionLag,
  Producer,
  TopicPartition,
  TopicPartitionOffset,
} from '@livegrade/bus';
import { BUCKET_MS, HOUR_MS, orphanWaitMs, SamplingPolicy, sliceKeyOf, verdictWaitMs } from '@livegrade/core';
import type { Logger } from '@livegrade/runtime';
import { parkedRowAsJson, type Repository } from '@livegrade/store';
import type { SamplerConfig } from './config.ts';
import { DecisionWriter, type WriterStats } from './decision-writer.ts';
import { refusedToDlqMessage, toDlqMessage, unparkedToDlqMessage } from './dlq.ts';
import { type Rejected, traceChunksOf, verdictRowsOf } from './extract.ts';
import { LatePromotion } from './late-promotion.ts';
import { OffsetHolds } from './offset-holds.ts';
import { untilWritten } from './retry.ts';
import { type Pending, TraceBuffer } from './trace-buffer.ts';

export type SamplerStore = Pick<
  Repository,
  | 'insertEncoded'
  | 'insertVerdicts'
  | 'decidedTraces'
  | 'decisionsById'
  | 'promoteTraces'
  | 'setRecentHorizon'
  | 'recordProgress'
  | 'progressOf'
  | 'sliceSuccesses'
>;

export interface SamplerDeps {
  bus: Bus;
  store: SamplerStore;
  logger: Logger;
  config: SamplerConfig;
  /** the sampler's clock (decision_wait, rates); tests may pass another */
  now?: () => number;
  /** test seam: runs after decided traces are written and before their offsets are committed */
  afterWrite?: () => void | Promise<void>;
}

export interface SamplerStats extends WriterStats {
  batches: number;
  /** spans read from the spans topic */
  spansRead: number;
  verdicts: number;
  dlq: number;
  /** traces buffered right now, undecided */
  buffered: number;
  /** the most traces buffered at once */
  peakBuffered: number;
  /** rebalances this member drained for: buffered traces decided, written and committed before rejoining */
  handovers: number;
  promoted: number;
  promotionsWaiting: number;
  /** verdicts whose decision never showed up within the wait */
  promotionsUnmatched: number;
  /** the sampler's clock less the latest event time decided: about decision_wait live, hours in a backlog */
  eventTimeLagMs: number;
  /** traces decided more than MAX_LATENESS_MS behind their slice's newest, at its current rate */
  lateDecisions: number;
}

export interface Sampler {
  start(): Promise<void>;
  /** Decides every buffered trace, writes and commits, then leaves the group. */
  stop(): Promise<void>;
  stats(): SamplerStats;
  /** consumer lag of each partition of the spans and verdicts topics this sampler reads */
  lag(): PartitionLag[];
}

/**
 * Kafka → ClickHouse with tail-based sampling (docs/ARCHITECTURE.md §5). Spans are
 * buffered per trace until the root ends plus decision_wait, then the trace
 * is decided by the policy in core and written. A partition's offset is
 * committed only up to its oldest message not yet written, so a crash or a
 * rebalance replays what was buffered instead of losing it.
 *
 * No trace is decided twice (README "Rebalances"): a member rejoins its group
 * only after deciding, writing and committing everything it read (onRevoke,
 * the bus's pre-join hook, busy or idle), and the group hands partitions out
 * only once every member has rejoined; so a new owner reads past the old
 * owner's commit, and a trace it reads again (a crash between write and
 * commit) is looked up in the store and the earlier decision adopted.
 */
export function createSampler(deps: SamplerDeps): Sampler {
  const { bus, store, logger, config } = deps;
  const now = deps.now ?? Date.now;
  const sampling = config.sampling;
  const retry = { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs };
  const spanHolds = new OffsetHolds();
  const verdictHolds = new OffsetHolds();
  const buffer = new TraceBuffer({
    decisionWaitMs: sampling.decision_wait,
    orphanWaitMs: orphanWaitMs(sampling),
    maxTraces: sampling.max_buffered_traces,
    maxRemembered: Math.max(10_000, 2 * sampling.max_buffered_traces),
  });
  const counts = { batches: 0, spansRead: 0, verdicts: 0, dlq: 0, peakBuffered: 0, handovers: 0 };
  /** span partitions assigned and not read since; below progress[p] a previous owner may have decided already */
  const fresh = new Set<number>();
  const suspectBelow = new Map<number, number>();
  let progress: Promise<Map<number, number> | undefined> = Promise.resolve(new Map());
  const committed = new Map<string, number>();
  let commitChain: Promise<void> = Promise.resolve();
  let consumer: Consumer | undefined;
  let dlq: Producer | undefined;
  let running = false;
  let ticker: NodeJS.Timeout | undefined;
  let promotionRetry: Promise<void> | undefined;
  const handlers = new Set<Promise<void>>();
  /** set when a handover ran out of time: stop writing, the next owner replays what is left */
  let abandoning = false;
  const background: BatchControl = { heartbeat: async () => {}, isRunning: () => running && !abandoning };

  const policy = new SamplingPolicy(sampling);
  /** resolves once the policy holds the store's record of the last hour: set at the first assignment */
  let seeded: Promise<void> | undefined;
  /**
   * Counts assignments. A batch handler of an earlier assignment can still be
   * running after a handover ran out of its budget and the member rejoined:
   * it must not touch the new assignment's buffer or offsets, or a commit
   * could pass traces nobody wrote (its partition may be another member's by
   * then, and Kafka takes a commit from any member of the generation).
   */
  let assignment = 0;
  const writer = new DecisionWriter({
    store,
    policy,
    now,
    buffer,
    holds: spanHolds,
    horizonMs: sampling.recent_horizon,
    untilWritten: (what, write, permanent) => untilWritten(what, write, background, logger, { ...retry, permanent }),
    deadLetter: async (refused) => {
      const producer = dlq;
      if (!producer) throw new Error('the DLQ producer is not open');
      const messages = refused.map((r) => {
        logger.warn(
          { trace: r.traceId, partition: r.partition, reason: r.reason },
          'trace sent to DLQ: the store refused its rows',
        );
        if (r.otlp) return unparkedToDlqMessage(config.topics.spans, r, r.otlp, r.reason);
        // as JSON like the other tables' rows: a consumer of the DLQ reads one format
        const rows = { ...r.rows, parked_traces: r.rows.parked_traces.map(parkedRowAsJson) };
        return refusedToDlqMessage(config.topics.spans, r, rows, r.reason);
      });
      await untilWritten('dlq', () => producer.send(config.topics.dlq, messages), background, logger, retry);
      counts.dlq += refused.length;
    },
    afterWrite: async (writtenThrough) => {
      // before the commit: a successor then knows which replayed traces may already be decided
      await untilWritten(
        'progress',
        () => store.recordProgress(config.groupId, config.topics.spans, writtenThrough),
        background,
        logger,
        retry,
      );
      await deps.afterWrite?.();
      await commit(config.topics.spans, spanHolds, writtenThrough.keys());
    },
  });
  const promotion = new LatePromotion(store, verdictHolds, {
    horizonMs: sampling.recent_horizon,
    waitForDecisionMs: verdictWaitMs(sampling),
    now,
  });

  /** Commits are chained: two in flight could otherwise land out of order and move an offset back. */
  function commit(topic: string, holds: OffsetHolds, partitions: Iterable<number>): Promise<void> {
    const list = [...partitions];
    commitChain = commitChain.then(async () => {
      const offsets: TopicPartitionOffset[] = [];
      for (const partition of list) {
        const next = holds.committable(partition);
        const key = `${topic}\0${partition}`;
        if (next !== undefined && next > (committed.get(key) ?? -1)) {
          offsets.push({ topic, partition, offset: String(next) });
        }
      }
      if (offsets.length === 0 || !consumer) return;
      try {
        await consumer.commit(offsets);
        for (const o of offsets) committed.set(`${o.topic}\0${o.partition}`, Number(o.offset));
      } catch (err) {
        // a rebalance is under way: the next owner starts from the last commit and replays the rest
        logger.debug({ err: (err as Error).message, offsets }, 'offset commit refused');
      }
    });
    return commitChain;
  }

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
    counts.dlq += rejected.length;
  }

  /**
   * A restarted sampler continues each slice's hour where the store left it,
   * instead of starting cold and keeping every slice's first target anew.
   */
  async function seedPolicy() {
    const started = Date.now();
    try {
      const rows = await store.sliceSuccesses(sampling.slice_by, BUCKET_MS, HOUR_MS + BUCKET_MS);
      const key = sliceKeyOf(sampling.slice_by);
      for (const r of rows) policy.seed(key(r.decisionType, r.slices), r.bucketStartMs, r.seen, r.kept);
      logger.info({ buckets: rows.length, ms: Date.now() - started }, 'sampling policy seeded from the store');
    } catch (err) {
      logger.warn(
        { err: (err as Error).message },
        'could not read the last hour of decisions; slices start cold (their first successes are all kept)',
      );
    }
  }

  async function onSpans(batch: Batch, control: BatchControl) {
    const { partition } = batch;
    const mine = assignment;
    // no trace is buffered, so none decided, before the policy knows the last hour
    await seeded;
    if (fresh.has(partition)) {
      const known = await progress;
      if (mine !== assignment) return;
      fresh.delete(partition);
      // progress unknown (the store did not answer at assignment): every trace read is a suspect
      const through = known ? (known.get(partition) ?? -1) : Number.MAX_SAFE_INTEGER - 1;
      suspectBelow.set(partition, Math.min(through + 1, Number(batch.highWatermark)));
    }
    // reassigned meanwhile: whoever owns the partition now reads this batch again from the last commit
    if (mine !== assignment) return;
    const below = suspectBelow.get(partition) ?? 0;
    const rejected: Rejected[] = [];
    const followers: Pending[] = [];
    const t = now();
    for (const m of batch.messages) {
      const offset = Number(m.offset);
      let extracted: ReturnType<typeof traceChunksOf>;
      try {
        extracted = traceChunksOf(m);
      } catch (err) {
        rejected.push({ message: m, reason: `undecodable OTLP traces: ${(err as Error).message}` });
        continue;
      }
      counts.spansRead += extracted.spanCount;
      for (const chunk of extracted.chunks) {
        const added = buffer.add(partition, chunk, spanHolds.hold(partition, offset), t, offset < below);
        if (added.kind === 'follows') followers.push(added.pending);
      }
      counts.peakBuffered = Math.max(counts.peakBuffered, buffer.size);
      // checked per message, so a large batch cannot overshoot the bound by more than one message's traces
      if (buffer.size > sampling.max_buffered_traces) writer.enqueue(buffer.takeOverflow());
    }
    writer.enqueue(followers);
    await deadLetter(batch, rejected, control);
    if (mine !== assignment) return;
    // only now may the commit pass this batch: its traces hold their offsets, its poison is in the DLQ
    spanHolds.markRead(partition, Number(batch.messages.at(-1)?.offset) + 1);
    // backpressure: while the store lags, stop fetching instead of piling up decided traces
    while (writer.backlog > sampling.max_buffered_traces && control.isRunning()) {
      await Promise.race([writer.flushed(), sleep(2000)]);
      await control.heartbeat().catch(() => {});
    }
  }

  async function onVerdicts(batch: Batch, control: BatchControl) {
    const rows = verdictRowsOf(batch.topic, batch.partition, batch.messages);
    await untilWritten('verdicts', () => store.insertVerdicts(rows.verdicts.map((v) => v.row)), control, logger, retry);
    await deadLetter(batch, rows.rejected, control);
    counts.verdicts += rows.verdicts.length;
    try {
      await promotion.consider(batch.partition, rows.verdicts);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'late promotion failed, will retry');
    }
    verdictHolds.markRead(batch.partition, Number(batch.messages.at(-1)?.offset) + 1);
    await commit(batch.topic, verdictHolds, [batch.partition]);
  }

  function onAssign(assigned: TopicPartition[]) {
    assignment++;
    const spans = new Set(assigned.filter((a) => a.topic === config.topics.spans).map((a) => a.partition));
    // once: later assignments keep the policy's own record, which includes this member's unwritten decisions
    seeded ??= seedPolicy();
    // consumption restarts from the committed offsets of every assigned partition
    abandoning = false;
    writer.abandon();
    buffer.reassign(spans);
    spanHolds.reset();
    verdictHolds.reset();
    promotion.reset();
    committed.clear();
    suspectBelow.clear();
    fresh.clear();
    for (const p of spans) fresh.add(p);
    progress = store.progressOf(config.groupId, config.topics.spans).catch((err) => {
      logger.warn(
        { err: (err as Error).message },
        'could not read sampler progress; every replayed trace is looked up',
      );
      return undefined;
    });
    logger.info({ assigned }, 'partitions assigned');
  }

  /**
   * The group is rebalancing and every partition is about to be revoked:
   * decide what is buffered, write it and commit, so the next owner starts
   * after it. The member rejoins only when this resolves. If the store does
   * not take the writes within the bus's budget (`signal`), stop writing:
   * nothing more of this member's lands after it rejoins, and the next owner
   * decides what was not committed.
   */
  async function onRevoke(signal: AbortSignal) {
    const aborted = once(signal, 'abort').then(() => 'aborted' as const);
    writer.enqueue(buffer.takeAll());
    const flushed = writer.flushed().then(
      () => 'flushed' as const,
      () => 'failed' as const,
    );
    if ((await Promise.race([flushed, aborted])) !== 'flushed') {
      abandoning = true;
      writer.abandon();
      await writer.settled();
      logger.warn('rebalance: the store did not take the buffered traces in time; the next owner decides them');
      return;
    }
    await commit(config.topics.spans, spanHolds, spanHolds.partitionIds());
    await commit(config.topics.verdicts, verdictHolds, verdictHolds.partitionIds());
    counts.handovers++;
    logger.info(
      { decided: writer.stats.early },
      'rebalance: buffered traces decided and committed before handing over',
    );
  }

  function tick() {
    writer.enqueue(buffer.takeDue(now()));
    void commit(config.topics.spans, spanHolds, spanHolds.partitionIds());
    if (!promotionRetry && promotion.waiting > 0) {
      promotionRetry = promotion
        .retry()
        .catch((err) => logger.warn({ err: (err as Error).message }, 'late promotion retry failed'))
        .then(() => commit(config.topics.verdicts, verdictHolds, verdictHolds.partitionIds()))
        .finally(() => {
          promotionRetry = undefined;
        });
    }
  }

  return {
    async start() {
      await store.setRecentHorizon(sampling.recent_horizon);
      dlq = bus.producer();
      running = true;
      consumer = bus.consumer({
        groupId: config.groupId,
        topics: [config.topics.spans, config.topics.verdicts],
        fromBeginning: true,
        sessionTimeoutMs: config.sessionTimeoutMs,
        commit: 'manual',
        onAssign,
        onRevoke,
      });
      await consumer.run(async (batch, control) => {
        const handling = (async () => {
          if (batch.topic === config.topics.spans) await onSpans(batch, control);
          else if (batch.topic === config.topics.verdicts) await onVerdicts(batch, control);
          counts.batches++;
        })();
        handlers.add(handling);
        try {
          await handling;
        } finally {
          handlers.delete(handling);
        }
      });
      ticker = setInterval(tick, config.tickMs);
      logger.info({ groupId: config.groupId, topics: config.topics, sampling }, 'sampler started');
    },
    async stop() {
      if (!running) return;
      // a planned stop hands over nothing: decide what is buffered, write it, commit, then leave
      consumer?.pause();
      await Promise.allSettled([...handlers]);
      clearInterval(ticker);
      // nothing of the sampler's may still be running against the store once stop() resolves
      await promotionRetry;
      writer.enqueue(buffer.takeAll());
      await writer.flushed().catch((err) => logger.error({ err }, 'could not write every buffered trace'));
      await commit(config.topics.spans, spanHolds, spanHolds.partitionIds());
      await commit(config.topics.verdicts, verdictHolds, verdictHolds.partitionIds());
      await commitChain;
      running = false;
      await consumer?.stop();
      await dlq?.close();
      logger.info(this.stats(), 'sampler stopped');
    },
    stats: () => ({
      ...counts,
      ...writer.stats,
      keptByReason: { ...writer.stats.keptByReason },
      buffered: buffer.size,
      promoted: promotion.stats.promoted + writer.stats.keptAfterDecision,
      promotionsWaiting: promotion.waiting,
      promotionsUnmatched: promotion.stats.unmatched,
      eventTimeLagMs: writer.stats.newestEventMs > 0 ? Math.max(0, now() - writer.stats.newestEventMs) : 0,
      lateDecisions: policy.lateDecisions,
    }),
    lag: () => consumer?.lag() ?? [],
  };
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
