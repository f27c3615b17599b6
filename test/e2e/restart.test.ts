// A sampler killed between the insert and the offset commit: the batch is
// delivered again to its successor and written again, and still every
// decision is counted exactly once, and made once (the successor adopts it).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createBus, createKafkaBus } from '@livegrade/bus';
import { topicsOf } from '@livegrade/core';
import { encodeTraces } from '@livegrade/otlp';
import { createLogger } from '@livegrade/runtime';
import { createSampler, samplerConfig } from '@livegrade/sampler';
import { openStore, type Store } from '@livegrade/store';
import { tempDataDir, testEnv } from '../support/env.ts';
import { requireKafka, uniqueKafkaNames } from '../support/infra.ts';
import { countRaw, countVisible } from '../support/store.ts';
import { generateTraces } from '../support/traffic.ts';
import { TS_CHILD_ARGS } from '../support/ts-child.ts';
import { waitFor } from '../support/wait.ts';

const kafka = await requireKafka();

describe('sampler restart between insert and commit', { skip: kafka.ok ? false : kafka.skip }, () => {
  const data = tempDataDir();
  const vars = {
    LIVEGRADE_DATA_DIR: data.dir,
    LIVEGRADE_KAFKA_BROKERS: kafka.ok ? kafka.url : '',
    ...uniqueKafkaNames('restart'),
    // the killed member's partitions are handed over when its session expires
    LIVEGRADE_KAFKA_SESSION_TIMEOUT_MS: '6000',
  };
  const env = testEnv(vars);
  const stores: Store[] = [];
  const stops: Array<() => Promise<void>> = [];
  after(async () => {
    for (const stop of stops) await stop();
    for (const store of stores) await store.close();
    data.cleanup();
  });

  before(async () => {
    const bus = createKafkaBus({ brokers: env.LIVEGRADE_KAFKA_BROKERS!.split(',') });
    const topics = topicsOf(env);
    await bus.ensureTopics([
      { name: topics.spans, partitions: 1 },
      { name: topics.verdicts, partitions: 1 },
      { name: topics.dlq, partitions: 1 },
    ]);
    const producer = bus.producer();
    const traces = generateTraces({ traces: 300, seed: 11 });
    await producer.send(
      topics.spans,
      traces.map((t) => ({ key: t.traceId, value: Buffer.from(encodeTraces(t.spans)) })),
    );
    await bus.close();
  });

  it('loses no decision and counts none twice', async () => {
    const child = spawn(process.execPath, [...TS_CHILD_ARGS, 'test/support/sampler-child.ts'], {
      env: { ...process.env, LIVEGRADE_CHILD_ENV: JSON.stringify({ ...vars, LIVEGRADE_LOG_LEVEL: 'silent' }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, sig) => resolve(sig)),
    );
    assert.equal(signal, 'SIGKILL', `the child crashed as planned (said: ${out.trim()})`);

    // merges would collapse the duplicates this test wants to see physically present
    const store = await openStore(env);
    stores.push(store);
    await store.clients.writer.command({ query: 'SYSTEM STOP MERGES decisions' });
    const writtenByCrashed = await countRaw(store, 'decisions');
    assert.ok(writtenByCrashed > 0, 'the crashed sampler wrote rows before dying');

    const logger = createLogger('silent');
    const bus = createBus({ brokers: env.LIVEGRADE_KAFKA_BROKERS, logger });
    const sampler = createSampler({ bus, store, logger, config: samplerConfig(env) });
    stops.push(
      () => sampler.stop(),
      () => bus.close(),
    );
    await sampler.start();
    await waitFor('300 visible decisions', async () =>
      (await countVisible(store, 'SELECT count() FROM decisions')) === 300 ? true : undefined,
    );
    // nothing was committed by the crashed sampler: its successor wrote all 300 again
    await waitFor('the replayed rows', async () =>
      (await countRaw(store, 'decisions')) === writtenByCrashed + 300 ? true : undefined,
    );
    assert.equal(await countVisible(store, 'SELECT count() FROM decisions'), 300);
    // what the crashed sampler had decided is looked up and adopted, not decided a second time
    assert.equal(sampler.stats().adopted, writtenByCrashed);
    assert.equal(sampler.stats().traces, 300);
    assert.equal(await countVisible(store, 'SELECT count(DISTINCT decision_id) FROM decisions'), 300);
    assert.equal(await countVisible(store, 'SELECT count() FROM sampled_spans'), 900);
  });
});
