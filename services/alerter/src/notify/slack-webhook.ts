import type { Target } from './classify.ts';
import { DEFAULT_TIMEOUT_MS, postJson } from './http.ts';
import { renderSlack } from './render-slack.ts';
import type { Sender } from './sender.ts';

/**
 * Posts to a Slack incoming webhook (LIVEGRADE_SLACK_WEBHOOK_URL). It answers
 * 200 `ok`, or a 4xx naming the problem (`invalid_payload`, `no_service`,
 * `channel_is_archived`...), kept in the error. It returns no message
 * reference, so repeats and resolves are posted as new messages.
 */
export function createSlackWebhookSender(opts: {
  receiver: string;
  url: string;
  timeoutMs?: number;
  publicUrl?: string | undefined;
}): Sender {
  const target: Target = { label: `Slack webhook of receiver "${opts.receiver}"`, secrets: [opts.url] };
  return {
    kind: 'slack-webhook',
    async send(n) {
      const body = { ...renderSlack(n, { publicUrl: opts.publicUrl }), unfurl_links: false, unfurl_media: false };
      const { status } = await postJson(opts.url, body, target, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      return { status, ref: '' };
    },
  };
}
