import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notification, NotifiedAlert, Observation } from '@livegrade/core';

/** Notifications for the notify tests: figures chosen so each formatting rule shows. */

export const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
export const WINDOW = 15 * 60_000;

export function observation(slice: string, over: Partial<Observation> = {}): Observation {
  return {
    slice,
    window_start: T0,
    window_end: T0 + WINDOW,
    value: 0.1234,
    n: 1234,
    baseline: 'november',
    baseline_value: 0.045,
    baseline_n: 10000,
    p_value: 0.000012,
    q_value: 0.00314,
    effect: 0.0784,
    degraded: true,
    ...over,
  };
}

export function alert(slice: string, over: Partial<NotifiedAlert> = {}): NotifiedAlert {
  return {
    slice,
    state: 'firing',
    fired_at: T0 + WINDOW,
    resolved_at: null,
    firing_notification: '',
    last: observation(slice),
    ...over,
  };
}

export function notification(alerts: NotifiedAlert[], over: Partial<Notification> = {}): Notification {
  return {
    id: 'override-rate:firing:1763640900000',
    kind: 'firing',
    rule: 'override-rate',
    metric: 'override_rate',
    severity: 'critical',
    condition: { kind: 'degraded' },
    window_ms: WINDOW,
    at: T0 + WINDOW,
    receivers: ['slack'],
    alerts,
    ...over,
  };
}

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Reply = (req: Recorded, res: ServerResponse) => void;

/** A stand-in for Slack or a webhook on 127.0.0.1: records each request, answers with `reply`. */
export async function startServer(reply: Reply): Promise<{
  url: string;
  requests: Recorded[];
  reply: Reply;
  close(): Promise<void>;
}> {
  const requests: Recorded[] = [];
  const state = {
    url: '',
    requests,
    reply,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const r = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(r);
      state.reply(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // a test that leaves a request hanging must not keep the process alive
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = await startServer(() => {});
  const port = Number(new URL(s.url).port);
  await s.close();
  return port;
}
