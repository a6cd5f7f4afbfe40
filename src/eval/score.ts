import type { Alert } from '../alerts/alert.ts';
import type { EvalStream, EventKind } from './stream.ts';

/**
 * Scoring of one eval run: which alerts match which planted event, how fast, how pure, and which
 * alerts match nothing (false alerts). Pure: it sees the alerts, where each conversation was
 * assigned (`replay --assignments-out`) and the ground truth.
 *
 * Matching rules:
 * - An alert's *subject traffic* is the conversations counted in its series during its window:
 *   for a cluster id, those assigned to that leaf or to a leaf under it (parents); for an area
 *   series `area:<id>` (or a `subject` naming one), those tagged with the area; restricted to the
 *   rule's product when the rule (or the alert's subject) names one.
 * - A spike alert matches a spike event when it fires between the event's onset and its end plus
 *   the alert's window, and the event's conversations are at least `minShare` of the subject
 *   traffic in the alert window. Its purity is that share.
 * - An emerging alert matches an emerging event when more than `emergingMajority` of the new
 *   cluster's members (conversations assigned to it within the rule's horizon of the first one;
 *   without any, the novel conversations of its window) are the event's, and it fires after the
 *   onset. Its purity is that share.
 * - An alert of one kind about another kind's event (a spike alert on the area an emerging pattern
 *   falls in, an emerging group made of a spike's conversations) is not false: it is counted as
 *   related. An alert about the decoy, or matching no event, is false; one fired after the launch
 *   began and before the next event is also counted as a launch alert. Resolutions and repeats of
 *   an episode are not counted again.
 */

export interface AssignmentRow {
  cluster: string;
  areas: string[];
  novel: boolean;
}

export interface ScoreInput {
  stream: EvalStream;
  alerts: readonly Alert[];
  assignments: ReadonlyMap<string, AssignmentRow>;
  /** Ancestors (parents, grandparents…) of each catalog cluster. */
  ancestors: ReadonlyMap<string, readonly string[]>;
  /** The product each rule restricts its counts to (absent or null: every product). */
  ruleProducts: ReadonlyMap<string, string | null>;
  /** An emerging rule's horizon, ms (default 6 h): how long after its alert a new cluster's members are counted. */
  ruleHorizons?: ReadonlyMap<string, number>;
  minShare: number;
  emergingMajority: number;
}

export interface EventScore {
  name: string;
  kind: EventKind;
  conversations: number;
  accounts: number;
  detected: boolean;
  /** Onset to the first matching alert of the event's own kind, minutes. */
  delayMinutes: number | null;
  purity: number | null;
  /** Matching alert episodes of the event's kind; `related`: of another kind. */
  alerts: number;
  related: number;
}

/**
 * How one alert episode was scored, for finding what a false alert was about. Ids and figures only:
 * the subject is a catalog cluster id or an area series (`area:<id>`), never a name or a text.
 */
export interface AlertVerdict {
  kind: Alert['kind'];
  rule: string;
  subject: string;
  /** Minutes from the stream's start (day 0 00:00 UTC) to the alert. */
  firedMinute: number;
  /** `event`: matched a planted event of its kind; `related`: one of another kind; `decoy`; `false`: none. */
  verdict: 'event' | 'related' | 'decoy' | 'false';
  /** The event it matched or, for a false alert, the one with the largest share of its traffic (null: none). */
  event: string | null;
  /** That event's share of the alert's subject traffic (spike) or members (emerging). */
  share: number | null;
}

export interface RunScore {
  events: EventScore[];
  /** Every alert episode in firing order, with what it was scored as. */
  verdicts: AlertVerdict[];
  /** Distinct alert episodes (spike and emerging). */
  alerts: number;
  falseAlerts: number;
  falseAlertsPerDay: number;
  /** False alerts fired after the launch began and before the next planted event (the launch must raise none). */
  launchAlerts: number;
  /** Alerts about the decoy (counted among the false ones). */
  decoyAlerts: number;
}

interface Row {
  timeMs: number;
  product: string | undefined;
  event: number | null;
  assignment: AssignmentRow | undefined;
}

export function scoreRun(input: ScoreInput): RunScore {
  const { stream } = input;
  const rows: Row[] = stream.conversations.map((c) => ({
    timeMs: c.timeMs,
    product: c.conversation.metadata?.product,
    event: c.event,
    assignment: input.assignments.get(c.conversation.id),
  }));
  const episodes = firstOfEachEpisode(input.alerts);
  const events = stream.events.map((e): EventScore & { firstMs: number | null } => ({
    name: e.name, kind: e.kind, conversations: e.conversations, accounts: e.accounts, detected: false, delayMinutes: null, purity: null, alerts: 0, related: 0, firstMs: null,
  }));
  const verdicts: AlertVerdict[] = [];
  let falseAlerts = 0;
  let launchAlerts = 0;
  let decoyAlerts = 0;
  // The launch alone: from its start until the next planted event begins.
  const launch = stream.events.find((e) => e.kind === 'launch');
  const launchQuietEndMs = launch ? Math.min(launch.endMs, ...stream.events.filter((e) => e.kind !== 'launch' && e.startMs > launch.startMs).map((e) => e.startMs)) : 0;

  for (const alert of episodes) {
    const firedMs = Date.parse(alert.fired_at);
    const members = alert.kind === 'emerging' ? emergingMembers(alert, rows, input.ruleHorizons?.get(alert.rule) ?? 6 * 3_600_000) : subjectTraffic(alert, rows, input);
    const shares = shareByEvent(members);
    // The event with the largest share among the alert's members, if it qualifies.
    let best: { event: number; share: number } | null = null;
    for (const [event, share] of shares) {
      const e = stream.events[event]!;
      const threshold = alert.kind === 'emerging' ? input.emergingMajority : input.minShare;
      const windowMs = Date.parse(alert.window.end) - Date.parse(alert.window.start);
      const inTime = alert.kind === 'emerging' ? firedMs >= e.startMs : firedMs >= e.startMs && firedMs <= e.endMs + windowMs;
      const enough = alert.kind === 'emerging' ? share > threshold : share >= threshold;
      if (inTime && enough && (!best || share > best.share)) best = { event, share };
    }
    const matched = best ? stream.events[best.event]! : null;
    const largest = [...shares].sort((a, b) => b[1] - a[1])[0];
    const about = matched && best ? { event: matched.name, share: round(best.share) } : largest ? { event: stream.events[largest[0]]!.name, share: round(largest[1]) } : { event: null, share: null };
    const verdict = !matched || matched.kind === 'launch' ? 'false' : matched.kind === 'decoy' ? 'decoy' : matched.kind === alert.kind ? 'event' : 'related';
    verdicts.push({ kind: alert.kind, rule: alert.rule, subject: alert.cluster.id, firedMinute: Math.round((firedMs - stream.startMs) / 60_000), verdict, ...about });
    if (!best || !matched || matched.kind === 'decoy' || matched.kind === 'launch') {
      falseAlerts++;
      if (matched?.kind === 'decoy') decoyAlerts++;
      if (launch && firedMs >= launch.startMs && firedMs < launchQuietEndMs) launchAlerts++;
      continue;
    }
    const score = events[best.event]!;
    if (matched.kind !== alert.kind) {
      score.related++;
      continue;
    }
    score.alerts++;
    if (score.firstMs === null || firedMs < score.firstMs) {
      score.firstMs = firedMs;
      score.detected = true;
      score.delayMinutes = Math.round((firedMs - matched.startMs) / 60_000);
      score.purity = round(best.share);
    }
  }
  const days = (stream.endMs - stream.startMs) / 86_400_000;
  return {
    events: events.filter((e) => e.kind === 'spike' || e.kind === 'emerging').map(({ firstMs: _, ...e }) => e),
    verdicts,
    alerts: episodes.length,
    falseAlerts,
    falseAlertsPerDay: round(falseAlerts / days),
    launchAlerts,
    decoyAlerts,
  };
}

/** One alert per episode (its first firing); resolutions dropped. */
function firstOfEachEpisode(alerts: readonly Alert[]): Alert[] {
  const seen = new Set<string>();
  const out: Alert[] = [];
  for (const a of [...alerts].sort((x, y) => Date.parse(x.fired_at) - Date.parse(y.fired_at))) {
    if (a.kind === 'resolved' || seen.has(a.alert_id)) continue;
    seen.add(a.alert_id);
    out.push(a);
  }
  return out;
}

/** What series an alert is about: a policy area (`subject: policy_area`, id `area:<id>`) or a cluster; and the rule's product, if any. */
export function subjectOf(alert: Alert, ruleProducts: ReadonlyMap<string, string | null>): { area: string | null; cluster: string | null; product: string | null } {
  const id = alert.cluster.id;
  const isArea = id.startsWith('area:') || (alert as { subject?: unknown }).subject === 'policy_area';
  const area = isArea ? id.replace(/^area:/, '') : null;
  return { area, cluster: isArea ? null : id, product: ruleProducts.get(alert.rule) ?? null };
}

function subjectTraffic(alert: Alert, rows: readonly Row[], input: ScoreInput): Row[] {
  const { area, cluster, product } = subjectOf(alert, input.ruleProducts);
  const from = Date.parse(alert.window.start);
  const to = Date.parse(alert.window.end);
  return rows.filter((r) => {
    if (r.timeMs < from || r.timeMs >= to || !r.assignment) return false;
    if (product && r.product !== product) return false;
    if (area) return r.assignment.areas.includes(area);
    return r.assignment.cluster === cluster || (input.ancestors.get(r.assignment.cluster) ?? []).includes(cluster!);
  });
}

/**
 * The new cluster's members as they were found: the conversations assigned to it within the rule's
 * horizon of the first one (later traffic is the cluster's ongoing life, not the group that was
 * found; replay assigns a chunk ahead of detection, so the alert time is not the start); without
 * any, the novel conversations of the alert's window.
 */
function emergingMembers(alert: Alert, rows: readonly Row[], horizonMs: number): Row[] {
  const assigned = rows.filter((r) => r.assignment?.cluster === alert.cluster.id);
  if (assigned.length > 0) {
    const first = Math.min(...assigned.map((r) => r.timeMs));
    return assigned.filter((r) => r.timeMs < first + horizonMs);
  }
  const from = Date.parse(alert.window.start);
  const to = Date.parse(alert.window.end);
  return rows.filter((r) => r.timeMs >= from && r.timeMs < to && r.assignment?.novel);
}

function shareByEvent(members: readonly Row[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of members) if (r.event !== null) counts.set(r.event, (counts.get(r.event) ?? 0) + 1);
  return new Map([...counts].map(([event, n]) => [event, n / members.length]));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
