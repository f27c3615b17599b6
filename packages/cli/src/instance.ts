import {
  type Alerter,
  alerterConfig,
  createAlerter,
  type DeliveryPolicy,
  registerAlerterMetrics,
} from '@livegrade/alerter';
import { type Api, apiConfig, createApi } from '@livegrade/api';
import { type Bus, createBus } from '@livegrade/bus';
import { type Env, type LivegradeConfig, modesOf, topicsOf } from '@livegrade/core';
import { createGateway, type Gateway, gatewayConfig, registerGatewayMetrics } from '@livegrade/gateway';
import { createJobs, type Jobs } from '@livegrade/jobs';
import {
  createLogger,
  createMetricsRegistry,
  createMetricsServer,
  type Logger,
  loadConfig,
  type Registry,
} from '@livegrade/runtime';
import { createSampler, registerSamplerMetrics, type Sampler, samplerConfig } from '@livegrade/sampler';
import { createScorer, registerScorerMetrics, type Scorer, scorerConfig } from '@livegrade/scorer';
import { openStore, type Store } from '@livegrade/store';
import { registerStoreMetrics } from './store-metrics.ts';

export const SERVICES = ['gateway', 'sampler', 'scorer', 'alerter', 'api'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface Instance {
  env: Env;
  config: LivegradeConfig;
  /** the config file read, or null when the defaults apply */
  configPath: string | null;
  /**
   * Prometheus metrics of every service in this process, served on the API's
   * /metrics, or on LIVEGRADE_METRICS_PORT when the process runs no api
   */
  metrics: Registry;
  logger: Logger;
  bus: Bus;
  /** job queues: BullMQ on LIVEGRADE_REDIS_URL, else in-process */
  jobs: Jobs;
  store: Store | undefined;
  gateway: Gateway | undefined;
  sampler: Sampler | undefined;
  scorer: Scorer | undefined;
  alerter: Alerter | undefined;
  api: Api | undefined;
  /** bound addresses, e.g. { gateway: 'http://127.0.0.1:4318' }; `metrics` only when no api runs here */
  urls: Partial<Record<ServiceName | 'metrics', string>>;
  stop(): Promise<void>;
}

export interface StartOptions {
  services?: readonly ServiceName[];
  logger?: Logger;
  partitions?: number;
  /** replaces livegrade.config.yaml (tests) */
  config?: LivegradeConfig;
  /** where the url_env variables of webhook receivers are read (default process.env) */
  processEnv?: Record<string, string | undefined>;
  /** replaces the alerter's delivery retry policy (tests shorten its backoff) */
  alertDelivery?: Partial<DeliveryPolicy>;
}

/**
 * The composition root: wires adapters to services. `livegrade up` runs every
 * service in this one process (the embedded store can only be opened by one
 * process); in production each container runs the same code with one service.
 */
export async function startInstance(env: Env, opts: StartOptions = {}): Promise<Instance> {
  const services = new Set(opts.services ?? SERVICES);
  const logger = opts.logger ?? createLogger(env.LIVEGRADE_LOG_LEVEL);
  // a bad config file stops the start here, before anything is opened
  const loaded = opts.config ? { config: opts.config, path: null } : await loadConfig({ env });
  const topics = topicsOf(env);
  const bus = createBus({ brokers: env.LIVEGRADE_KAFKA_BROKERS, clientId: env.LIVEGRADE_KAFKA_CLIENT_ID, logger });
  const jobs = createJobs({ redisUrl: env.LIVEGRADE_REDIS_URL, prefix: env.LIVEGRADE_REDIS_PREFIX, logger });
  const stops: Array<() => Promise<void>> = [];
  const instance: Instance = {
    env,
    config: loaded.config,
    configPath: loaded.path,
    metrics: createMetricsRegistry(),
    logger,
    bus,
    jobs,
    store: undefined,
    gateway: undefined,
    sampler: undefined,
    scorer: undefined,
    alerter: undefined,
    api: undefined,
    urls: {},
    async stop() {
      // reverse start order: stop taking input before closing what it writes to
      for (const stop of stops.reverse()) {
        await stop().catch((err) => logger.error({ err }, 'error while stopping'));
      }
    },
  };
  stops.push(() => bus.close());
  stops.push(() => jobs.close());
  try {
    const partitions = opts.partitions ?? env.LIVEGRADE_KAFKA_PARTITIONS;
    await bus.ensureTopics([
      { name: topics.spans, partitions },
      { name: topics.verdicts, partitions },
      { name: topics.dlq, partitions: 1 },
    ]);
    if (services.has('sampler') || services.has('scorer') || services.has('alerter') || services.has('api')) {
      const store = await openStore(env);
      instance.store = store;
      stops.push(() => store.close());
      registerStoreMetrics(instance.metrics, store);
    }
    if (services.has('sampler') && instance.store) {
      const sampler = createSampler({
        bus,
        store: instance.store,
        logger,
        config: samplerConfig(env, loaded.config.sampling),
      });
      registerSamplerMetrics(
        instance.metrics,
        () => sampler.stats(),
        () => sampler.lag(),
      );
      await sampler.start();
      instance.sampler = sampler;
      stops.push(() => sampler.stop());
    }
    if (services.has('scorer') && instance.store) {
      const alerting = loaded.config.alerts.rules.length > 0;
      const bank = { bank: loaded.config.bank, sliceBy: loaded.config.sampling.slice_by };
      const config = scorerConfig(loaded.config.scoring, { alerting, bank });
      const scorer = createScorer({ jobs, store: instance.store, logger, config });
      registerScorerMetrics(instance.metrics, scorer);
      await scorer.start();
      instance.scorer = scorer;
      stops.push(() => scorer.stop());
    }
    if (services.has('alerter') && instance.store) {
      const alerter = createAlerter({
        jobs,
        store: instance.store,
        logger,
        config: alerterConfig(loaded.config.alerts, opts.alertDelivery, env.LIVEGRADE_PUBLIC_URL),
        env: {
          ...(opts.processEnv ?? process.env),
          LIVEGRADE_SLACK_WEBHOOK_URL: env.LIVEGRADE_SLACK_WEBHOOK_URL,
          LIVEGRADE_SLACK_BOT_TOKEN: env.LIVEGRADE_SLACK_BOT_TOKEN,
          LIVEGRADE_SLACK_API_URL: env.LIVEGRADE_SLACK_API_URL,
        },
      });
      registerAlerterMetrics(instance.metrics, () => alerter.stats());
      await alerter.start();
      instance.alerter = alerter;
      stops.push(() => alerter.stop());
    }
    if (services.has('api') && instance.store) {
      const api = createApi({
        store: instance.store,
        logger,
        config: apiConfig(env),
        metrics: instance.metrics,
        scoring: loaded.config.scoring,
        alerts: loaded.config.alerts,
        sliceBy: loaded.config.sampling.slice_by,
        bank: loaded.config.bank,
      });
      instance.urls.api = await api.start();
      instance.api = api;
      stops.push(() => api.stop());
    }
    if (services.has('gateway')) {
      const gateway = createGateway({ bus, logger, config: gatewayConfig(env) });
      registerGatewayMetrics(instance.metrics, () => gateway.stats());
      instance.urls.gateway = await gateway.start();
      instance.gateway = gateway;
      stops.push(() => gateway.stop());
    }
    if (!services.has('api')) {
      // the api serves /metrics itself; any other process gets a listener of its own for Prometheus
      const server = createMetricsServer({
        registry: instance.metrics,
        logger,
        host: env.LIVEGRADE_HOST,
        port: env.LIVEGRADE_METRICS_PORT,
      });
      instance.urls.metrics = await server.start();
      stops.push(() => server.stop());
    }
  } catch (err) {
    await instance.stop();
    throw err;
  }
  logger.info({ modes: modesOf(env), urls: instance.urls, config: loaded.path ?? 'defaults' }, 'livegrade started');
  return instance;
}
