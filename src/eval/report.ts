import type { LeakReport } from './canary.ts';
import type { Targets } from './scenario.ts';
import type { AlertVerdict, RunScore } from './score.ts';

/**
 * Eval results: per run (one seed), and per scenario over its seeds (median and spread).
 * Figures only — no text, no conversation or account id, no cluster name (an alert is shown by its
 * rule and its subject's catalog id, and the scenario's own event names).
 */

/** One alert episode as the results show it. */
export interface AlertRow {
  kind: AlertVerdict['kind'];
  rule: string;
  subject: string;
  /** When it fired, as the scenario writes times: "day 4 10:40". */
  fired: string;
  verdict: AlertVerdict['verdict'];
  event: string | null;
  share: number | null;
}

export interface RunResult {
  seed: number;
  conversations: number;
  distinct_texts: number;
  catalog_clusters: number;
  seconds: number;
  events: RunScore['events'];
  alerts: number;
  false_alerts: number;
  false_alerts_per_day: number;
  launch_alerts: number;
  decoy_alerts: number;
  canary_leaks: number;
  canary_leaks_by_place: Record<string, number>;
  /** Every alert episode of the run and what it was scored as. */
  alert_episodes: AlertRow[];
}

export interface Figure {
  median: number;
  min: number;
  max: number;
  n: number;
}

export interface EventSummary {
  name: string;
  kind: string;
  detected: number;
  of: number;
  delay_minutes: Figure | null;
  purity: Figure | null;
  conversations: Figure;
  accounts: Figure;
  /** Alert episodes of another kind about the event (not false alerts). */
  related: Figure;
  /** Seeds in which the event met its target. */
  met: number;
  target: string;
}

export interface ScenarioResult {
  scenario: string;
  held_out: boolean;
  seeds: number[];
  seconds: number;
  runs: RunResult[];
  summary: {
    conversations: Figure;
    distinct_texts: Figure;
    events: EventSummary[];
    alerts: Figure;
    false_alerts: Figure;
    false_alerts_per_day: Figure;
    launch_alerts: Figure;
    decoy_alerts: Figure;
    canary_leaks: number;
    canary_leaks_by_place: Record<string, number>;
  };
  targets: Targets;
  /** Seeds in which every target was met. */
  seeds_meeting_targets: number;
}

export function runResult(seed: number, figures: { conversations: number; distinctTexts: number; catalogClusters: number; seconds: number }, score: RunScore, leaks: LeakReport): RunResult {
  return {
    seed, conversations: figures.conversations, distinct_texts: figures.distinctTexts, catalog_clusters: figures.catalogClusters, seconds: Math.round(figures.seconds),
    events: score.events, alerts: score.alerts, false_alerts: score.falseAlerts, false_alerts_per_day: score.falseAlertsPerDay,
    launch_alerts: score.launchAlerts, decoy_alerts: score.decoyAlerts, canary_leaks: leaks.total, canary_leaks_by_place: leaks.byPlace,
    alert_episodes: score.verdicts.map((v) => ({ kind: v.kind, rule: v.rule, subject: v.subject, fired: scenarioTime(v.firedMinute), verdict: v.verdict, event: v.event, share: v.share })),
  };
}

/** Minutes from the stream's start as the scenario file writes a time: "day 4 10:40". */
export function scenarioTime(minute: number): string {
  const day = Math.floor(minute / 1440);
  const rest = minute - day * 1440;
  return `day ${day} ${String(Math.floor(rest / 60)).padStart(2, '0')}:${String(rest % 60).padStart(2, '0')}`;
}

export function figure(values: readonly number[]): Figure {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { median: Math.round(median * 1000) / 1000, min: sorted[0]!, max: sorted[n - 1]!, n };
}

function eventMeets(e: RunResult['events'][number], t: Targets): boolean {
  if (!e.detected || e.delayMinutes === null) return false;
  if (e.kind === 'spike') return e.delayMinutes <= t.spikeDelayMinutes;
  return e.delayMinutes <= t.emergingDelayMinutes && (e.purity ?? 0) >= t.emergingPurity;
}

function runMeets(r: RunResult, t: Targets): boolean {
  return r.events.every((e) => eventMeets(e, t)) && r.false_alerts_per_day <= t.falseAlertsPerDay && r.canary_leaks <= t.canaryLeaks;
}

export function summarise(scenario: string, heldOut: boolean, runs: RunResult[], targets: Targets, seconds: number): ScenarioResult {
  const events: EventSummary[] = (runs[0]?.events ?? []).map((first, i) => {
    const per = runs.map((r) => r.events[i]!);
    const detected = per.filter((e) => e.detected);
    return {
      name: first.name,
      kind: first.kind,
      detected: detected.length,
      of: per.length,
      delay_minutes: detected.length ? figure(detected.map((e) => e.delayMinutes!)) : null,
      purity: detected.length ? figure(detected.map((e) => e.purity!)) : null,
      conversations: figure(per.map((e) => e.conversations)),
      accounts: figure(per.map((e) => e.accounts)),
      related: figure(per.map((e) => e.related)),
      met: per.filter((e) => eventMeets(e, targets)).length,
      target: first.kind === 'spike' ? `≤ ${targets.spikeDelayMinutes} min` : `≤ ${targets.emergingDelayMinutes} min, purity ≥ ${targets.emergingPurity}`,
    };
  });
  const byPlace: Record<string, number> = {};
  for (const r of runs) for (const [place, n] of Object.entries(r.canary_leaks_by_place)) byPlace[place] = (byPlace[place] ?? 0) + n;
  return {
    scenario, held_out: heldOut, seeds: runs.map((r) => r.seed), seconds: Math.round(seconds), runs,
    summary: {
      conversations: figure(runs.map((r) => r.conversations)),
      distinct_texts: figure(runs.map((r) => r.distinct_texts)),
      events,
      alerts: figure(runs.map((r) => r.alerts)),
      false_alerts: figure(runs.map((r) => r.false_alerts)),
      false_alerts_per_day: figure(runs.map((r) => r.false_alerts_per_day)),
      launch_alerts: figure(runs.map((r) => r.launch_alerts)),
      decoy_alerts: figure(runs.map((r) => r.decoy_alerts)),
      canary_leaks: runs.reduce((s, r) => s + r.canary_leaks, 0),
      canary_leaks_by_place: byPlace,
    },
    targets,
    seeds_meeting_targets: runs.filter((r) => runMeets(r, targets)).length,
  };
}

/** "12 [8–20]" for several seeds, "12" for one. */
export function showFigure(f: Figure | null, digits = 0): string {
  if (!f || f.n === 0) return '—';
  const v = (x: number) => (digits ? x.toFixed(digits) : String(Math.round(x)));
  return f.n > 1 && f.min !== f.max ? `${v(f.median)} [${v(f.min)}–${v(f.max)}]` : v(f.median);
}

/** The table for people. */
export function formatTable(result: ScenarioResult): string {
  const s = result.summary;
  const t = result.targets;
  const n = result.runs.length;
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  const lines: string[] = [];
  lines.push(`scenario ${result.scenario}${result.held_out ? ' (held out)' : ''} — seeds ${result.seeds.join(',')} — ${showFigure(s.conversations)} conversations, ${showFigure(s.distinct_texts)} distinct texts — ${result.seconds} s`);
  const rows: string[][] = [['event', 'kind', 'planted', 'detected', 'delay min', 'purity', 'related', 'target', 'met']];
  for (const e of s.events) {
    rows.push([e.name, e.kind, `${showFigure(e.conversations)} conv / ${showFigure(e.accounts)} acct`, `${e.detected}/${e.of}`, showFigure(e.delay_minutes), showFigure(e.purity, 2), showFigure(e.related), e.target, `${mark(e.met === e.of)} ${e.met}/${e.of}`]);
  }
  const fpdOk = result.runs.filter((r) => r.false_alerts_per_day <= t.falseAlertsPerDay).length;
  rows.push(['false alerts per day', '', '', '', showFigure(s.false_alerts_per_day, 2), '', '', `≤ ${t.falseAlertsPerDay}`, `${mark(fpdOk === n)} ${fpdOk}/${n}`]);
  rows.push(['  false alerts (count)', '', '', '', showFigure(s.false_alerts), '', '', '', '']);
  rows.push(['  during the launch alone', '', '', '', showFigure(s.launch_alerts), '', '', '0', '']);
  rows.push(['  about the decoy', '', '', '', showFigure(s.decoy_alerts), '', '', '0', '']);
  const places = Object.entries(s.canary_leaks_by_place).map(([p, k]) => `${p} ${k}`).join(', ');
  const leakOk = result.runs.filter((r) => r.canary_leaks <= t.canaryLeaks).length;
  rows.push(['canary leaks', '', '', '', `${s.canary_leaks}${places ? ` (${places})` : ''}`, '', '', `${t.canaryLeaks}`, `${mark(leakOk === n)} ${leakOk}/${n}`]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...r[c]!].length)));
  for (const r of rows) lines.push(`  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}`);
  lines.push(`  all targets met in ${result.seeds_meeting_targets}/${n} seed(s); ${showFigure(s.alerts)} alert episode(s) per run`);
  // What each false alert was about, so it can be looked into (--keep-dir keeps the run's files).
  for (const run of result.runs) {
    for (const a of run.alert_episodes.filter((x) => x.verdict === 'false' || x.verdict === 'decoy')) {
      const nearest = a.event === null ? 'no planted traffic' : `largest share ${a.share} of ${a.event}`;
      lines.push(`  false in seed ${run.seed}: ${a.kind} ${a.subject} (${a.rule}) at ${a.fired}${a.verdict === 'decoy' ? ', about the decoy' : ''}; ${nearest}`);
    }
  }
  return lines.join('\n');
}
