import { randomBytes } from 'node:crypto';
import {
  type AlertEvent,
  type AlertState,
  type AlertsConfig,
  describeIssues,
  parseDuration,
  parseSliceMatcher,
  type Severity,
  type Silence,
} from '@livegrade/core';
import type { FastifyInstance } from '@livegrade/runtime';
import type { Repository } from '@livegrade/store';
import { z } from 'zod';
import { answer } from './answer.ts';

/** A firing or pending alert with its rule's severity (absent when the rule is no longer configured). */
export type ListedAlert = AlertState & { severity?: Severity };

/** A request that cannot be served as asked; `status` is the HTTP answer. */
export class AlertsRequestError extends Error {
  override name = 'AlertsRequestError';
  constructor(
    message: string,
    readonly status: 400 | 404,
  ) {
    super(message);
  }
}

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

export const SilenceRequest = z.strictObject({
  rule: z.string().trim().min(1, 'name a rule, or * for every rule'),
  slice: z.string().trim().min(1, 'name a slice such as language=hi, or * for every slice'),
  for: z.string().trim().min(1, 'give a duration such as 2h'),
  comment: z.string().trim().min(1, 'say why the alert is silenced'),
  created_by: z.string().trim().optional(),
});
export type SilenceRequest = z.input<typeof SilenceRequest>;

/**
 * Validates a silence request and stores it, with a 'silence' event. Every
 * refusal is an AlertsRequestError (400) naming the field to fix.
 */
export async function addSilence(
  store: Pick<AlertsStore, 'insertSilence' | 'insertAlertEvents'>,
  alerts: AlertsConfig | undefined,
  input: unknown,
  now = Date.now(),
): Promise<Silence> {
  const parsed = SilenceRequest.safeParse(input);
  if (!parsed.success) throw new AlertsRequestError(`invalid silence: ${describeIssues(parsed.error)}`, 400);
  const req = parsed.data;
  const rules = (alerts?.rules ?? []).map((r) => r.name);
  if (req.rule !== '*' && rules.length > 0 && !rules.includes(req.rule)) {
    throw new AlertsRequestError(
      `rule: no rule named "${req.rule}" (rules: ${rules.join(', ')}; or * for every rule)`,
      400,
    );
  }
  let slice: string;
  try {
    // stored canonical (pairs sorted), as the alerter compares it with slice keys
    slice = parseSliceMatcher(req.slice);
  } catch (err) {
    throw new AlertsRequestError(`slice: ${(err as Error).message}`, 400);
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
  if (!found) throw new AlertsRequestError(`no silence with id "${id}" (livegrade silence list --all shows them)`, 404);
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
    throw new AlertsRequestError(`for: ${(err as Error).message}`, 400);
  }
  if (ms <= 0) throw new AlertsRequestError(`for: must be longer than 0 (got "${text}")`, 400);
  if (ms > parseDuration(MAX_SILENCE)) {
    throw new AlertsRequestError(`for: must be at most ${MAX_SILENCE} (got "${text}"); change the rule instead`, 400);
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

/**
 * Alerts and silences over HTTP: the CLI goes through these while an
 * instance holds the embedded store. `alerts` is the validated `alerts:`
 * section (severities, and the rule names a silence may name).
 */
export function registerAlerts(app: FastifyInstance, store: AlertsStore, alerts: AlertsConfig | undefined) {
  app.get('/v1/alerts', async () => ({ alerts: await listAlerts(store, alerts) }));

  app.get<{ Querystring: { all?: string } }>('/v1/silences', async (request) => {
    const all = ['1', 'true', 'yes'].includes(String(request.query.all ?? '').toLowerCase());
    return { silences: await listSilences(store, { all }) };
  });

  app.post('/v1/silences', async (request, reply) =>
    answer(reply, [AlertsRequestError], async () => {
      const silence = await addSilence(store, alerts, request.body);
      return reply.code(201).send({ silence });
    }),
  );

  // DELETE is the REST spelling (the CLI uses it); POST .../expire is kept for scripts written against issue 5's API.
  // Either ends the silence now and keeps it in the history (GET /v1/silences?all=1).
  const expire = async (request: { params: { id: string } }, reply: Parameters<typeof answer>[0]) =>
    answer(reply, [AlertsRequestError], () => expireSilence(store, request.params.id));
  app.post<{ Params: { id: string } }>('/v1/silences/:id/expire', expire);
  app.delete<{ Params: { id: string } }>('/v1/silences/:id', expire);
}
