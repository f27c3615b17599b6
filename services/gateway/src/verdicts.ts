import { randomUUID } from 'node:crypto';
import { describeIssues, VerdictEvent } from '@livegrade/core';
import type { FastifyInstance } from '@livegrade/runtime';
import { z } from 'zod';
import type { BusHandoff } from './bus-handoff.ts';
import { answerUnavailable } from './bus-unavailable.ts';
import type { GatewayStats } from './stats.ts';

const Body = z.union([z.object({ verdicts: z.array(VerdictEvent).min(1).max(10_000) }), VerdictEvent]);

/**
 * POST /v1/verdicts: one verdict, or `{ "verdicts": [...] }`. A request is
 * accepted whole or refused whole, with every bad field named, so a client
 * never has to guess which part went through.
 */
export function registerVerdicts(
  app: FastifyInstance,
  bus: { handoff: BusHandoff; topic: string; retryAfterSeconds: number },
  stats: Pick<GatewayStats, 'verdicts'>,
) {
  app.post('/v1/verdicts', async (request, reply) => {
    const contentType = String(request.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (contentType !== 'application/json') {
      return reply
        .code(415)
        .send({ error: `unsupported content-type "${contentType || '(none)'}": send application/json` });
    }
    const parsed = Body.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: `invalid verdict: ${bestIssues(request.body)}` });
    const list = 'verdicts' in parsed.data ? parsed.data.verdicts : [parsed.data];
    const messages = list.map((v) => {
      const withId = { ...v, id: v.id ?? randomUUID(), ts: v.ts ?? Date.now() };
      return { key: v.decision_id, value: Buffer.from(JSON.stringify(withId)) };
    });
    if (!(await bus.handoff.send(bus.topic, messages))) {
      return answerUnavailable(reply, bus.retryAfterSeconds);
    }
    stats.verdicts += messages.length;
    return reply.code(202).send({ accepted: messages.length });
  });
}

/** The union's own error lists both branches; re-validate against the branch the client meant. */
function bestIssues(body: unknown): string {
  if (body && typeof body === 'object' && 'verdicts' in body) {
    const r = z.object({ verdicts: z.array(VerdictEvent).min(1).max(10_000) }).safeParse(body);
    return r.success ? 'unknown' : describeIssues(r.error);
  }
  const r = VerdictEvent.safeParse(body);
  return r.success ? 'unknown' : describeIssues(r.error);
}
