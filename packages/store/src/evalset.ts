import type { ClickHouseClient } from '@clickhouse/client';

/** What an eval-set export reads. Owned by the evalset helper. */
export function createEvalsetRepository(_writer: ClickHouseClient) {
  return {};
}
