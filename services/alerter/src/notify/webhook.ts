import type { Target } from './classify.ts';
import { DEFAULT_TIMEOUT_MS, postJson } from './http.ts';
import { renderWebhook } from './render-webhook.ts';
import type { Sender } from './sender.ts';

/** Posts the generic JSON body (render-webhook.ts) to a receiver's URL, read from its url_env variable. */
export function createWebhookSender(opts: { receiver: string; url: string; timeoutMs?: number }): Sender {
  const target: Target = { label: `webhook of receiver "${opts.receiver}"`, secrets: [opts.url] };
  return {
    kind: 'webhook',
    async send(n) {
      const { status } = await postJson(opts.url, renderWebhook(n), target, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      return { status, ref: '' };
    },
  };
}
