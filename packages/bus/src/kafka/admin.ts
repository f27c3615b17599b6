import { Admin, findErrorBy } from '@platformatic/kafka';
import type { TopicSpec } from '../types.ts';
import type { KafkaBusOptions } from './options.ts';
import { clientOptionsOf } from './options.ts';

/** Creates the topics that do not exist yet; another service creating one at the same time is fine. */
export async function ensureKafkaTopics(options: KafkaBusOptions, topics: TopicSpec[]): Promise<void> {
  const admin = new Admin(clientOptionsOf(options));
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    // one request per partition count: createTopics takes one count for all its topics
    const byCount = new Map<number, TopicSpec[]>();
    for (const t of missing) byCount.set(t.partitions, [...(byCount.get(t.partitions) ?? []), t]);
    for (const [partitions, specs] of byCount) {
      try {
        await admin.createTopics({ topics: specs.map((t) => t.name), partitions, replicas: -1 });
      } catch (err) {
        if (!findErrorBy(err as Error, 'apiId', 'TOPIC_ALREADY_EXISTS')) throw err;
      }
    }
    if (missing.length > 0)
      await untilLed(
        admin,
        missing.map((t) => t.name),
      );
  } finally {
    await admin.close();
  }
}

/** A new topic's partitions have no leader for a moment; producing then fails, so wait it out here. */
async function untilLed(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const metadata = await admin.metadata({ topics, forceUpdate: true }).catch(() => undefined);
    const led = topics.every((name) => {
      const t = metadata?.topics.get(name);
      return t !== undefined && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0);
    });
    if (led) return;
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
