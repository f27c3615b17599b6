// The fault suite (issue 16), in the order. `npm run faults` prints one
// row per scenario; test/e2e/faults.test.ts runs each as a test.
import { scenario as kafkaStopped } from './kafka-stopped.ts';
import { scenario as redisRestarted, alertsScenario as redisRestartedAlerts } from './redis-restarted.ts';
import { scenario as replicas } from './replicas.ts';
import type { FaultScenario } from './row.ts';
import { scenario as samplerKilled } from './sampler-killed.ts';
import { scenario as slackDown } from './slack-down.ts';
import { scenario as storeFailing } from './store-failing.ts';

export const scenarios: FaultScenario[] = [
  samplerKilled, // 1
  kafkaStopped, // 2
  redisRestarted, // 3: windows scored ...
  redisRestartedAlerts, // ... and alerts delivered, from the same run
  storeFailing, // 4
  slackDown, // 5
  replicas, // 6
];
