import { readFileSync } from 'node:fs';
import { type AlertsConfig, type BankConfig, DEFAULT_CONFIG, RequestError, type ScoringConfig } from '@livegrade/core';
import {
  createStoreOperations,
  type Operations,
  PROBLEM_CONTENT_TYPE,
  plainProblem,
  problemOf,
  statusOf,
} from '@livegrade/ops';
import type { FastifyInstance } from '@livegrade/runtime';
import { createHttpServer, type Logger, type Registry, registerMetricsRoute } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';
import { registerAuth } from './auth.ts';
import type { ApiConfig } from './config.ts';
import { registerDashboard } from './dashboard.ts';
import { openApiDocument, type RouteDoc } from './routes/docs.ts';
import { registerOperations } from './routes/operations.ts';
import { registerSlices } from './slices.ts';
import { registerTraces } from './traces.ts';

export { openApiDocument } from './routes/docs.ts';

/**
 * The OpenAPI document of an API with the default configuration, built
 * without a store (no route touches it to register): what schemas/openapi.json
 * holds.
 */
export async function defaultOpenApi(logger: Logger): Promise<Api['openapi']> {
  const api = createApi({ store: {} as Repository, logger, config: { host: '127.0.0.1', port: 0, token: undefined } });
  await api.app.close();
  return api.openapi;
}

export interface Api {
  app: FastifyInstance;
  /** the OpenAPI 3.1 document of every route (also served at /openapi.json) */
  openapi: ReturnType<typeof openApiDocument>;
  /** `METHOD /path` of every route the server answers, as Fastify registered them */
  routes: string[];
  start(): Promise<string>;
  stop(): Promise<void>;
}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/**
 * The API: every operation of @livegrade/ops as a route, the dashboard's
 * reads, SQL over what livegrade keeps. It also serves the store to CLI
 * commands while an instance runs. Refusals are problem+json (RFC 9457).
 */
export function createApi(deps: {
  store: Repository;
  logger: Logger;
  config: ApiConfig;
  metrics?: Registry;
  /** the grouping sets baselines are registered over (scoring.slices) and the scored window lengths (scoring.windows) */
  scoring?: Pick<ScoringConfig, 'slices' | 'windows'>;
  /** the validated alerts: section: severities of listed alerts, rule names a silence may name */
  alerts?: AlertsConfig;
  /** the sampler's slice dimensions (sampling.slice_by): bank cases and eval sets are sliced like the sample */
  sliceBy?: readonly string[];
  /** the bank: section: the lookback of a capture run on request (POST /v1/bank/capture) */
  bank?: BankConfig;
  /** the operations to serve; by default those on `store` */
  operations?: Operations;
}): Api {
  const { store, logger, config } = deps;
  const scoring = deps.scoring ?? DEFAULT_CONFIG.scoring;
  const app = createHttpServer({
    logger,
    service: 'api',
    bodyLimit: 1024 * 1024,
    statusOf: (err) => (err instanceof RequestError ? statusOf(err.kind) : undefined),
    renderError: (err, status, message, url) => ({
      contentType: PROBLEM_CONTENT_TYPE,
      body: err instanceof RequestError ? problemOf(err, url) : plainProblem(status, message, url),
    }),
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send(plainProblem(404, `no route ${request.method} ${request.url.split('?')[0]}`, request.url));
  });
  const registered: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') registered.push(`${method} ${r.url}`);
  });
  registerAuth(app, config.token);
  app.get('/healthz', async () => ({ ok: true, service: 'livegrade' }));
  const ops =
    deps.operations ??
    createStoreOperations(store, {
      scoring,
      alerts: deps.alerts,
      sliceBy: deps.sliceBy ?? DEFAULT_CONFIG.sampling.slice_by,
      captureLookbackMs: (deps.bank ?? DEFAULT_CONFIG.bank).capture_lookback,
    });
  const routes: RouteDoc[] = [
    ...registerOperations(app, ops),
    ...registerSlices(app, store, scoring),
    ...registerTraces(app, store),
  ];
  const openapi = openApiDocument(routes, { version: VERSION });
  app.get('/openapi.json', async () => openapi);
  registerDashboard(app);
  if (deps.metrics) registerMetricsRoute(app, deps.metrics);
  return {
    app,
    openapi,
    routes: registered,
    start: () => app.listen({ host: config.host, port: config.port }),
    stop: () => app.close(),
  };
}
