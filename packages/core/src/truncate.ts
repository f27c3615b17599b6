import { TRUNCATION_MARKER } from './conventions.ts';

/**
 * Cuts a payload to at most maxBytes of UTF-8 (marker included) without
 * splitting a character, so oversized prompts never bloat spans.
 */
export function truncatePayload(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = Math.max(0, maxBytes - Buffer.byteLength(TRUNCATION_MARKER, 'utf8'));
  const buf = Buffer.from(text, 'utf8');
  let end = budget;
  // step back over UTF-8 continuation bytes (10xxxxxx) so a character is never split
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8') + TRUNCATION_MARKER;
}
