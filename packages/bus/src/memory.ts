import type {
  Batch,
  BatchHandler,
  Bus,
  ConsumedMessage,
  Consumer,
  ConsumerOptions,
  OutgoingMessage,
  Producer,
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
    let loop: Promise<void> | undefined;
    return {
      async run(handler: BatchHandler) {
        if (members.has(opts.groupId)) throw new Error(`memory bus: group "${opts.groupId}" already has a member`);
        members.add(opts.groupId);
        running = true;
        loop = consumeLoop(opts, handler, () => running);
      },
      async stop() {
        running = false;
        wake();
        await loop;
        members.delete(opts.groupId);
      },
    };
  };

  async function consumeLoop(opts: ConsumerOptions, handler: BatchHandler, isRunning: () => boolean) {
    let backoffMs = 100;
    while (isRunning()) {
      let delivered = false;
      for (const topic of opts.topics) {
        const parts = partitionsOf(topic);
        for (let partition = 0; partition < parts.length && isRunning(); partition++) {
          const key = `${opts.groupId}\0${topic}\0${partition}`;
          const start =
            committed.get(key) ?? (opts.fromBeginning === false ? (parts[partition]?.messages.length ?? 0) : 0);
          committed.set(key, start);
          const messages = parts[partition]?.messages.slice(start, start + MAX_BATCH) ?? [];
          if (messages.length === 0) continue;
          delivered = true;
          const batch: Batch = { topic, partition, messages };
          try {
            await handler(batch, { heartbeat: async () => {}, isRunning });
            if (isRunning()) committed.set(key, start + messages.length);
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
