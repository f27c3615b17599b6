import type { Notification } from '@livegrade/core';
import { UnrecoverableJobError } from '@livegrade/jobs';
import type { ResolvedMark } from './render-slack.ts';

/** Environment the senders read their secrets from (passed in, never read from process.env here). */
export type SenderEnv = Record<string, string | undefined>;

export interface SendContext {
  /**
   * The message that announced the alert firing, for a repeat or a resolve:
   * its `ref` as this receiver returned it (Slack: `channel/ts`) and the
   * firing notification itself. Only the Slack bot uses it.
   */
  parent?: {
    ref: string;
    notification: Notification;
    /**
     * Slices of the parent already resolved by earlier notifications. The
     * resolve rewrites the whole firing message, so without them it marks
     * only the slices of the notification being sent.
     */
    resolved?: readonly ResolvedMark[];
  };
}

export interface SendResult {
  /** HTTP status of the (last) request */
  status: number;
  /** where the message lives (Slack bot: `channel/ts`), '' when the receiver does not say */
  ref: string;
  /** something that went wrong without failing the delivery (e.g. the firing message could not be updated) */
  warning?: string;
}

export interface Sender {
  readonly kind: 'slack-bot' | 'slack-webhook' | 'webhook';
  /**
   * Sends one notification. Throws DeliveryRateLimitedError (a
   * RetryAfterError), DeliveryRejectedError (an UnrecoverableJobError) or
   * DeliveryError, each with `status`; none has a URL or token in its message.
   */
  send(n: Notification, ctx?: SendContext): Promise<SendResult>;
}

export interface SenderOptions {
  /** per HTTP request; default 10 s */
  timeoutMs?: number;
  /** the dashboard's public address: Slack messages link to each slice's view there */
  publicUrl?: string | undefined;
}

/** A receiver that cannot be built from the configuration and environment given. */
export class NotifyConfigError extends UnrecoverableJobError {
  override name = 'NotifyConfigError';
  readonly status = 0;
}

/** Throws unless `value` is an http(s) URL; the message names the variable, never the value (a secret). */
export function checkUrl(receiver: string, envVar: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new NotifyConfigError(`receiver "${receiver}": ${envVar} is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new NotifyConfigError(`receiver "${receiver}": ${envVar} must be an http(s) URL`);
  }
  return value;
}
