import type { Bus, Producer } from '@livegrade/bus';
import type { FastifyInstance } from '@livegrade/runtime';
import { createHttpServer, type Logger } from '@livegrade/runtime';
import { createBusHandoff } from './bus-handoff.ts';
import type { GatewayConfig } from './config.ts';
import { registerContentTypeCheck } from './content-type.ts';
import { registerDecompression } from './decompress.ts';
import { countRequests, emptyGatewayStats, type GatewayStats } from './stats.ts';
import { registerTraces } from './traces.ts';
import { registerVerdicts } from './verdicts.ts';

export interface Gateway {
  app: FastifyInstance;
  /** resolves with the bound address, e.g. http://127.0.0.1:4318 */
  start(): Promise<string>;
  stop(): Promise<void>;
  stats(): GatewayStats;
}

/** OTLP/HTTP receiver → bus. Stateless: scale it behind a load balancer. */
export function createGateway(deps: { bus: Bus; logger: Logger; config: GatewayConfig }): Gateway {
  const { bus, logger, config } = deps;
  const producer: Producer = bus.producer();
  const stats = emptyGatewayStats();
  const app = createHttpServer({
    logger,
    service: 'gateway',
    bodyLimit: config.maxBodyBytes,
    tooLarge: `request body larger than the ${config.maxBodyBytes} byte limit`,
  });
  app.addContentTypeParser(
    ['application/x-protobuf', 'application/protobuf'],
    { parseAs: 'buffer' },
    (_req, body, done) => done(null, body),
  );
  // JSON arrives as a Buffer too: OTLP JSON is decoded by @livegrade/otlp, verdicts by JSON.parse below
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    if (req.url.startsWith('/v1/traces')) return done(null, body);
    try {
      done(null, JSON.parse((body as Buffer).toString('utf8')));
    } catch (err) {
      done(Object.assign(new Error(`body is not valid JSON: ${(err as Error).message}`), { statusCode: 400 }));
    }
  });
  countRequests(app, stats);
  registerContentTypeCheck(app);
  registerDecompression(app);
  app.get('/healthz', async () => ({ ok: true }));
  const handoff = createBusHandoff(producer, config.sendTimeoutMs, logger.child({ service: 'gateway' }));
  const { retryAfterSeconds } = config;
  registerTraces(app, { handoff, topic: config.topics.spans, retryAfterSeconds }, stats);
  registerVerdicts(app, { handoff, topic: config.topics.verdicts, retryAfterSeconds }, stats);

  return {
    app,
    async start() {
      return app.listen({ host: config.host, port: config.port });
    },
    async stop() {
      await app.close();
      await producer.close();
    },
    stats: () => stats,
  };
}
