import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A release candidate for `bank replay` tests: a local HTTP endpoint on
 * 127.0.0.1 speaking the replay contract (POST {decision_type, input, context}
 * → {label, score?, model_version?}). It knows each test input's right label
 * and the wrong one the old model gave, and answers according to its mode:
 *
 * - fixed: always right
 * - repeats: right, except for the inputs in `repeat`, where it makes the old mistake again
 * - flaky: the n-th request for an input is wrong when n is a multiple of 5 (1 run in 5, deterministic)
 * - bad: a body that breaks the contract (`{"lbl": ...}`)
 * - unsteady: per input, the 1st request never answers (a timeout), the 2nd gets a 503, later ones are right
 */
export type CandidateMode = 'fixed' | 'repeats' | 'flaky' | 'bad' | 'unsteady';

export interface Truth {
  right: string;
  /** what the model answered when the case was captured */
  wrong: string;
}

export interface CandidateOptions {
  mode: CandidateMode;
  /** JSON.stringify of a request's `input` → its labels */
  truth: Map<string, Truth>;
  /** inputs (as keys of truth) the `repeats` mode gets wrong */
  repeat?: string[];
  modelVersion?: string;
}

export interface Candidate {
  url: string;
  /** every request received, in order of arrival */
  requests: Array<{ headers: IncomingMessage['headers']; body: unknown }>;
  close(): Promise<void>;
}

export async function startCandidate(opts: CandidateOptions): Promise<Candidate> {
  const requests: Candidate['requests'] = [];
  const seen = new Map<string, number>();
  const hanging: ServerResponse[] = [];
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as { input: unknown };
    requests.push({ headers: req.headers, body });
    const key = JSON.stringify(body.input);
    const truth = opts.truth.get(key);
    if (!truth) {
      res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `unknown input ${key}` }));
      return;
    }
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (opts.mode === 'unsteady' && n === 1) {
      hanging.push(res);
      return;
    }
    if (opts.mode === 'unsteady' && n === 2) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"warming up"}');
      return;
    }
    const wrong =
      (opts.mode === 'repeats' && (opts.repeat ?? []).includes(key)) || (opts.mode === 'flaky' && n % 5 === 0);
    const label = wrong ? truth.wrong : truth.right;
    const answer =
      opts.mode === 'bad'
        ? { lbl: label }
        : { label, score: 0.9, ...(opts.modelVersion ? { model_version: opts.modelVersion } : {}) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await listen(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/decide`,
    requests,
    close: () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens: a port taken from the system, then released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/decide`;
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}
