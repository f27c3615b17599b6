import { sliceMatches } from '../slice/index.ts';
import type { Silence } from './types.ts';

/**
 * Silences matched against the slice keys the scorer writes; keys and
 * matchers themselves are the slice module's (../slice).
 */

/** Whether silence `s` suppresses the alert of `rule` on `slice` at wall time `now`. */
export function silenceMatches(s: Silence, rule: string, slice: string, now: number): boolean {
  return silenceApplies(s, rule, now) && sliceMatches(s.slice, slice);
}

/** The part of a match that does not depend on the slice: in effect at `now`, for `rule`. */
export function silenceApplies(s: Silence, rule: string, now: number): boolean {
  return now >= s.starts_at && now < s.ends_at && (s.rule === '*' || s.rule === rule);
}
