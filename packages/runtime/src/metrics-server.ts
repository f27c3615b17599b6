import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createHttpServer } from './http.ts';
import { registerMetricsRoute } from './metrics.ts';

export interface MetricsServer {
  /** resolves with the bound address, e.g. http://127.0.0.1:9464 */
  start(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * GET /metrics (and /healthz) on a port of its own, for a process that runs
 * no API service, whose /metrics would otherwise serve these metrics.
 */
export function createMetricsServer(opts: {
  registry: Registry;
  logger: Logger;
  host: string;
  port: number;
}): MetricsServer {
  const app = createHttpServer({ logger: opts.logger, service: 'metrics', bodyLimit: 1024 });
  registerMetricsRoute(app, opts.registry);
  app.get('/healthz', async () => ({ ok: true }));
  return {
    start: () => app.listen({ host: opts.host, port: opts.port }),
    stop: () => app.close(),
  };
}
