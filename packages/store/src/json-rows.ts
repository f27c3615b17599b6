import type { ClickHouseClient } from '@clickhouse/client';

/** JSONEachRow gives 64-bit integers as strings. */
export type Int64Text = number | string;

/** livegrade's own reads on a client: JSON rows, every value a bound query parameter. */
export function jsonRows(client: ClickHouseClient) {
  return async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const rs = await client.query({ query, format: 'JSONEachRow', query_params: params });
    return rs.json<T>();
  };
}
