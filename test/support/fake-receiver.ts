import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver on 127.0.0.1 standing in for Slack: answers each POST
 * with the next scripted reply (200 once the script is used up) and keeps
 * every request it answered, with when it arrived. `down()` closes the port
 * (connections are refused, as when Slack is unreachable) and `up()` opens
 * the same port again.
 */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface Received {
  at: number;
  path: string;
  status: number;
  body: unknown;
}

export interface FakeReceiver {
  url: string;
  /** requests answered 2xx */
  delivered(): Received[];
  /** every request, whatever it was answered */
  requests(): Received[];
  /** the next requests (only those whose parsed body `when` accepts, if given) get these replies */
  script(replies: Reply[], when?: (body: unknown) => boolean): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeReceiver(path = '/services/T000/B000/secret-part'): Promise<FakeReceiver> {
  const requests: Received[] = [];
  let replies: Reply[] = [];
  let scripted: (body: unknown) => boolean = () => true;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    const reply = (scripted(body) && replies.shift()) || { status: 200, body: 'ok' };
    requests.push({ at: Date.now(), path: req.url ?? '', status: reply.status, body });
    res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
    res.end(reply.body ?? (reply.status < 300 ? 'ok' : 'error'));
  };
  let server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const close = (s: Server) =>
    new Promise<void>((r) => {
      s.closeAllConnections();
      s.close(() => r());
    });
  return {
    url: `http://127.0.0.1:${port}${path}`,
    delivered: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    requests: () => [...requests],
    script(r, when = () => true) {
      replies = [...r];
      scripted = when;
    },
    down: () => close(server),
    async up() {
      server = createServer((req, res) => void handle(req, res));
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    close: () => close(server),
  };
}
