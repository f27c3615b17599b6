/**
 * The message bus as the rest of livegrade sees it. Two implementations:
 * Kafka (kafka/, via @platformatic/kafka) and an in-process bus (memory.ts) for the
 * embedded mode. Swapping the Kafka client touches only kafka/.
 */
/**
 * Where the Kafka client's own logs go: a pino logger fits, and so does
 * anything with the same methods, so users of the SDK need not install pino.
 */
export interface BusLogger {
  child(bindings: Record<string, unknown>): BusLogger;
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
  trace(obj: unknown, msg?: string): void;
}

export interface OutgoingMessage {
  key: string | null;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface ConsumedMessage {
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  offset: string;
  /** broker append time (ms since epoch) */
  timestamp: number;
}

/** Messages of one partition, in offset order. */
export interface Batch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
  /** the partition's log end offset when the batch was fetched */
  highWatermark: string;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** `offset` is the next offset to read, as Kafka commits it. */
export interface TopicPartitionOffset extends TopicPartition {
  offset: string;
}

/** Messages of a partition not yet handled by this member: what consumer-group lag means on Kafka. */
export interface PartitionLag extends TopicPartition {
  lag: number;
}

export interface Producer {
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Called for each batch. When it resolves, the consumer moves on to the next
 * batch and (with commit 'after-batch') commits the batch's offsets; when it
 * rejects, nothing is committed and the batch is delivered again. So a
 * handler acknowledges only what it has durably written. With commit
 * 'manual' the handler's owner commits through Consumer.commit, which lets it
 * hold back a partition's offset while it still buffers messages of it.
 */
export type BatchHandler = (batch: Batch, control: BatchControl) => Promise<void>;

/** Lets a long-running handler (one backing off while the store is down) stay in its group. */
export interface BatchControl {
  heartbeat(): Promise<void>;
  /** false once the consumer is stopping: a retry loop should give up the batch */
  isRunning(): boolean;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** read from the earliest offset when the group has no committed offset */
  fromBeginning?: boolean;
  /**
   * how long a silent member keeps its partitions; a crashed sampler's
   * partitions move to the others after this long (default 30 s)
   */
  sessionTimeoutMs?: number;
  /**
   * batches of different partitions handled at once: while one waits on the
   * store, the next is decoded (default 3). Order within a partition is kept.
   */
  partitionsConsumedConcurrently?: number;
  /** upper bound of bytes fetched per partition per batch */
  maxBytesPerPartition?: number;
  /** 'after-batch' (default): commit when the handler resolves; 'manual': only Consumer.commit commits */
  commit?: 'after-batch' | 'manual';
  /**
   * Called with this member's whole assignment after every rebalance, before
   * the first batch of it. Consumption then restarts from the committed
   * offsets of every assigned partition, retained ones included.
   */
  onAssign?: (partitions: TopicPartition[]) => void;
  /**
   * Called before this member rejoins its group, busy or idle: on the eager
   * protocol every partition is revoked at each rebalance. The batches in
   * flight have finished; the member may still commit, and the group waits
   * for it (the client's pre-join hook) before handing partitions out.
   * `signal` aborts when the time budget (half the session timeout) runs
   * out: stop writing then, and what is not committed is replayed by the
   * next owner.
   */
  onRevoke?: (signal: AbortSignal) => Promise<void>;
}

export interface Consumer {
  run(handler: BatchHandler): Promise<void>;
  /** Commits these offsets for the group. Fails while the group rebalances: a later commit or a replay covers it. */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /** Stops fetching new batches (a batch already handed out still completes): the first step of a drain. */
  pause(): void;
  /**
   * Lag of each assigned partition this member has read from: the log end
   * offset minus the next offset to hand to the handler. On Kafka it is
   * measured when a batch arrives and when its handler resolves, so between
   * batches it shows the last measurement; the in-process bus knows it exactly.
   */
  lag(): PartitionLag[];
  stop(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
}

export interface Bus {
  readonly kind: 'kafka' | 'memory';
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  producer(): Producer;
  consumer(options: ConsumerOptions): Consumer;
  close(): Promise<void>;
}
