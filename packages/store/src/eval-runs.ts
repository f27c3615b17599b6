import type { ClickHouseClient } from '@clickhouse/client';

/** Evaluation records of replays (0012_eval_runs.sql). Owned by the replay helper. */
export function createEvalRunsRepository(_writer: ClickHouseClient) {
  return {};
}
