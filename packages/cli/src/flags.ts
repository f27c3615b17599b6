import { parseDuration } from '@livegrade/core';
import { UsageError } from './usage.ts';

/**
 * Reading command flags. main.ts parses every command's flags at once:
 * valued flags arrive as strings, switches as booleans. Each reader checks
 * one flag and its error names the flag, what it got and what it takes
 * (a UsageError: exit 2).
 */
export type Flags = Record<string, string | boolean | undefined>;

/** A valued flag's text, trimmed; undefined when it was not given. */
export function flagText(flags: Flags, flag: string): string | undefined {
  const v = flags[flag];
  return typeof v === 'string' ? v.trim() : undefined;
}

export interface NumberRule {
  min: number;
  max: number;
  integer?: boolean;
  /** the minimum itself is refused: (min, max] */
  aboveMin?: boolean;
  /** what the flag takes, in words, for the error: "a share from 0 to 1 (e.g. 0.4)" */
  what: string;
}

/** A number flag within `rule`, or undefined when it was not given. */
export function numberFlag(flags: Flags, flag: string, rule: NumberRule): number | undefined {
  const raw = flagText(flags, flag);
  if (raw === undefined) return undefined;
  const takes = `: it takes ${rule.what}`;
  const n = raw === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`--${flag} "${raw}" is not a number${takes}`);
  if (rule.integer && !Number.isInteger(n)) throw new UsageError(`--${flag} ${raw} is not a whole number${takes}`);
  if (n > rule.max || n < rule.min || (rule.aboveMin && n === rule.min)) {
    throw new UsageError(`--${flag} ${raw} is outside ${rule.aboveMin ? '(' : '['}${rule.min}, ${rule.max}]${takes}`);
  }
  return n;
}

/** A duration flag (250ms, 10s, 2m) within [min, max] ms, or undefined when it was not given. */
export function durationFlag(flags: Flags, flag: string, range: { min: number; max: number }): number | undefined {
  const raw = flagText(flags, flag);
  if (raw === undefined) return undefined;
  let ms: number;
  try {
    ms = parseDuration(raw);
  } catch (err) {
    throw new UsageError(`--${flag} "${raw}": ${(err as Error).message}`);
  }
  if (ms < range.min || ms > range.max) {
    throw new UsageError(`--${flag} "${raw}" is outside [${range.min}ms, ${range.max}ms]`);
  }
  return ms;
}

/** ISO 8601 with a zone, `now` or `now-<duration>` → epoch ms; the error names the flag. */
export function parseTime(text: string, flag: string, now: number): number {
  const t = text.trim();
  if (t === 'now') return now;
  const rel = /^now-(.+)$/.exec(t);
  if (rel) {
    try {
      return now - parseDuration(rel[1]!);
    } catch (err) {
      throw new UsageError(`${flag} "${text}": ${(err as Error).message}`);
    }
  }
  // a date-time without a zone would be read in the local zone: require one, so a time means the same everywhere
  if (/T\d/.test(t) && !/(Z|[+-]\d\d:?\d\d)$/i.test(t)) {
    throw new UsageError(`${flag} "${text}" has no time zone: add Z (UTC) or an offset such as +01:00`);
  }
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) {
    throw new UsageError(`${flag} "${text}" is not a time: use ISO 8601 (2026-11-20T00:00:00Z), now or now-7d`);
  }
  return ms;
}
