import { randomBytes } from 'node:crypto';
import {
  type AlertEvent,
  type AlertsConfig,
  parseDuration,
  parseSliceMatcher,
  RequestError,
  type Severity,
  type Silence,
} from '@livegrade/core';
import type { Repository } from '@livegrade/store';
import type { z } from 'zod';
import type { AddSilenceInput } from '../inputs.ts';
import type { ListedAlert } from '../operations.ts';

type AlertsStore = Pick<
  Repository,
  'alertsList' | 'silences' | 'silence' | 'insertSilence' | 'expireSilence' | 'insertAlertEvents'
>;

/** A silence longer than this is a rule to change, not a silence. */
const MAX_SILENCE = '30d';
const STATE_RANK: Record<string, number> = { firing: 0, pending: 1 };
const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/**
 * Firing and pending alerts, worst first: firing before pending, then by
 * severity, then in the store's order (lowest q value first).
 */
export async function listAlerts(
  store: Pick<AlertsStore, 'alertsList'>,
  alerts?: AlertsConfig,
): Promise<ListedAlert[]> {
  const severity = new Map((alerts?.rules ?? []).map((r) => [r.name, r.severity]));
  const listed: ListedAlert[] = (await store.alertsList())
    .filter((a) => a.state in STATE_RANK)
    .map((a) => {
      const s = severity.get(a.rule);
      return s ? { ...a, severity: s } : { ...a };
    });
  const rank = (a: ListedAlert) => [STATE_RANK[a.state]!, a.severity ? SEVERITY_RANK[a.severity] : 3] as const;
  // Array.prototype.sort is stable, so the store's order breaks ties
  return listed.sort((x, y) => {
    const [sx, vx] = rank(x);
    const [sy, vy] = rank(y);
    return sx - sy || vx - vy;
  });
}

/**
 * Stores a validated silence request, with a 'silence' event. Every refusal
 * is a RequestError naming the field to fix.
 */
export async function addSilence(
  store: Pick<AlertsStore, 'insertSilence' | 'insertAlertEvents'>,
  alerts: AlertsConfig | undefined,
  req: z.output<typeof AddSilenceInput>,
  now = Date.now(),
): Promise<Silence> {
  const rules = (alerts?.rules ?? []).map((r) => r.name);
  if (req.rule !== '*' && rules.length > 0 && !rules.includes(req.rule)) {
    throw invalid('rule', `rule: no rule named "${req.rule}" (rules: ${rules.join(', ')}; or * for every rule)`);
  }
  let slice: string;
  try {
    // stored canonical (pairs sorted), as the alerter compares it with slice keys
    slice = parseSliceMatcher(req.slice);
  } catch (err) {
    throw invalid('slice', `slice: ${(err as Error).message}`);
  }
  const duration = silenceDuration(req.for);
  const silence: Silence = {
    id: randomBytes(6).toString('hex'),
    rule: req.rule,
    slice,
    starts_at: now,
    ends_at: now + duration,
    comment: req.comment,
    created_by: req.created_by || 'api',
    created_at: now,
  };
  await store.insertSilence(silence);
  await store.insertAlertEvents([
    silenceEvent(
      silence,
      now,
      `silence ${silence.id} added by ${silence.created_by} until ${iso(silence.ends_at)}: ${silence.comment}`,
    ),
  ]);
  return silence;
}

/**
 * Ends a silence now. Expiring one that has already ended changes nothing
 * (`expired` false) and is not an error, so a retried call is harmless.
 */
export async function expireSilence(
  store: Pick<AlertsStore, 'silence' | 'expireSilence' | 'insertAlertEvents'>,
  id: string,
  now = Date.now(),
): Promise<{ silence: Silence; expired: boolean }> {
  const found = await store.silence(id);
  if (!found) {
    throw new RequestError(`no silence with id "${id}" (livegrade silence list --all shows them)`, 'not_found');
  }
  if (found.ends_at <= now) return { silence: found, expired: false };
  const silence = (await store.expireSilence(id, now)) ?? { ...found, ends_at: now };
  await store.insertAlertEvents([silenceEvent(silence, now, `silence ${id} expired`)]);
  return { silence, expired: true };
}

export function listSilences(store: Pick<AlertsStore, 'silences'>, opts: { all?: boolean; now?: number } = {}) {
  return store.silences({ now: opts.now ?? Date.now(), includeExpired: opts.all ?? false });
}

function silenceDuration(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw invalid('for', `for: ${(err as Error).message}`);
  }
  if (ms <= 0) throw invalid('for', `for: must be longer than 0 (got "${text}")`);
  if (ms > parseDuration(MAX_SILENCE)) {
    throw invalid('for', `for: must be at most ${MAX_SILENCE} (got "${text}"); change the rule instead`);
  }
  return ms;
}

function silenceEvent(s: Silence, at: number, detail: string): AlertEvent {
  return {
    at,
    kind: 'silence',
    rule: s.rule,
    slice: s.slice,
    notification: '',
    receiver: '',
    attempt: 0,
    outcome: '',
    status: 0,
    detail,
    ref: '',
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A refusal of one field: the message starts with the field's name, as the API has always answered. */
function invalid(field: string, message: string): RequestError {
  return new RequestError(message, 'invalid', [{ name: field, reason: message.slice(field.length + 2) }]);
}
