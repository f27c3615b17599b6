import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';

/**
 * A Fastify server as every livegrade service runs it: its logs in the
 * service's pino stream without a line per request (errors are still logged),
 * and errors answered as `{ "error": message }`; a 5xx never leaks internals.
 */
export function createHttpServer(opts: {
  logger: Logger;
  service: string;
  bodyLimit: number;
  /** message for 413, e.g. to name the configured limit */
  tooLarge?: string;
}): FastifyInstance {
  const log = opts.logger.child({ service: opts.service });
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) log.error({ err }, 'request failed');
    const error = status === 413 && opts.tooLarge ? opts.tooLarge : status >= 500 ? 'internal error' : err.message;
    reply.code(status).send({ error });
  });
  return app;
}
export type { FastifyInstance, FastifyReply } from 'fastify';
