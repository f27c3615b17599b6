import type { ScoringConfig } from '@livegrade/core';
import type { FastifyInstance } from '@livegrade/runtime';
import { activateBaseline, BaselineError, type Repository, registerBaseline, showBaseline } from '@livegrade/store';
import { z } from 'zod';
import { answer } from './answer.ts';
import { parseInput, requestTime } from './request.ts';

const RegisterBody = z.strictObject({
  name: z.string().min(1, 'name is empty'),
  from: requestTime,
  to: requestTime,
  model_version: z.string().optional(),
  activate: z.boolean().default(false),
});

/**
 * Baselines over HTTP, for the CLI while an instance holds the embedded
 * store and for anyone scripting releases: list, show, register, activate.
 * Request mistakes come back as 400/404/409 with a message saying what to fix.
 */
export function registerBaselines(app: FastifyInstance, store: Repository, scoring: Pick<ScoringConfig, 'slices'>) {
  app.get('/v1/baselines', async () => ({ baselines: await store.listBaselines() }));

  app.get<{ Params: { name: string } }>('/v1/baselines/:name', async (request, reply) =>
    answer(reply, [BaselineError], () => showBaseline(store, request.params.name)),
  );

  app.post('/v1/baselines', async (request, reply) => {
    const parsed = parseInput(RegisterBody, request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    const { name, from, to, model_version, activate } = parsed.value;
    return answer(reply, [BaselineError], async () => {
      const info = await registerBaseline(store, scoring, { name, from, to, modelVersion: model_version });
      if (activate) await activateBaseline(store, name);
      return { baseline: { ...info, active: activate } };
    });
  });

  app.post<{ Params: { name: string } }>('/v1/baselines/:name/activate', async (request, reply) =>
    answer(reply, [BaselineError], async () => {
      await activateBaseline(store, request.params.name);
      return { active: request.params.name };
    }),
  );
}
