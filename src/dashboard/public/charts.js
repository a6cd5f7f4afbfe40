// Plots drawn with uPlot (canvas). Each component owns one uPlot instance, rebuilt when its data change.
import uPlot from './vendor/uplot.mjs';
import { useEffect, useRef } from './vendor/hooks.mjs';
import { html } from './ui.js';

const COLORS = { share: '#1f6feb', expected: '#6e7781', band: 'rgba(110,119,129,0.18)', alert: '#cf222e', candidate: '#8250df', current: '#1a7f37' };

function usePlot(build, deps) {
  const ref = useRef(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const width = () => Math.max(320, el.clientWidth || 640);
    const plot = build(el, width());
    if (!plot) return undefined;
    const onResize = () => plot.setSize({ width: width(), height: plot.height });
    window.addEventListener('resize', onResize);
    return () => { window.removeEventListener('resize', onResize); plot.destroy(); };
  }, deps);
  return ref;
}

/** Vertical lines at the alerts' times, drawn over the series (uPlot's draw hook). */
function markers(times, color) {
  return {
    hooks: {
      draw: [(u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.strokeStyle = color;
        ctx.fillStyle = color;
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
        for (const t of times) {
          const x = Math.round(u.valToPos(t, 'x', true));
          if (x < bbox.left || x > bbox.left + bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(x, bbox.top);
          ctx.lineTo(x, bbox.top + bbox.height);
          ctx.stroke();
          ctx.beginPath();
          ctx.arc(x, bbox.top + 6 * devicePixelRatio, 4 * devicePixelRatio, 0, 2 * Math.PI);
          ctx.fill();
        }
        ctx.restore();
      }],
    },
  };
}

const pct = (v) => `${(v * 100).toFixed(2)}%`;
const pctAxis = (u, values) => values.map((v) => (v === null ? '' : `${(v * 100).toFixed(v < 0.01 ? 2 : 1)}%`));

/**
 * A cluster's share per step against its expected level and band, with its alerts as red markers.
 * Suppressed points (under the privacy minimums) are gaps, never small numbers.
 */
export function SeriesPlot({ series, height = 320 }) {
  const points = series ? series.points : [];
  const drawn = points.filter((p) => p.share !== null).length;
  const ref = usePlot((el, width) => {
    if (drawn === 0) return null;
    const xs = points.map((p) => Date.parse(p.t) / 1000);
    const data = [
      xs,
      points.map((p) => p.share),
      points.map((p) => p.expected),
      points.map((p) => p.lower),
      points.map((p) => p.upper),
    ];
    const alertTimes = series.alerts.map((a) => Date.parse(a.at) / 1000);
    return new uPlot({
      width,
      height,
      plugins: [markers(alertTimes, COLORS.alert)],
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max || 0, 1e-6) * 1.1] } },
      axes: [{}, { values: pctAxis, size: 60 }],
      series: [
        {},
        { label: 'share', stroke: COLORS.share, width: 2, points: { size: 4 }, value: (u, v, s, i) => (i === null ? '—' : v === null ? 'suppressed' : pct(v)) },
        { label: 'expected', stroke: COLORS.expected, dash: [4, 4], points: { show: false }, value: (u, v) => (v === null ? '—' : pct(v)) },
        { label: 'band low', stroke: 'transparent', points: { show: false }, value: (u, v) => (v === null ? '—' : pct(v)) },
        { label: 'band high', stroke: 'transparent', points: { show: false }, value: (u, v) => (v === null ? '—' : pct(v)) },
      ],
      bands: [{ series: [4, 3], fill: COLORS.band }],
    }, data, el);
  }, [series]);
  return html`<div class="plot" ref=${ref} data-testid="series-plot" data-points=${drawn} data-alerts=${series ? series.alerts.length : 0}>
    ${points.length === 0 ? html`<p class="muted">No data in this period.</p>`
      : drawn === 0 ? html`<p class="muted">Every step of this period is under the privacy minimums: a longer range (coarser steps) may show it.</p>` : null}
  </div>`;
}

/** How many alerts of a list are open at time t (seconds). */
function openAt(alerts, t, end) {
  let n = 0;
  for (const a of alerts) {
    const start = Date.parse(a.started_at) / 1000;
    const stop = a.resolved_at ? Date.parse(a.resolved_at) / 1000 : end;
    if (start <= t && t < Math.max(stop, start + 1)) n++;
  }
  return n;
}

/** Alerts open over time: what the candidate rules would have raised beside what the rules in force raised. */
export function BacktestPlot({ result, height = 240 }) {
  const ref = usePlot((el, width) => {
    if (!result) return null;
    const from = Date.parse(result.from) / 1000;
    const to = Date.parse(result.to) / 1000;
    const span = Math.max(to - from, 3600);
    const step = span > 3 * 86400 ? 3600 : span > 86400 ? 900 : 300;
    const xs = [];
    for (let t = from; t <= to; t += step) xs.push(t);
    // Candidate above the axis, rules in force mirrored below it: equal episodes stay visible side by side.
    const data = [xs, xs.map((t) => openAt(result.candidate, t, to)), xs.map((t) => -openAt(result.current, t, to))];
    const top = Math.max(1, ...data[1], ...data[2].map((v) => -v)) + 1;
    const stepped = uPlot.paths.stepped({ align: 1 });
    return new uPlot({
      width,
      height,
      scales: { x: { time: true }, y: { range: () => [-top, top] } },
      axes: [{}, { label: 'alerts open', values: (u, vs) => vs.map((v) => (Number.isInteger(v) ? String(Math.abs(v)) : '')) }],
      series: [
        {},
        { label: `candidate (${result.candidate.length})`, stroke: COLORS.candidate, width: 2, paths: stepped, fill: 'rgba(130,80,223,0.18)', value: (u, v) => (v === null ? '—' : String(v)) },
        { label: `in force (${result.current.length})`, stroke: COLORS.current, width: 2, paths: stepped, fill: 'rgba(26,127,55,0.15)', value: (u, v) => (v === null ? '—' : String(-v)) },
      ],
    }, data, el);
  }, [result]);
  return html`<div class="plot" ref=${ref} data-testid="backtest-plot"></div>`;
}
