import { createHash } from 'node:crypto';
import { createServer, request } from 'node:http';

/** One request as the client saw it answered. */
export interface Exchange {
  path: string;
  /** sha256 of the request body: a retried export sends the same bytes again */
  bodyHash: string;
  status: number;
  retryAfter: string | undefined;
  receivedAt: number;
  answeredAt: number;
}

/**
 * An HTTP proxy in front of a server that records what each client request
 * got back, so a test sees the statuses and headers an exporter really
 * received, retries included, rather than what the server thinks it sent.
 */
export async function startRecordingProxy(
  target: string,
): Promise<{ url: string; exchanges: Exchange[]; close(): Promise<void> }> {
  const exchanges: Exchange[] = [];
  const server = createServer((req, res) => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const upstream = request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (up) => {
        const answer: Buffer[] = [];
        up.on('data', (c: Buffer) => answer.push(c));
        up.on('end', () => {
          const retryAfter = up.headers['retry-after'];
          exchanges.push({
            path: req.url ?? '/',
            bodyHash: createHash('sha256').update(body).digest('hex'),
            status: up.statusCode ?? 0,
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            receivedAt,
            answeredAt: Date.now(),
          });
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(answer));
        });
      });
      upstream.on('error', (err) => {
        exchanges.push({
          path: req.url ?? '/',
          bodyHash: createHash('sha256').update(body).digest('hex'),
          status: 502,
          retryAfter: undefined,
          receivedAt,
          answeredAt: Date.now(),
        });
        res.writeHead(502);
        res.end(String(err));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
