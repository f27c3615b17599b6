import { type AlertsConfig, type BankConfig, DEFAULT_CONFIG, type ScoringConfig } from '@livegrade/core';
import type { FastifyInstance } from '@livegrade/runtime';
import { createHttpServer, type Logger, type Registry, registerMetricsRoute } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';
import { registerAlerts } from './alerts.ts';
import { registerAuth } from './auth.ts';
import { registerBank } from './bank.ts';
import { registerBaselines } from './baselines.ts';
import type { ApiConfig } from './config.ts';
import { registerDashboard } from './dashboard.ts';
import { registerEvalsets } from './evalsets.ts';
import { registerRuns } from './runs.ts';
import { registerSlices } from './slices.ts';
import { registerSql } from './sql.ts';
import { registerTraces } from './traces.ts';

/** what the CLI runs on the store itself when no instance runs */
export {
  AlertsRequestError,
  addSilence,
  expireSilence,
  type ListedAlert,
  listAlerts,
  listSilences,
  type SilenceRequest,
} from './alerts.ts';

export interface Api {
  app: FastifyInstance;
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** The read side: SQL over what livegrade keeps. It also serves the store to CLI commands while an instance runs. */
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
}): Api {
  const { store, logger, config } = deps;
  const app = createHttpServer({ logger, service: 'api', bodyLimit: 1024 * 1024 });
  registerAuth(app, config.token);
  app.get('/healthz', async () => ({ ok: true, service: 'livegrade' }));
  registerSql(app, store);
  registerBaselines(app, store, deps.scoring ?? DEFAULT_CONFIG.scoring);
  registerAlerts(app, store, deps.alerts);
  registerSlices(app, store, deps.scoring ?? DEFAULT_CONFIG.scoring);
  registerTraces(app, store);
  const sliceBy = deps.sliceBy ?? DEFAULT_CONFIG.sampling.slice_by;
  registerBank(app, store, { sliceBy, ...(deps.bank ? { bank: deps.bank } : {}) });
  registerRuns(app, store);
  registerEvalsets(app, store, { sliceBy });
  registerDashboard(app);
  if (deps.metrics) registerMetricsRoute(app, deps.metrics);
  return {
    app,
    start: () => app.listen({ host: config.host, port: config.port }),
    stop: () => app.close(),
  };
}
