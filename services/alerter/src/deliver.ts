import type { AlertDeliverJob, AlertEvent, DeliveryOutcome, Notification } from '@livegrade/core';
import { RetryAfterError, UnrecoverableJobError } from '@livegrade/jobs';
import type { Logger } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';
import type { AlerterConfig } from './config.ts';
import { slicesOf } from './evaluate.ts';
import type { SendContext, Sender } from './notify/index.ts';

export interface DeliverDeps {
  store: Repository;
  config: AlerterConfig;
  /** the sender of a receiver (built once per receiver; throws when its secret is missing) */
  sender(receiver: string): Sender;
  now: () => number;
  logger: Logger;
}

export interface Delivered {
  status: number;
  ref: string;
}

/**
 * One attempt at sending one notification to one receiver, recorded in
 * alert_events whatever happens. The error decides what the queue does
 * next: RetryAfterError waits for the receiver's Retry-After,
 * UnrecoverableJobError (a 4xx other than 429, an unknown notification or
 * receiver) stops, anything else is retried with backoff.
 */
export async function deliver(
  deps: DeliverDeps,
  job: { data: AlertDeliverJob; attemptsMade: number },
): Promise<Delivered> {
  const { store, config } = deps;
  const { notification: id, receiver } = job.data;
  const attempt = job.attemptsMade + 1;
  const last = attempt >= config.delivery.attempts;
  const record = (outcome: DeliveryOutcome, status: number, detail: string, ref = '', n?: Notification) =>
    store.insertAlertEvents([
      {
        at: deps.now(),
        kind: 'delivery',
        rule: n?.rule ?? '',
        slice: n ? slicesOf(n) : '',
        notification: id,
        receiver,
        attempt,
        outcome,
        status,
        detail,
        ref,
      } satisfies AlertEvent,
    ]);

  const n = await store.notification(id);
  if (!n) {
    await record('rejected', 0, 'notification not found in alert_notifications');
    throw new UnrecoverableJobError(`notification ${id} not found`);
  }
  if (!Object.hasOwn(config.alerts.receivers, receiver)) {
    await record('rejected', 0, `receiver "${receiver}" is no longer configured`, '', n);
    throw new UnrecoverableJobError(`receiver "${receiver}" is not configured`);
  }
  // a job queued again for a notification that did reach this receiver (the
  // outbox replay racing a delivery whose job Redis lost): not sent twice
  const done = (await store.alertEvents({ notification: id, kind: 'delivery' })).find(
    (e) => e.receiver === receiver && e.outcome === 'delivered',
  );
  if (done) {
    deps.logger.info({ notification: id, receiver }, 'alert already delivered: not sent again');
    return { status: done.status, ref: done.ref };
  }
  try {
    const sender = deps.sender(receiver);
    const parent = await parentOf(store, n, receiver);
    const result = await sender.send(n, parent ? { parent } : {});
    const detail = result.warning ? `${n.kind} delivered; ${result.warning}` : `${n.kind} delivered`;
    await record('delivered', result.status, detail, result.ref, n);
    return result;
  } catch (err) {
    const e = err as Error & { status?: number };
    const status = typeof e.status === 'number' ? e.status : 0;
    let outcome: DeliveryOutcome;
    if (err instanceof UnrecoverableJobError) outcome = 'rejected';
    else if (last) outcome = 'gave_up';
    else outcome = err instanceof RetryAfterError ? 'rate_limited' : 'retry';
    await record(outcome, status, e.message, '', n);
    deps.logger.warn({ notification: id, receiver, attempt, outcome, status, err: e.message }, 'alert delivery failed');
    throw err;
  }
}

/**
 * A repeat or a resolve threads under the message that announced the alert
 * firing, when the receiver returned a reference for it (Slack's bot API).
 * A resolve also marks, in that message, every one of its slices resolved
 * since (not only this notification's), so a later update keeps earlier marks.
 * Alerts of one notification announced in different firing messages thread
 * under the first one's only.
 */
async function parentOf(store: Repository, n: Notification, receiver: string): Promise<SendContext['parent']> {
  if (n.kind === 'firing') return undefined;
  const parentId = n.alerts.find((a) => a.firing_notification !== '')?.firing_notification;
  if (!parentId) return undefined;
  const [ref, notification] = await Promise.all([store.deliveredRef(parentId, receiver), store.notification(parentId)]);
  if (!ref || !notification) return undefined;
  if (n.kind !== 'resolved') return { ref, notification };
  const announced = new Set(notification.alerts.map((a) => a.slice));
  const resolved = (await store.alertStates([n.rule])).filter(
    (s) => announced.has(s.slice) && s.state === 'resolved' && s.firing_notification === parentId,
  );
  return { ref, notification, resolved };
}
