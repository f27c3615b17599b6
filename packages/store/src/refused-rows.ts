/**
 * ClickHouse error types that mean "these rows cannot be stored as they are":
 * the same insert fails however often it is sent, unlike a store that is down
 * or busy, which a retry outlasts. The sampler retries everything else.
 */
const REFUSED_TYPES = new Set([
  'INCORRECT_DATA',
  'TYPE_MISMATCH',
  'CANNOT_CONVERT_TYPE',
  'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  'ARGUMENT_OUT_OF_BOUND',
  'INCORRECT_NUMBER_OF_COLUMNS',
  'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN',
  'TOO_LARGE_STRING_SIZE',
  'TOO_LARGE_ARRAY_SIZE',
  'SIZES_OF_ARRAYS_DONT_MATCH',
  'DECIMAL_OVERFLOW',
]);

/** True when `err` is the store refusing the rows themselves (see REFUSED_TYPES). */
export function isRefusedRows(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') return false;
  return type.startsWith('CANNOT_PARSE_') || type.startsWith('CANNOT_READ_') || REFUSED_TYPES.has(type);
}
