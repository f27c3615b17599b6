import type {
  Batch,
  BatchHandler,
  Bus,
  ConsumedMessage,
  Consumer,
  ConsumerOptions,
  OutgoingMessage,
  PartitionLag,
  Producer,
  TopicPartitionOffset,
  TopicSpec,
} from './types.ts';

/**
 * The embedded mode's bus: partitioned, ordered, with committed offsets per
 * group, so the sampler runs the same code as on Kafka. One member per group:
 * embedded mode runs one sampler. Nothing survives the process; embedded
 * producers and consumers live in that same process.
 */
interface Partition {
  messages: ConsumedMessage[];
}

const MAX_BATCH = 500;

export function createMemoryBus(): Bus {
  const topics = new Map<string, Partition[]>();
  const committed = new Map<string, number>(); // `${group}\0${topic}\0${partition}` → next offset
  const members = new Set<string>();
  const waiters = new Set<() => void>();

  const partitionsOf = (name: string): Partition[] => {
    const t = topics.get(name);
    if (!t) throw new Error(`unknown topic "${name}": create it with ensureTopics first`);
    return t;
  };
  const wake = () => {
    for (const w of [...waiters]) w();
  };

  const producer = (): Producer => ({
    async send(topic: string, messages: OutgoingMessage[]) {
      const parts = partitionsOf(topic);
      for (const m of messages) {
        const p = parts[m.key === null ? Math.floor(Math.random() * parts.length) : hash(m.key) % parts.length];
        if (!p) continue;
        p.messages.push({
          key: m.key,
          value: m.value,
          headers: m.headers ?? {},
          offset: String(p.messages.length),
          timestamp: Date.now(),
        });
      }
      wake();
    },
    async close() {},
  });

  const consumer = (opts: ConsumerOptions): Consumer => {
    let running = false;
    let paused = false;
    let loop: Promise<void> | undefined;
    // where this member reads next; a new member starts from the committed offsets, as on Kafka
    const position = new Map<string, number>();
    const nextOffset = (key: string, log: ConsumedMessage[]) =>
      position.get(key) ?? committed.get(key) ?? (opts.fromBeginning === false ? log.length : 0);
    return {
      async run(handler: BatchHandler) {
        if (members.has(opts.groupId)) throw new Error(`memory bus: group "${opts.groupId}" already has a member`);
        members.add(opts.groupId);
        running = true;
        opts.onAssign?.(
          opts.topics.flatMap((topic) => partitionsOf(topic).map((_, partition) => ({ topic, partition }))),
        );
        loop = consumeLoop(
          opts,
          handler,
          position,
          nextOffset,
          () => running,
          () => paused,
        );
      },
      async commit(offsets: TopicPartitionOffset[]) {
        for (const o of offsets) committed.set(`${opts.groupId}\0${o.topic}\0${o.partition}`, Number(o.offset));
      },
      pause() {
        paused = true;
      },
      lag() {
        if (!running) return [];
        // exact here: the log end and this member's position are both in memory
        return opts.topics.flatMap((topic) =>
          partitionsOf(topic).map(({ messages }, partition): PartitionLag => {
            const next = nextOffset(`${opts.groupId}\0${topic}\0${partition}`, messages);
            return { topic, partition, lag: Math.max(0, messages.length - next) };
          }),
        );
      },
      async stop() {
        running = false;
        wake();
        await loop;
        members.delete(opts.groupId);
      },
    };
  };

  async function consumeLoop(
    opts: ConsumerOptions,
    handler: BatchHandler,
    position: Map<string, number>,
    nextOffset: (key: string, log: ConsumedMessage[]) => number,
    isRunning: () => boolean,
    isPaused: () => boolean,
  ) {
    const commitAfterBatch = (opts.commit ?? 'after-batch') === 'after-batch';
    let backoffMs = 100;
    while (isRunning()) {
      let delivered = false;
      for (const topic of opts.topics) {
        const parts = partitionsOf(topic);
        for (let partition = 0; partition < parts.length && isRunning() && !isPaused(); partition++) {
          const key = `${opts.groupId}\0${topic}\0${partition}`;
          const log = parts[partition]?.messages ?? [];
          const start = nextOffset(key, log);
          const messages = log.slice(start, start + MAX_BATCH);
          if (messages.length === 0) continue;
          delivered = true;
          const batch: Batch = { topic, partition, messages, highWatermark: String(log.length) };
          try {
            await handler(batch, { heartbeat: async () => {}, isRunning });
            if (!isRunning()) continue;
            position.set(key, start + messages.length);
            if (commitAfterBatch) committed.set(key, start + messages.length);
            backoffMs = 100;
          } catch {
            // not committed: the same batch comes again after a pause, as on Kafka
            await sleep(backoffMs);
            backoffMs = Math.min(backoffMs * 2, 5000);
          }
        }
      }
      if (!delivered && isRunning()) await idle();
    }
  }

  function idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        waiters.delete(done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, 1000);
      waiters.add(done);
    });
  }

  return {
    kind: 'memory',
    async ensureTopics(specs: TopicSpec[]) {
      for (const s of specs) {
        if (!topics.has(s.name)) {
          topics.set(
            s.name,
            Array.from({ length: Math.max(1, s.partitions) }, () => ({ messages: [] })),
          );
        }
      }
    },
    producer,
    consumer,
    async close() {
      wake();
    },
  };
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/** FNV-1a: a stable key → partition mapping, so one trace stays on one partition. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
