import { connect } from 'node:net';

/**
 * Reachability of the real Kafka broker / Redis the tests need. Under CI=true
 * an unreachable service is a failure; elsewhere the test is skipped with a
 * message saying how to start it.
 */
export type Requirement = { ok: true; url: string } | { ok: false; skip: string };

function reachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function requireService(name: string, url: string, host: string, port: number): Promise<Requirement> {
  if (await reachable(host, port)) return { ok: true, url };
  const message = `${name} is not reachable at ${host}:${port}; start it with: bash infra/up.sh`;
  if (process.env.CI === 'true')
    throw new Error(`${message} (CI=true: tests that need ${name} fail instead of skipping)`);
  console.warn(`SKIP: ${message}`);
  return { ok: false, skip: message };
}

export function requireKafka(): Promise<Requirement> {
  const brokers = process.env.LIVEGRADE_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092';
  const [host = '127.0.0.1', port = '9092'] = (brokers.split(',')[0] ?? '').split(':');
  return requireService('Kafka', brokers, host, Number(port));
}

export function requireRedis(): Promise<Requirement> {
  const url = process.env.LIVEGRADE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const u = new URL(url);
  return requireService('Redis', url, u.hostname, Number(u.port || 6379));
}

/** Topic prefix and group unique to one test run, so runs never see each other's messages. */
export function uniqueKafkaNames(label: string) {
  const id = `${label}-${process.pid}-${Date.now().toString(36)}`;
  return { LIVEGRADE_KAFKA_TOPIC_PREFIX: `lgtest.${id}`, LIVEGRADE_KAFKA_GROUP: `lgtest-${id}` };
}

/** Deletes every Redis key under a test's prefix (its queues), so runs leave nothing behind. */
export async function redisPrefixCleanup(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
