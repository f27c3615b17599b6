import type { ClickHouseClient } from '@clickhouse/client';

/** The regression bank's tables (0011_regression_bank.sql). Owned by the capture helper. */
export function createBankRepository(_writer: ClickHouseClient) {
  return {};
}
