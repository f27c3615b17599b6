import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';

/** How a service words an error answer: content type and body, from the status and the message. */
export type ErrorRenderer = (
  err: Error,
  status: number,
  message: string,
  url: string,
) => { contentType: string; body: unknown };

const plainError: ErrorRenderer = (_err, _status, message) => ({
  contentType: 'application/json; charset=utf-8',
  body: { error: message },
});

/**
 * A Fastify server as every livegrade service runs it: its logs in the
 * service's pino stream without a line per request (errors are still logged),
 * and errors answered as `{ "error": message }` unless the service renders
 * them its own way (the API: problem+json); a 5xx never leaks internals.
 */
export function createHttpServer(opts: {
  logger: Logger;
  service: string;
  bodyLimit: number;
  /** message for 413, e.g. to name the configured limit */
  tooLarge?: string;
  renderError?: ErrorRenderer;
  /** the status an error is answered with when it carries none (default 500) */
  statusOf?: (err: Error) => number | undefined;
}): FastifyInstance {
  const log = opts.logger.child({ service: opts.service });
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
  });
  const render = opts.renderError ?? plainError;
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode ?? opts.statusOf?.(err) ?? 500;
    if (status >= 500) log.error({ err }, 'request failed');
    const message = status === 413 && opts.tooLarge ? opts.tooLarge : status >= 500 ? 'internal error' : err.message;
    const { contentType, body } = render(err, status, message, req.url);
    reply.code(status).type(contentType).send(body);
  });
  return app;
}
export type { FastifyInstance, FastifyReply } from 'fastify';
