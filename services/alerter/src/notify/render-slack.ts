import { formatDuration, type Notification, type NotifiedAlert } from '@livegrade/core';
import { failuresSql } from './failures-sql.ts';
import {
  baselineOf,
  describeCondition,
  formatCount,
  formatEffect,
  formatP,
  formatTime,
  formatValue,
  KIND_TITLE,
  kindEmoji,
  pluralSlices,
  summarise,
} from './format.ts';

/**
 * A notification as a Slack Block Kit message (docs/ARCHITECTURE.md §7): what degraded,
 * where, by how much against which baseline, on how many samples, the SQL
 * that lists the failing decisions of each slice and, when the dashboard's
 * public address is known, a button opening each slice's view there.
 *
 * Slack allows 50 blocks per message, 3000 characters per section and 150
 * per header; a message shows at most MAX_ALERTS_PER_MESSAGE slices (one
 * section each) and counts the rest.
 */

export const MAX_ALERTS_PER_MESSAGE = 20;
const MAX_SECTION_CHARS = 3000;
const MAX_HEADER_CHARS = 150;
const MAX_TEXT_CHARS = 3000;
/** Slack refuses a button whose url is longer */
const MAX_URL_CHARS = 3000;

export interface SlackButton {
  type: 'button';
  text: { type: 'plain_text'; text: string; emoji: boolean };
  url: string;
}

export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string }; accessory?: SlackButton }
  | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> }
  | { type: 'divider' };

/** What chat.postMessage, chat.update and an incoming webhook take. `text` is what notifications show. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export interface SlackRenderOptions {
  /** the dashboard's public address (LIVEGRADE_PUBLIC_URL); without it, no section links there */
  publicUrl?: string | undefined;
}

/**
 * The dashboard's view of one slice at this window length: the query
 * string the dashboard reads (`?slice=...&window=15m`).
 */
export function dashboardUrl(publicUrl: string, slice: string, windowMs: number): string {
  return `${publicUrl.replace(/\/+$/, '')}/?slice=${encodeURIComponent(slice)}&window=${formatDuration(windowMs)}`;
}

/** When a slice of a firing message was resolved (an AlertState or a NotifiedAlert fits). */
export interface ResolvedMark {
  slice: string;
  resolved_at: number | null;
}

/** Slack reads &, < and > as markup in every text, code blocks included. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function sliceName(slice: string): string {
  return slice === '*' ? 'all traffic (*)' : slice;
}

/**
 * A slice as the title of its section: in inline code, where `*`, `_` or `~`
 * in a value format nothing (a backtick, which would end the code, is shown
 * as a look-alike).
 */
export function sliceTitle(slice: string): string {
  return slice === '*' ? '*all traffic*' : `\`${escapeMrkdwn(slice.replace(/`/g, 'ˋ'))}\``;
}

function section(text: string, link?: string): SlackBlock {
  const block: SlackBlock = { type: 'section', text: { type: 'mrkdwn', text: cut(text, MAX_SECTION_CHARS) } };
  if (link && link.length <= MAX_URL_CHARS) {
    block.accessory = {
      type: 'button',
      text: { type: 'plain_text', text: 'Open in dashboard', emoji: false },
      url: link,
    };
  }
  return block;
}

function context(text: string): SlackBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: cut(text, MAX_SECTION_CHARS) }] };
}

function header(text: string): SlackBlock {
  return { type: 'header', text: { type: 'plain_text', text: cut(text, MAX_HEADER_CHARS), emoji: true } };
}

/** The figure lines of one alert: its value against the baseline's, the samples, the test, the window. */
function figureLines(n: Notification, a: NotifiedAlert): string[] {
  const o = a.last;
  if (!o) return ['no observation recorded'];
  const value = `${n.metric} *${formatValue(n.metric, o.value)}*`;
  const against =
    o.baseline_value === null ? '' : ` vs ${formatValue(n.metric, o.baseline_value)} on baseline ${o.baseline}`;
  const samples = [`n ${formatCount(o.n)}`];
  if (o.baseline) samples.push(`baseline n ${formatCount(o.baseline_n)}`);
  const stats = [
    o.p_value === null ? '' : `p ${formatP(o.p_value)}`,
    o.q_value === null ? '' : `q ${formatP(o.q_value)}`,
    o.effect === null ? '' : `effect ${formatEffect(n.metric, o.effect)}`,
  ].filter(Boolean);
  return [
    escapeMrkdwn(`${value}${against}`),
    escapeMrkdwn([samples.join(' vs '), ...stats].join(' · ')),
    `window ${formatTime(o.window_start)} – ${formatTime(o.window_end)}`,
  ];
}

function since(n: Notification, a: NotifiedAlert): string {
  if (n.kind === 'resolved') return a.resolved_at === null ? 'resolved' : `resolved at ${formatTime(a.resolved_at)}`;
  if (n.kind === 'repeat' && a.fired_at !== null) return `firing since ${formatTime(a.fired_at)}`;
  return '';
}

/**
 * One alert's section. The SQL is given while the alert fires (a resolved
 * message has nothing left to investigate); when it would not fit the
 * section, the message says so rather than showing half a query.
 */
function alertSection(n: Notification, a: NotifiedAlert, opts: SlackRenderOptions, mark?: ResolvedMark): SlackBlock {
  const link = opts.publicUrl ? dashboardUrl(opts.publicUrl, a.slice, n.window_ms) : undefined;
  const title = sliceTitle(a.slice);
  const note = since(n, a);
  const lines = figureLines(n, a);
  const head = mark
    ? `✅ ~${title}~ resolved${mark.resolved_at === null ? '' : ` at ${formatTime(mark.resolved_at)}`}`
    : `${title}${note ? `  ·  ${note}` : ''}`;
  const body = mark ? lines.map((l) => `~${l}~`) : lines;
  const text = [head, ...body].join('\n');
  if (n.kind === 'resolved' || !a.last) return section(text, link);
  const sql = failuresSql(a.slice, a.last.window_start, a.last.window_end);
  const withSql = `${text}\nFailing decisions of this slice:\n\`\`\`${escapeMrkdwn(sql)}\`\`\``;
  return section(
    withSql.length <= MAX_SECTION_CHARS ? withSql : `${text}\n_(the SQL is too long for a Slack message)_`,
    link,
  );
}

function conditionSection(n: Notification): SlackBlock {
  const what = describeCondition(n.metric, n.condition, baselineOf(n));
  const verb = n.kind === 'resolved' ? 'cleared on' : 'on';
  return section(
    `${escapeMrkdwn(what)}, ${verb} *${pluralSlices(n.alerts.length)}* · ${formatDuration(n.window_ms)} windows · severity *${n.severity}*`,
  );
}

function footer(n: Notification): SlackBlock {
  return context(escapeMrkdwn(`rule ${n.rule} · notification ${n.id} · window ending ${formatTime(n.at)}`));
}

function moreLine(hidden: NotifiedAlert[], resolvedHidden = 0): SlackBlock {
  const names = cut(hidden.map((a) => sliceName(a.slice)).join('; '), 1500);
  const resolved = resolvedHidden > 0 ? ` (${resolvedHidden} resolved)` : '';
  const more = `${hidden.length} more slice${hidden.length === 1 ? '' : 's'}`;
  return context(escapeMrkdwn(`…and ${more}${resolved}: ${names}`));
}

function headerText(n: Notification): string {
  return `${kindEmoji(n)} ${KIND_TITLE[n.kind]}: ${n.rule}`;
}

export function renderSlack(n: Notification, opts: SlackRenderOptions = {}): SlackMessage {
  const shown = n.alerts.slice(0, MAX_ALERTS_PER_MESSAGE);
  const hidden = n.alerts.slice(MAX_ALERTS_PER_MESSAGE);
  const blocks: SlackBlock[] = [header(headerText(n)), conditionSection(n), { type: 'divider' }];
  for (const a of shown) blocks.push(alertSection(n, a, opts));
  if (hidden.length > 0) blocks.push(moreLine(hidden));
  blocks.push(footer(n));
  return { text: cut(escapeMrkdwn(summarise(n)), MAX_TEXT_CHARS), blocks };
}

/**
 * The firing message again, once some of its slices resolved: for chat.update
 * of the original post, so the channel shows at a glance what is still
 * open. `resolved` holds every slice of it resolved so far (an update
 * replaces the whole message, so earlier marks are kept only if passed again).
 */
export function renderSlackResolvedUpdate(
  firing: Notification,
  resolved: readonly ResolvedMark[],
  opts: SlackRenderOptions = {},
): SlackMessage {
  const marks = new Map(resolved.map((m) => [m.slice, m]));
  const done = firing.alerts.filter((a) => marks.has(a.slice)).length;
  const all = done === firing.alerts.length;
  const title = all
    ? `✅ ${KIND_TITLE.resolved}: ${firing.rule}`
    : `${headerText(firing)} (${done} of ${firing.alerts.length} resolved)`;
  const shown = firing.alerts.slice(0, MAX_ALERTS_PER_MESSAGE);
  const hidden = firing.alerts.slice(MAX_ALERTS_PER_MESSAGE);
  const blocks: SlackBlock[] = [header(title), conditionSection(firing), { type: 'divider' }];
  for (const a of shown) blocks.push(alertSection(firing, a, opts, marks.get(a.slice)));
  if (hidden.length > 0) blocks.push(moreLine(hidden, hidden.filter((a) => marks.has(a.slice)).length));
  blocks.push(footer(firing));
  const text = all
    ? summarise({ ...firing, kind: 'resolved' })
    : `${summarise(firing)} (${done} of ${firing.alerts.length} resolved)`;
  return { text: cut(escapeMrkdwn(text), MAX_TEXT_CHARS), blocks };
}
