import { slicePairs } from '@livegrade/core';
import { dimensionExpr } from './slice-aggregates.ts';

/**
 * A slice key as SQL conditions on `decisions AS d`: one equality per
 * `dim=value` pair (`*` has none), the key read by core's parser so escaped
 * values (`\,`, `\=`, `\\`) are compared as the values they stand for.
 * slice-aggregates.ts builds the keys these read.
 */

/**
 * The condition the store's own queries bind: values are parameters named
 * `<prefix>0`, `<prefix>1`... (`1` for `*`). Throws RangeError on a key that
 * is not pairs or names an invalid dimension.
 */
export function sliceCondition(slice: string, prefix = 'slice_v'): { sql: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const clauses = slicePairs(slice).map(({ dim, value }, i) => {
    const name = `${prefix}${i}`;
    params[name] = value;
    return `${dimensionExpr(dim)} = {${name}:String}`;
  });
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : '1', params };
}

/**
 * The same conditions with the values written as literals, one per pair:
 * for SQL shown to people (a Slack alert's query) to run as is.
 */
export function sliceLiteralConditions(slice: string): string[] {
  return slicePairs(slice).map(({ dim, value }) => `${dimensionExpr(dim)} = ${sqlString(value)}`);
}

/**
 * A ClickHouse string literal. Backslash and quote are escaped, so no value
 * ends the literal; control characters and the backtick are written as
 * escapes too, so the query stays on its lines and cannot close the Slack
 * code block it is shown in.
 */
export function sqlString(value: string): string {
  let out = "'";
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '`' || ch.charCodeAt(0) < 0x20 || ch === '\u007f')
      out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}
