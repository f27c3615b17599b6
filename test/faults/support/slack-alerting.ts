import type { Instance } from '@livegrade/cli';
import { DEFAULT_CONFIG, type LivegradeConfig, parseConfig } from '@livegrade/core';
import { activateBaseline, registerBaseline } from '@livegrade/ops';
import { type ReviewedDecision, reviewedTraffic, sendReviewed } from '../../support/reviewed-service.ts';
import { waitFor } from '../../support/wait.ts';

/**
 * The alerting scenario shared by test/e2e/alerting.test.ts and the fault
 * row `slack down` (test/faults/slack-down.ts). Windows of 15 min, against a
 * baseline where every slice overrides 5%:
 *   W1, W2  refund/hi overrides 30%        W3  back to 5%
 *   W4      reship/en overrides 30%
 * Rule `overrides` (for: 15m → Slack): pending at W1, firing at W2, resolved
 * at W3. Rule `overrides-now` (for: 0 → the `flaky` webhook) fires at W1,
 * resolves at W3 and fires again at W4.
 */
export const MIN = 60_000;
export const TYPES = ['refund', 'reship'];
export const LANGS = ['en', 'hi', 'de', 'pt', 'fr', 'es', 'ja', 'ar'];
export const PER_SLICE = 150;
export const REFUND_HI = 'decision_type=refund,language=hi';
export const RESHIP_EN = 'decision_type=reship,language=en';
export const RULES = ['overrides', 'overrides-now'];

export const ALERTS = {
  receivers: { slack: { type: 'slack' }, flaky: { type: 'webhook', url_env: 'FLAKY_WEBHOOK_URL' } },
  rules: [
    {
      name: 'overrides',
      metric: 'override_rate',
      window: '15m',
      slices: ['*', ['decision_type'], ['decision_type', 'language']],
      condition: 'degraded',
      for: '15m',
      severity: 'critical',
      receivers: ['slack'],
    },
    {
      name: 'overrides-now',
      metric: 'override_rate',
      window: '15m',
      condition: 'degraded',
      receivers: ['flaky'],
    },
  ],
};

export function alertingConfig(alerts: unknown = ALERTS): LivegradeConfig {
  const parsed = parseConfig({
    scoring: {
      // the scheduled tick only ever scores windows an hour old or more: the
      // windows of this scenario are all younger, so the tick never moves a
      // rule's watermark past them
      interval: '1h',
      lag: '1h',
      catch_up: 0,
      windows: ['15m'],
      slices: [['decision_type'], ['decision_type', 'language']],
      min_samples: 100,
    },
    alerts,
  });
  return { ...parsed, sampling: { ...DEFAULT_CONFIG.sampling, decision_wait: 200 } };
}

export interface Window {
  window_ms: number;
  end_ms: number;
}

/** the four windows, ending at the last whole minute before `now`, and the baseline's range before them */
export function alertingWindows(now = Date.now()) {
  const end = Math.floor(now / MIN) * MIN;
  const w = (k: number): Window => ({ window_ms: 15 * MIN, end_ms: end - (4 - k) * 15 * MIN });
  return { w, windows: [w(1), w(2), w(3), w(4)], baselineRange: { from: end - 180 * MIN, to: end - 120 * MIN } };
}

export function alertingTraffic(windows: ReturnType<typeof alertingWindows>): ReviewedDecision[] {
  const { w, baselineRange } = windows;
  const phase = (k: number, changed?: string, seed = k) =>
    reviewedTraffic(TYPES, LANGS, {
      from: w(k).end_ms - w(k).window_ms,
      to: w(k).end_ms,
      perSlice: PER_SLICE,
      overrideRate: 0.05,
      overrideRateOf: (type, lang) => (`decision_type=${type},language=${lang}` === changed ? 0.3 : 0.05),
      seed,
    });
  return [
    ...reviewedTraffic(TYPES, LANGS, { ...baselineRange, perSlice: PER_SLICE, overrideRate: 0.05, seed: 9 }),
    ...phase(1, REFUND_HI),
    ...phase(2, REFUND_HI),
    ...phase(3),
    ...phase(4, RESHIP_EN),
  ];
}

/** sends the traffic through the instance's bus (Kafka in production mode), then registers and activates the baseline */
export async function seedAlerting(
  instance: Instance,
  config: LivegradeConfig,
  windows: ReturnType<typeof alertingWindows>,
): Promise<number> {
  const traffic = alertingTraffic(windows);
  await sendReviewed(instance, traffic);
  await registerBaseline(instance.store!, config.scoring, { name: 'v1', ...windows.baselineRange });
  await activateBaseline(instance.store!, 'v1');
  return traffic.length;
}

/** scores a window and waits until every rule has evaluated it */
export async function scoreAndEvaluate(instance: Instance, window: Window, rules = RULES): Promise<void> {
  await instance.scorer!.score(window);
  await waitFor(`the rules evaluated the window ending ${new Date(window.end_ms).toISOString()}`, async () => {
    const marks = await instance.store!.ruleWatermarks();
    return rules.every((r) => (marks.get(r) ?? 0) >= window.end_ms) ? true : undefined;
  });
}

/**
 * The id of the notification a message carries: a generic webhook's body
 * has it as `notification.id`, a Slack message names it in its context line.
 */
export function notificationOf(body: unknown): string | undefined {
  const id = (body as { notification?: { id?: string } } | null)?.notification?.id;
  if (typeof id === 'string') return id;
  return /notification (\S+) ·/.exec(JSON.stringify(body ?? ''))?.[1];
}
