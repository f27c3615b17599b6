import { once } from 'node:events';
import {
  type GroupAssignment,
  Consumer as KafkaConsumer,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
} from '@platformatic/kafka';
import { PartitionLags } from '../lag.ts';
import type {
  Batch,
  BatchControl,
  BatchHandler,
  BusLogger,
  Consumer,
  ConsumerOptions,
  TopicPartition,
  TopicPartitionOffset,
} from '../types.ts';
import { toBatches } from './batches.ts';
import { routeClientEvents } from './logger.ts';
import { clientOptionsOf, type KafkaBusOptions } from './options.ts';

/** How long the group waits for every member to rejoin; the revoke hook must finish well within it. */
const REBALANCE_TIMEOUT_MS = 60_000;
/** Messages taken from the stream per round; a round's batches (one per partition) are handled together. */
const MAX_ROUND = 2048;
const END_OFFSETS_EVERY_MS = 2000;

type Buffered = Message<Buffer, Buffer, Buffer, Buffer>;

/**
 * A consumer-group member on the classic (eager) protocol that commits a
 * partition's offsets only after the handler resolved for the batch (commit
 * 'after-batch'), or only when its owner says so (commit 'manual'):
 * at-least-once, with the owner deciding what "durably written" means.
 *
 * Rebalances: the client calls `protocolsMetadata` before every JoinGroup and
 * waits for it, which makes it the revoke hook: batches in flight finish,
 * onRevoke writes and commits, and only then does the member rejoin, so the
 * group cannot hand its partitions to anyone before that. Each generation
 * reads from a fresh stream opened at the committed offsets, so nothing
 * fetched before a rebalance is handed out after it.
 */
export function createKafkaConsumer(options: KafkaBusOptions, opts: ConsumerOptions, logger?: BusLogger): Consumer {
  const sessionTimeout = opts.sessionTimeoutMs ?? 30_000;
  const commitAfterBatch = (opts.commit ?? 'after-batch') === 'after-batch';
  const concurrency = Math.max(1, opts.partitionsConsumedConcurrently ?? 3);
  const lags = new PartitionLags();
  const endOffsets = new Map<string, bigint>();
  let kc: KafkaConsumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  let streamGeneration = -1;
  let generation = -1;
  /** the first stream is open (its consume() made the first join): later joins open their own, and hand over first */
  let started = false;
  let revoking = false;
  let paused = false;
  let stopped = false;
  let handler: BatchHandler | undefined;
  let pumping: Promise<void> | undefined;
  let endOffsetsTimer: NodeJS.Timeout | undefined;
  /** the round of batches being handled: the pump handles one at a time */
  let handling: Promise<void> | undefined;
  const waiters = new Set<() => void>();

  const wake = () => {
    for (const w of [...waiters]) w();
  };
  /** a batch of generation `gen` may go on: false once a rebalance or a stop began */
  const live = (gen: number) => !stopped && !revoking && gen === generation;

  async function beforeJoin(): Promise<Buffer> {
    // the first join has nothing to hand over; a join the revoke itself caused (a commit
    // refused mid-rebalance makes the client rejoin) must not wait for the revoke
    if (!started || revoking || stopped) return Buffer.alloc(0);
    revoking = true;
    wake();
    const revokeStarted = Date.now();
    // half the session: heartbeats stop while the member rejoins, and the group drops a member silent for a session
    const budget = Math.floor(sessionTimeout / 2);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), budget);
    try {
      await Promise.race([handling?.catch(() => {}), once(abort.signal, 'abort')]);
      await opts.onRevoke?.(abort.signal);
    } catch (err) {
      logger?.warn({ err: (err as Error).message }, 'kafka: handing over before the rebalance failed');
    } finally {
      clearTimeout(timer);
    }
    logger?.debug({ ms: Date.now() - revokeStarted, aborted: abort.signal.aborted }, 'kafka: revoked, rejoining');
    return Buffer.alloc(0);
  }

  function onJoin(e: { generationId?: number; assignments?: GroupAssignment[] }) {
    const assigned: TopicPartition[] = (e.assignments ?? []).flatMap((a) =>
      a.partitions.map((partition) => ({ topic: a.topic, partition })),
    );
    generation = e.generationId ?? kc?.generationId ?? generation + 1;
    lags.retain(assigned);
    opts.onAssign?.(assigned);
    revoking = false;
    if (started) void openStream(generation);
    void refreshEndOffsets();
    wake();
  }

  /** `forGeneration` undefined: the first stream, whose consume() makes the first join. */
  async function openStream(forGeneration?: number): Promise<void> {
    if (!kc || stopped) return;
    let next: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
    try {
      next = await kc.consume({
        topics: opts.topics,
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode:
          opts.fromBeginning === false ? MessagesStreamFallbackModes.LATEST : MessagesStreamFallbackModes.EARLIEST,
        autocommit: false,
      });
    } catch (err) {
      if (stopped) return;
      logger?.warn({ err: (err as Error).message }, 'kafka: could not open the consumer stream, retrying');
      await sleep(1000);
      return openStream(forGeneration);
    }
    const target = forGeneration ?? generation;
    if (stopped || target !== generation) {
      // stopped, or a newer rebalance already opened (or will open) its own
      await closeStream(next);
      return;
    }
    const old = stream;
    stream = next;
    streamGeneration = target;
    // a 'readable' listener for the stream's whole life: the client fetches only while the
    // stream has one (readableFlowing not null); one added and removed per wait can leave
    // a fetch skipped and the stream waiting forever
    next.on('readable', wake);
    next.on('error', (err: Error) => {
      logger?.warn({ err: err.message }, 'kafka: consumer stream failed');
    });
    next.on('close', () => {
      // a stream that died under us (not replaced, not stopping) is reopened at the committed offsets
      if (stream === next && !stopped) {
        stream = undefined;
        setTimeout(() => void openStream(generation), 1000).unref();
      }
      wake();
    });
    if (old) await closeStream(old);
    wake();
  }

  async function refreshEndOffsets() {
    if (!kc || stopped || !kc.isActive()) return;
    try {
      const offsets = await kc.listOffsets({ topics: opts.topics });
      for (const [topic, partitions] of offsets) {
        partitions.forEach((end, partition) => {
          endOffsets.set(`${topic}\0${partition}`, end);
        });
      }
    } catch {
      // lag stays at its last measurement; the next tick tries again
    }
  }

  async function pump(): Promise<void> {
    while (!stopped) {
      const s = stream;
      if (!s || paused || revoking || streamGeneration !== generation) {
        await nextWake();
        continue;
      }
      const round: Buffered[] = [];
      while (round.length < MAX_ROUND) {
        const m = s.read() as Buffered | null;
        if (m === null) break;
        round.push(m);
      }
      if (round.length === 0) {
        await nextWake();
        continue;
      }
      handling = dispatch(toBatches(round, endOffsets), streamGeneration);
      try {
        await handling;
      } finally {
        handling = undefined;
      }
    }
  }

  /** Resolves when the stream may have data, or the state changed (rebalance, new stream, stop). */
  function nextWake(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        waiters.delete(done);
        resolve();
      };
      waiters.add(done);
    });
  }

  /** Batches of different partitions run side by side, up to `concurrency`; a partition's stay in order. */
  async function dispatch(batches: Batch[], gen: number): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++] as Batch;
        await handle(batch, gen);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  }

  async function handle(batch: Batch, gen: number): Promise<void> {
    const first = batch.messages[0]?.offset ?? batch.highWatermark;
    lags.record(batch.topic, batch.partition, batch.highWatermark, first);
    const control: BatchControl = { heartbeat: async () => {}, isRunning: () => live(gen) };
    // a failed batch is handled again, as Kafka would deliver it again: later batches of
    // the partition must not overtake it, or a commit could pass what was never written
    for (let delay = 300; ; delay = Math.min(delay * 2, 10_000)) {
      try {
        await handler?.(batch, control);
        break;
      } catch (err) {
        if (!live(gen)) return;
        logger?.warn(
          { err: (err as Error).message, topic: batch.topic, partition: batch.partition, retryInMs: delay },
          'kafka: batch handler failed, handling it again',
        );
        await sleep(delay);
      }
    }
    const last = batch.messages.at(-1)?.offset ?? first;
    const nextOffset = (BigInt(last) + 1n).toString();
    lags.record(batch.topic, batch.partition, batch.highWatermark, nextOffset);
    // still this member's during a revoke: the group accepts its commits until it rejoins
    if (commitAfterBatch && !stopped && gen === generation) {
      await commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: nextOffset }]).catch((err) =>
        logger?.debug(
          { err: (err as Error).message },
          'kafka: commit refused; the next owner replays from the last one',
        ),
      );
    }
  }

  async function commitOffsets(offsets: TopicPartitionOffset[]): Promise<void> {
    if (!kc || offsets.length === 0) return;
    await kc.commit({
      offsets: offsets.map((o) => ({
        topic: o.topic,
        partition: o.partition,
        offset: BigInt(o.offset),
        leaderEpoch: -1,
      })),
    });
  }

  return {
    async run(h: BatchHandler) {
      handler = h;
      kc = new KafkaConsumer({
        ...clientOptionsOf(options),
        groupId: opts.groupId,
        sessionTimeout,
        rebalanceTimeout: REBALANCE_TIMEOUT_MS,
        heartbeatInterval: 3000,
        protocolsMetadata: beforeJoin,
        autocommit: false,
        maxWaitTime: 200,
        maxBytes: 64 * 1024 * 1024,
        maxBytesPerPartition: opts.maxBytesPerPartition ?? 8 * 1024 * 1024,
        // a member retries the group for as long as it runs: the broker coming back ends an outage
        retries: Number.MAX_SAFE_INTEGER,
        retryDelay: (_c, _op, attempt) => Math.min(300 * 2 ** attempt, 10_000),
      });
      routeClientEvents(kc, logger);
      kc.on('consumer:group:join', onJoin);
      await openStream();
      started = true;
      endOffsetsTimer = setInterval(() => void refreshEndOffsets(), END_OFFSETS_EVERY_MS);
      endOffsetsTimer.unref();
      pumping = pump();
      logger?.info({ groupId: opts.groupId, topics: opts.topics }, 'kafka consumer running');
    },
    async commit(offsets: TopicPartitionOffset[]) {
      if (stopped) return;
      await commitOffsets(offsets);
    },
    pause() {
      paused = true;
      wake();
    },
    lag: () => lags.list(),
    async stop() {
      if (stopped) return;
      stopped = true;
      wake();
      // the batch in flight completes, then the member leaves the group
      await pumping;
      clearInterval(endOffsetsTimer);
      if (stream) await closeStream(stream);
      await kc?.close(true);
      lags.clear();
    },
  };
}

function closeStream(s: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
  return s.close().catch(() => {});
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
