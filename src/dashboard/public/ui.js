// Shared view helpers: the htm binding, number and time formats, a sparkline, and a polling hook.
import { h } from './vendor/preact.mjs';
import { useCallback, useEffect, useRef, useState } from './vendor/hooks.mjs';
import htm from './vendor/htm.mjs';

export const html = htm.bind(h);

/** How often every page re-reads its data: a launch is watched live. */
export const REFRESH_MS = 15_000;

export const fmt = {
  int: (n) => (n === null || n === undefined ? '—' : new Intl.NumberFormat('en-US').format(n)),
  pct: (share) => (share === null || share === undefined ? '—' : `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`),
  ratio: (r) => (r === null || r === undefined ? '—' : `${r.toFixed(1)}×`),
  time: (iso) => (iso ? new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '—'),
  short: (iso) => (iso ? new Date(iso).toISOString().slice(5, 16).replace('T', ' ') : '—'),
};

export const href = {
  cluster: (id) => `#/clusters/${encodeURIComponent(id)}`,
};

/**
 * Calls `load` now, every REFRESH_MS while the tab is visible, and when `deps` change. Keeps the last
 * good data on a failed refresh, so a blip does not blank the page.
 */
export function usePoll(load, deps, intervalMs = REFRESH_MS) {
  const [state, setState] = useState({ data: null, error: null, loading: true, at: null });
  const seq = useRef(0);
  const run = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const data = await load();
      if (mine === seq.current) setState({ data, error: null, loading: false, at: new Date() });
    } catch (error) {
      if (mine === seq.current) setState((s) => ({ ...s, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    setState((s) => ({ ...s, loading: true }));
    run();
    const timer = setInterval(() => { if (document.visibilityState !== 'hidden') run(); }, intervalMs);
    return () => { clearInterval(timer); seq.current++; };
  }, [run]);
  return { ...state, reload: run };
}

/** Share of the last buckets as a small line; gaps where a bucket is suppressed by the privacy gate. */
export function Sparkline({ values, width = 120, height = 24 }) {
  const points = values || [];
  const known = points.filter((v) => v !== null && v !== undefined);
  if (known.length === 0) return html`<span class="muted">no data</span>`;
  const top = Math.max(...known) || 1;
  const step = points.length > 1 ? width / (points.length - 1) : width;
  const segments = [];
  let current = [];
  points.forEach((v, i) => {
    if (v === null || v === undefined) { if (current.length) segments.push(current); current = []; return; }
    current.push(`${(i * step).toFixed(1)},${(height - 2 - (v / top) * (height - 4)).toFixed(1)}`);
  });
  if (current.length) segments.push(current);
  return html`<svg class="sparkline" width=${width} height=${height} viewBox="0 0 ${width} ${height}" role="img" aria-label="share over the last buckets">
    ${segments.map((s) => (s.length === 1
      ? html`<circle cx=${s[0].split(',')[0]} cy=${s[0].split(',')[1]} r="1.5" />`
      : html`<polyline points=${s.join(' ')} />`))}
  </svg>`;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  const status = error.status ? ` (${error.status})` : '';
  const hint = error.status === 403 ? ' Your token\'s role does not allow this.' : '';
  return html`<div class="error" role="alert">${error.message}${status}.${hint}</div>`;
}

export function Badge({ kind, children }) {
  return html`<span class="badge badge-${kind}">${children}</span>`;
}

export function Updated({ at, loading }) {
  return html`<span class="updated muted">${loading ? 'refreshing…' : at ? `updated ${at.toISOString().slice(11, 19)} UTC` : ''}</span>`;
}
