import type { KnownBlock } from '@slack/web-api';
import { subjectOf, type Alert, type Notification } from '../alerts/alert.ts';
import { PRIVACY_FLOOR } from '../config/schema.ts';
import { coarsenSeries } from '../privacy/series-gate.ts';

/** A Slack message: Block Kit for people, `text` for notifications, screen readers and old clients. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A one-line bar chart of counts, scaled from zero to the largest value (so a flat series stays low
 * and a spike stands out). Longer series are folded to `width` bars by their maxima.
 */
export function sparkline(series: readonly number[], width = 48): string {
  if (series.length === 0) return '';
  const groups = Math.min(width, series.length);
  const folded = Array.from({ length: groups }, (_, g) => {
    const from = Math.floor((g * series.length) / groups);
    const to = Math.floor(((g + 1) * series.length) / groups);
    return Math.max(...series.slice(from, to));
  });
  const top = Math.max(...folded);
  return folded.map((v) => BARS[top > 0 ? Math.round((Math.max(0, v) / top) * (BARS.length - 1)) : 0]).join('');
}

const HEADING: Record<Alert['kind'], string> = {
  spike: '🔺 Spike',
  emerging: '🆕 Emerging',
  resolved: '✅ Resolved',
};

/** The message for one notification. Pure: the same notification always gives the same message. */
export function slackMessage(n: Notification, dashboardUrl: string): SlackMessage {
  const a = n.alert;
  const heading = a.kind === 'resolved' ? HEADING.resolved : `${HEADING[a.kind]} · ${a.severity}`;
  // An area alert is about every conversation classified into the area, whichever cluster it fell in.
  const area = subjectOf(a) === 'policy_area';
  const title = area ? `Policy area: ${a.cluster.name}` : a.cluster.name;
  const name = escape(title);
  const figures = [
    `*Conversations*\n${count(a.observed.conversations)} (baseline ${decimal(a.baseline.conversations)})`,
    `*Distinct accounts*\n${count(a.observed.unique_accounts)}`,
    `*Share of traffic*\n${percent(a.observed.share)} (baseline ${percent(a.baseline.share)})`,
    `*Ratio*\n${decimal(a.ratio)}×`,
    `*Score*\n${decimal(a.score.value, 2)} (${escape(a.score.method)})`,
    `*Window*\n${windowText(a.window.start, a.window.end)}`,
  ];
  // Only languages that alone pass the privacy minimums are in the alert; the rest stays unnamed.
  if (a.languages?.length) figures.push(`*Languages*\n${a.languages.map((l) => `${escape(l.language)} ${percent(l.share)}`).join(' · ')}`);
  const context = (
    area
      ? [`Rule *${escape(a.rule)}*`, `Policy area: ${escape(a.cluster.name)} (${a.cluster.policy_areas.map(escape).join(', ')})`, 'Across all topic clusters']
      : [
          `Rule *${escape(a.rule)}*`,
          `Policy areas: ${a.cluster.policy_areas.length ? a.cluster.policy_areas.map(escape).join(', ') : 'none'}`,
          `Parent: ${a.cluster.parent ? escape(a.cluster.parent.name) : 'none'}`,
        ]
  ).join('  ·  ');

  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(`${heading}: ${title}`, 150), emoji: true } },
  ];
  if (a.cluster.description) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escape(a.cluster.description), 3000) } });
  blocks.push({ type: 'section', fields: figures.map((text) => ({ type: 'mrkdwn', text })) });
  // No bar may be a small number about a few people: the detector already coarsened the series to the
  // configured minimum; the floor here holds for any notification (one stored by an older version too).
  const bars = coarsenSeries(n.series, PRIVACY_FLOOR.minConversations);
  if (bars.length > 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Conversations over the window*  \`${sparkline(bars)}\`` } });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context }] });
  blocks.push({
    type: 'actions',
    elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in dashboard' }, url: dashboardLink(dashboardUrl, a), action_id: 'open_dashboard' }],
  });

  const text =
    `${heading}: ${name} — ${count(a.observed.conversations)} conversations from ${count(a.observed.unique_accounts)} accounts, ` +
    `${percent(a.observed.share)} of traffic (baseline ${percent(a.baseline.share)}), ${decimal(a.ratio)}× — rule ${escape(a.rule)}`;
  return { text, blocks };
}

/**
 * The dashboard routes by hash (a static page, no server route per view): a cluster alert opens the
 * cluster's page, an area alert (no cluster page) the alerts page filtered to that area.
 */
function dashboardLink(base: string, a: Alert): string {
  const url = new URL(base);
  const alert = `alert=${encodeURIComponent(a.alert_id)}`;
  url.hash = subjectOf(a) === 'policy_area'
    ? `/alerts?policy_area=${encodeURIComponent(a.cluster.policy_areas[0] ?? a.cluster.id.replace(/^area:/, ''))}&${alert}`
    : `/clusters/${encodeURIComponent(a.cluster.id)}?${alert}`;
  return url.toString();
}

/** Slack mrkdwn treats &, < and > as control characters (links, mentions): escape them in our strings. */
function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

const integers = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function count(n: number): string {
  return integers.format(n);
}

function decimal(n: number, digits = 1): string {
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;
}

/** `2026-11-27 14:00–15:00 UTC`, or both dates when the window crosses midnight. */
function windowText(startIso: string, endIso: string): string {
  const [startDay, startTime] = utc(startIso);
  const [endDay, endTime] = utc(endIso);
  return startDay === endDay ? `${startDay} ${startTime}–${endTime} UTC` : `${startDay} ${startTime} – ${endDay} ${endTime} UTC`;
}

function utc(iso: string): [string, string] {
  const t = new Date(iso).toISOString();
  return [t.slice(0, 10), t.slice(11, 16)];
}
