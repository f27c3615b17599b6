import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per process: `livegrade up` runs every service in one process, so they share it. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  // prom-client's own names already start process_ / nodejs_: livegrade_process_cpu_seconds_total
  collectDefaultMetrics({ register: registry, prefix: 'livegrade_' });
  return registry;
}

/** GET /metrics in the Prometheus text format. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}

/**
 * A counter whose value is read from a service's own running totals when
 * Prometheus scrapes, so the hot path keeps plain number increments. A
 * record of totals becomes one series per key, labelled `labelName`.
 */
export function counterFrom(
  registry: Registry,
  name: string,
  help: string,
  read: () => number | Record<string, number>,
  labelName = 'reason',
): void {
  labelledCounterFrom(registry, name, help, [labelName], () => {
    const v = read();
    if (typeof v === 'number') return [{ labels: {}, value: v }];
    return Object.entries(v).map(([label, value]) => ({ labels: { [labelName]: label }, value }));
  });
}

export function gaugeFrom(registry: Registry, name: string, help: string, read: () => number): void {
  labelledGaugeFrom(registry, name, help, [], () => [{ labels: {}, value: read() }]);
}

/** One series of a labelled metric read at scrape time. */
export interface LabelledValue {
  labels: Record<string, string | number>;
  value: number;
}

/** counterFrom for several labels: `read` returns every series' running total. */
export function labelledCounterFrom(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => LabelledValue[],
): void {
  new Counter({
    name,
    help,
    registers: [registry],
    labelNames,
    collect() {
      const series = read();
      this.reset();
      for (const s of series) this.inc(s.labels, s.value);
    },
  });
}

/** A gauge per label set, read at scrape time; a series no longer returned disappears. */
export function labelledGaugeFrom(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => LabelledValue[],
): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    labelNames,
    collect() {
      const series = read();
      this.reset();
      for (const s of series) this.set(s.labels, s.value);
    },
  });
}
