import { QUEUES, type ScoreWindowJob } from '@livegrade/core';
import type { Jobs, Worker } from '@livegrade/jobs';
import type { Logger } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';
import type { AlerterConfig } from './config.ts';
import { type Delivered, deliver } from './deliver.ts';
import { evaluateWindow, queueDeliveries, type WindowEvaluation } from './evaluate.ts';
import { createSender, type Sender, type SenderEnv } from './notify/index.ts';

export interface AlerterStats {
  evaluations: { completed: number; failed: number };
  notifications: number;
  deliveries: { delivered: number; failed: number };
  /** the same attempts, per receiver */
  deliveriesByReceiver: Record<string, { delivered: number; failed: number }>;
}

export interface Alerter {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** evaluates one scored window now, in this process (tests, bench) */
  evaluate(window: ScoreWindowJob): Promise<WindowEvaluation>;
  /**
   * queues again every recent notification without a final delivery outcome
   * (at start and every replayEveryMs); returns how many were queued
   */
  replay(): Promise<number>;
  stats(): AlerterStats;
}

/**
 * The alerter (docs/ARCHITECTURE.md §7): evaluates the rules each time the scorer has
 * scored a window (queue `alerting`, one job per window, concurrency 1 so
 * a rule's windows are applied in order by one worker), and delivers
 * notifications through queue `alert-delivery`, one job per (notification,
 * receiver), retried with capped, jittered backoff.
 */
export function createAlerter(deps: {
  jobs: Jobs;
  store: Repository;
  logger: Logger;
  config: AlerterConfig;
  /** secrets: LIVEGRADE_SLACK_* and the url_env variables of webhook receivers */
  env: SenderEnv;
  now?: () => number;
}): Alerter {
  const { jobs, store, config } = deps;
  const logger = deps.logger.child({ service: 'alerter' });
  const now = deps.now ?? Date.now;
  const evaluations = jobs.queue(QUEUES.alerting);
  const deliveries = jobs.queue(QUEUES.alertDelivery);
  const stats: AlerterStats = {
    evaluations: { completed: 0, failed: 0 },
    notifications: 0,
    deliveries: { delivered: 0, failed: 0 },
    deliveriesByReceiver: {},
  };
  const senders = new Map<string, Sender>();
  const sender = (receiver: string): Sender => {
    let s = senders.get(receiver);
    if (!s) {
      s = createSender(receiver, config.alerts.receivers[receiver]!, deps.env, { publicUrl: config.publicUrl });
      senders.set(receiver, s);
    }
    return s;
  };
  const workers: Worker[] = [];
  let replaying: NodeJS.Timeout | undefined;

  async function evaluate(window: ScoreWindowJob): Promise<WindowEvaluation> {
    try {
      const result = await evaluateWindow({ store, deliveries, config, now }, window);
      stats.evaluations.completed++;
      stats.notifications += result.notifications;
      if (result.rules > 0) logger.info(result, 'window evaluated');
      return result;
    } catch (err) {
      stats.evaluations.failed++;
      throw err;
    }
  }

  async function runDelivery(job: Parameters<typeof deliver>[1]): Promise<Delivered> {
    const receiver = job.data.receiver;
    stats.deliveriesByReceiver[receiver] ??= { delivered: 0, failed: 0 };
    const byReceiver = stats.deliveriesByReceiver[receiver];
    try {
      const result = await deliver({ store, config, sender, now, logger }, job);
      stats.deliveries.delivered++;
      byReceiver.delivered++;
      return result;
    } catch (err) {
      stats.deliveries.failed++;
      byReceiver.failed++;
      throw err;
    }
  }

  async function replay(): Promise<number> {
    const pending = await store.pendingDeliveries(now() - config.replayHorizonMs);
    let queued = 0;
    for (const p of pending) {
      if (!Object.hasOwn(config.alerts.receivers, p.receiver)) continue;
      queued += await queueDeliveries({ deliveries, config }, { id: p.notification, receivers: [p.receiver] });
    }
    if (queued > 0) logger.info({ queued }, 'notifications without a delivery outcome queued again');
    return queued;
  }

  return {
    async start() {
      // a receiver without its secret fails here, at start, not at the first alert
      for (const name of Object.keys(config.alerts.receivers)) sender(name);
      workers.push(
        evaluations.process(async (job) => evaluate(job.data), { concurrency: 1 }),
        deliveries.process(async (job) => runDelivery(job), { concurrency: config.delivery.concurrency }),
      );
      await replay();
      replaying = setInterval(() => {
        replay().catch((err: Error) => logger.warn({ err: err.message }, 'outbox replay failed; trying again later'));
      }, config.replayEveryMs);
      replaying.unref();
    },
    async stop() {
      clearInterval(replaying);
      replaying = undefined;
      await Promise.all(workers.splice(0).map((w) => w.close()));
    },
    evaluate,
    replay,
    stats: () => stats,
  };
}
