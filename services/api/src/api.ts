import type { Logger } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerAuth } from './auth.ts';
import type { ApiConfig } from './config.ts';
import { registerSql } from './sql.ts';

export interface Api {
  app: FastifyInstance;
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** The read side: SQL over what livegrade keeps. It also serves the store to CLI commands while an instance runs. */
export function createApi(deps: { store: Repository; logger: Logger; config: ApiConfig }): Api {
  const { store, logger, config } = deps;
  const app = Fastify({
    loggerInstance: logger.child({ service: 'api' }) as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: 1024 * 1024,
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) logger.error({ err }, 'api request failed');
    reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message });
  });
  registerAuth(app, config.token);
  app.get('/healthz', async () => ({ ok: true, service: 'livegrade' }));
  registerSql(app, store);
  return {
    app,
    start: () => app.listen({ host: config.host, port: config.port }),
    stop: () => app.close(),
  };
}
