import { type LivegradeConfig, parseConfig } from '@livegrade/core';

/** The variable the demo's webhook receiver URL is passed in (a receiver's URL always comes from the environment). */
export const DEMO_WEBHOOK_ENV = 'LIVEGRADE_DEMO_WEBHOOK_URL';

/**
 * livegrade.config.yaml for the demo, at accelerated time: a day of a
 * support desk's scoring squeezed into minutes. One-minute windows scored
 * every 10 s, decisions settled 1 s after they end. Every grouping set is
 * scored (the dashboard shows them all); the rules watch the finest one,
 * decision type × language, because a wider slice that holds a broken one
 * degrades too once it is broken long enough, and its alert would then
 * stand in for the narrow one (a wider firing slice inhibits its narrower
 * ones), which is not what the demo sets out to show.
 */
export function demoConfig(opts: { slack: boolean }): LivegradeConfig {
  const receivers = ['demo', ...(opts.slack ? ['slack'] : [])];
  const rule = {
    window: '1m',
    slices: [['decision_type', 'language']],
    condition: 'degraded',
    // the small slices (a few dozen decisions a minute) are scored, but too noisy to page anyone about
    min_samples: 50,
    for: '0s',
    receivers,
  };
  return parseConfig(
    {
      sampling: {
        slice_by: ['language'],
        decision_wait: '1s',
        // an hour's quota per slice fills in a minute here: keep enough successes to look at
        per_slice_target_per_hour: 3600,
      },
      scoring: {
        interval: '10s',
        windows: ['1m'],
        lag: '5s',
        catch_up: 1,
        slices: [['decision_type'], ['language'], ['decision_type', 'language']],
        min_samples: 30,
      },
      alerts: {
        receivers: {
          demo: { type: 'webhook', url_env: DEMO_WEBHOOK_ENV },
          ...(opts.slack ? { slack: { type: 'slack' } } : {}),
        },
        rules: [
          { name: 'override-rate', metric: 'override_rate', severity: 'critical', ...rule },
          { name: 'score-drift', metric: 'score_ks', severity: 'warning', ...rule },
        ],
      },
    },
    'the demo configuration',
  );
}
