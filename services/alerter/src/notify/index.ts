import type { ReceiverConfig } from '@livegrade/core';
import { checkUrl, NotifyConfigError, type Sender, type SenderEnv, type SenderOptions } from './sender.ts';
import { createSlackBotSender } from './slack-bot.ts';
import { createSlackWebhookSender } from './slack-webhook.ts';
import { createWebhookSender } from './webhook.ts';

export {
  DEFAULT_RETRY_AFTER_MS,
  DeliveryError,
  DeliveryRateLimitedError,
  DeliveryRejectedError,
  MAX_RETRY_AFTER_MS,
  redact,
  retryAfterMs,
} from './classify.ts';
export { FAILURES_LIMIT, failuresSql, sqlString } from './failures-sql.ts';
export { DEFAULT_TIMEOUT_MS } from './http.ts';
export {
  escapeMrkdwn,
  MAX_ALERTS_PER_MESSAGE,
  type ResolvedMark,
  renderSlack,
  renderSlackResolvedUpdate,
  type SlackBlock,
  type SlackMessage,
} from './render-slack.ts';
export { renderWebhook, type WebhookBody } from './render-webhook.ts';
export {
  NotifyConfigError,
  type SendContext,
  type Sender,
  type SenderEnv,
  type SenderOptions,
  type SendResult,
} from './sender.ts';
export { createSlackBotSender, parseSlackRef } from './slack-bot.ts';
export { createSlackWebhookSender } from './slack-webhook.ts';
export { createWebhookSender } from './webhook.ts';

/**
 * The sender of one receiver. Slack goes through the Web API when
 * LIVEGRADE_SLACK_BOT_TOKEN is set and the receiver names a channel (threads,
 * updates), else through the incoming webhook LIVEGRADE_SLACK_WEBHOOK_URL; a
 * webhook receiver posts to the URL in its url_env variable. Throws
 * NotifyConfigError, naming the receiver and the variable, when a secret
 * is missing: at start, not at the first alert.
 */
export function createSender(
  receiver: string,
  config: ReceiverConfig,
  env: SenderEnv,
  options: SenderOptions = {},
): Sender {
  const timeoutMs = options.timeoutMs;
  const publicUrl = options.publicUrl;
  if (config.type === 'webhook') {
    const url = env[config.url_env];
    if (!url) {
      throw new NotifyConfigError(
        `receiver "${receiver}" (type webhook) needs its URL in environment variable ${config.url_env}, which is not set`,
      );
    }
    return createWebhookSender({
      receiver,
      url: checkUrl(receiver, config.url_env, url),
      ...(timeoutMs ? { timeoutMs } : {}),
    });
  }
  const token = env.LIVEGRADE_SLACK_BOT_TOKEN;
  if (token && config.channel) {
    return createSlackBotSender({
      receiver,
      channel: config.channel,
      token,
      apiUrl: env.LIVEGRADE_SLACK_API_URL || undefined,
      timeoutMs,
      publicUrl,
    });
  }
  const url = env.LIVEGRADE_SLACK_WEBHOOK_URL;
  if (url) {
    return createSlackWebhookSender({
      receiver,
      url: checkUrl(receiver, 'LIVEGRADE_SLACK_WEBHOOK_URL', url),
      ...(timeoutMs ? { timeoutMs } : {}),
      publicUrl,
    });
  }
  throw new NotifyConfigError(
    token
      ? `receiver "${receiver}" (type slack) has no channel, which posting with LIVEGRADE_SLACK_BOT_TOKEN needs, and LIVEGRADE_SLACK_WEBHOOK_URL is not set`
      : `receiver "${receiver}" (type slack) needs LIVEGRADE_SLACK_WEBHOOK_URL, or LIVEGRADE_SLACK_BOT_TOKEN and a channel, and neither is set`,
  );
}
