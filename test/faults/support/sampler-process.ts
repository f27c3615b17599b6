// One sampler in its own process, on the real broker and its own embedded
// store, as `livegrade up --services sampler` runs it: the process the
// sampler-killed fault SIGKILLs. Config arrives as JSON in LIVEGRADE_CHILD_ENV.
// Over IPC it reports 'ready' (store open: queries may come), 'started'
// (joined the group) and its stats every 500 ms, answers queries on the store
// (the embedded store opens in one process only), and on 'stop' stops as
// SIGTERM would: decides what is buffered, writes, commits, leaves the group.
import { createBus } from '@livegrade/bus';
import { parseEnv } from '@livegrade/core';
import { createLogger } from '@livegrade/runtime';
import { createSampler, samplerConfig } from '@livegrade/sampler';
import { openStore } from '@livegrade/store';

export type ToChild = { type: 'query'; id: number; sql: string; visible: boolean } | { type: 'stop' };
export type FromChild =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'stats'; stats: { traces: number; adopted: number; decisions: number; spansRead: number } }
  | { type: 'result'; id: number; rows?: Array<Record<string, unknown>>; error?: string }
  | { type: 'stopped' };

const send = (m: FromChild) => process.send?.(m);
const env = parseEnv(JSON.parse(process.env.LIVEGRADE_CHILD_ENV ?? '{}'));
const logger = createLogger(env.LIVEGRADE_LOG_LEVEL);
const bus = createBus({ brokers: env.LIVEGRADE_KAFKA_BROKERS, logger });
const store = await openStore(env);
const sampler = createSampler({ bus, store, logger, config: samplerConfig(env) });

process.on('message', (m: ToChild) => {
  if (m.type === 'query') {
    const rows = m.visible
      ? store.readOnlyQuery(m.sql).then((out) => (JSON.parse(out) as { data: Array<Record<string, unknown>> }).data)
      : store.select<Record<string, unknown>>(m.sql);
    rows.then(
      (r) => send({ type: 'result', id: m.id, rows: r }),
      (err: Error) => send({ type: 'result', id: m.id, error: err.message }),
    );
  } else if (m.type === 'stop') {
    void (async () => {
      await sampler.stop();
      await bus.close();
      await store.close();
      send({ type: 'stopped' });
      process.exit(0);
    })();
  }
});
send({ type: 'ready' });
await sampler.start();
send({ type: 'started' });
setInterval(() => {
  const s = sampler.stats();
  send({
    type: 'stats',
    stats: { traces: s.traces, adopted: s.adopted, decisions: s.decisions, spansRead: s.spansRead },
  });
}, 500).unref();
