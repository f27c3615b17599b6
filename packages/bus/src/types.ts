/**
 * The message bus as the rest of livegrade sees it. Two implementations:
 * Kafka (kafka/, via kafkajs) and an in-process bus (memory.ts) for the
 * embedded mode. Swapping the Kafka client touches only kafka/.
 */
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
}

export interface Producer {
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Called for each batch. When it resolves, the batch's offsets are committed;
 * when it rejects, nothing is committed and the batch is delivered again.
 * So a handler acknowledges only what it has durably written.
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
}

export interface Consumer {
  run(handler: BatchHandler): Promise<void>;
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
