import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notification } from '@livegrade/core';

/** What the alerter POSTs to a `type: webhook` receiver (services/alerter/src/notify/render-webhook.ts). */
export interface WebhookBody {
  version: number;
  notification: Notification;
  summary: string;
}

export interface AlertReceiver {
  url: string;
  received(): WebhookBody[];
  close(): Promise<void>;
}

/**
 * The demo's on-call endpoint: a webhook receiver on 127.0.0.1 that the
 * alerter delivers to like any other, so what the demo prints is what a real
 * receiver got.
 */
export async function startAlertReceiver(onAlert: (body: WebhookBody) => void): Promise<AlertReceiver> {
  const bodies: WebhookBody[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: WebhookBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookBody;
        if (!body?.notification?.alerts) throw new Error('no notification');
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"expected a livegrade webhook body"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      // deliveries are at-least-once: the notification id says whether this one was seen
      if (bodies.some((b) => b.notification.id === body.notification.id)) return;
      bodies.push(body);
      onAlert(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received: () => [...bodies],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
