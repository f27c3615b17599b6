import type { Notification } from '@livegrade/core';
import { summarise } from './format.ts';

/**
 * The body POSTed to a generic webhook receiver (`type: webhook`). A stable
 * contract: fields are only ever added; a breaking change bumps `version`.
 *
 *   {
 *     "version": 1,
 *     "notification": {            // the Notification exactly as stored (core alerting/types.ts)
 *       "id": string,              // deterministic (rule, kind, window end): dedupe on it, deliveries are at-least-once
 *       "kind": "firing" | "repeat" | "resolved",
 *       "rule": string, "metric": string, "severity": "critical" | "warning" | "info",
 *       "condition": { "kind": "degraded" } | { "kind": "threshold", "op": ">"|">="|"<"|"<=", "fire": number, "clear": number },
 *       "window_ms": number,       // length of the scored windows
 *       "at": number,              // epoch ms, end of the window evaluated
 *       "receivers": string[],
 *       "alerts": [{
 *         "slice": string,         // `*` or `dim=value` pairs joined by ','
 *         "state": "inactive" | "pending" | "firing" | "resolved",
 *         "fired_at": number | null, "resolved_at": number | null,   // epoch ms, data time
 *         "firing_notification": string,   // id of the firing notification of this alert ('' in that one)
 *         "last": null | { "slice", "window_start", "window_end", "value", "n", "baseline", "baseline_value",
 *                          "baseline_n", "p_value", "q_value", "effect", "degraded" }
 *       }]
 *     },
 *     "summary": string            // one line for humans, the same as the Slack notification text
 *   }
 */
export interface WebhookBody {
  version: 1;
  notification: Notification;
  summary: string;
}

export function renderWebhook(n: Notification): WebhookBody {
  return { version: 1, notification: n, summary: summarise(n) };
}
