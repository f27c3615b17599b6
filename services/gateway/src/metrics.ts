import { counterFrom, labelledCounterFrom, type Registry } from '@livegrade/runtime';
import type { GatewayStats } from './stats.ts';

/** The gateway's Prometheus metrics, read from its running totals at scrape time. */
export function registerGatewayMetrics(registry: Registry, stats: () => GatewayStats): void {
  const m = 'livegrade_gateway_';
  labelledCounterFrom(
    registry,
    `${m}requests_total`,
    'requests by route and outcome: accepted, rejected_<reason> (the client sent something wrong), unavailable (the bus did not take it in time: 503 with Retry-After) or failed (any other server error)',
    ['route', 'outcome'],
    () =>
      Object.entries(stats().requests).flatMap(([route, byOutcome]) =>
        Object.entries(byOutcome).map(([outcome, value]) => ({ labels: { route, outcome }, value })),
      ),
  );
  counterFrom(
    registry,
    `${m}request_bytes_total`,
    'request body bytes as sent (compressed bodies count compressed), from Content-Length',
    () => stats().requestBytes,
  );
  counterFrom(
    registry,
    `${m}spans_received_total`,
    'spans accepted and written to the spans topic',
    () => stats().spans,
  );
  counterFrom(
    registry,
    `${m}traces_received_total`,
    'traces accepted and written to the spans topic (one message each)',
    () => stats().traces,
  );
  counterFrom(
    registry,
    `${m}verdicts_received_total`,
    'verdicts accepted and written to the verdicts topic',
    () => stats().verdicts,
  );
}
