// Firing, resolved and silenced alerts, with the same aggregate figures as the alert messages.
import { get, query } from './api.js';
import { html, fmt, href, usePoll, ErrorBox, Updated, Badge } from './ui.js';

const STATES = ['', 'firing', 'resolved', 'silenced'];
const KINDS = ['', 'spike', 'emerging'];

function setParam(params, key, value) {
  const next = new URLSearchParams(params);
  if (value) next.set(key, value); else next.delete(key);
  location.hash = `#/alerts${next.toString() ? `?${next}` : ''}`;
}

export function AlertsPage({ params }) {
  const state = params.get('state') || '';
  const kind = params.get('kind') || '';
  const rule = params.get('rule') || '';
  // The server filters by state, kind and rule; policy area and cluster (links from Slack and cluster pages) here.
  const area = params.get('policy_area') || '';
  const cluster = params.get('cluster') || '';
  const highlight = params.get('alert');
  const { data, error, loading, at } = usePoll(() => get(`/api/alerts${query({ state, kind, rule })}`), [state, kind, rule]);
  const alerts = data ? data.alerts.filter((a) => (!area || a.cluster.policy_areas.includes(area)) && (!cluster || a.cluster.id === cluster)) : [];
  return html`<section data-testid="alerts">
    <h1>Alerts <${Updated} at=${at} loading=${loading} /></h1>
    <div class="toolbar">
      <label>State <select value=${state} onChange=${(e) => setParam(params, 'state', e.target.value)}>${STATES.map((s) => html`<option value=${s}>${s || 'any'}</option>`)}</select></label>
      <label>Kind <select value=${kind} onChange=${(e) => setParam(params, 'kind', e.target.value)}>${KINDS.map((s) => html`<option value=${s}>${s || 'any'}</option>`)}</select></label>
      <label>Rule <input value=${rule} placeholder="any" onChange=${(e) => setParam(params, 'rule', e.target.value.trim())} /></label>
      ${area ? html`<span>Policy area <${Badge} kind="area">${area}<//> <a href="#" onClick=${(e) => { e.preventDefault(); setParam(params, 'policy_area', ''); }}>×</a></span>` : null}
      ${cluster ? html`<span>Cluster ${cluster} <a href="#" onClick=${(e) => { e.preventDefault(); setParam(params, 'cluster', ''); }}>×</a></span>` : null}
    </div>
    <${ErrorBox} error=${error} />
    ${data && alerts.length === 0 ? html`<p class="muted">No alert matches.</p>` : null}
    ${alerts.length ? html`<table data-testid="alert-rows"><thead><tr><th>Started</th><th>State</th><th>Severity</th><th>Rule</th><th>Subject</th>
        <th class="num">Conversations</th><th class="num">Accounts</th><th class="num">Share (expected)</th><th class="num">Ratio</th><th>Resolved</th><th></th></tr></thead>
      <tbody>${alerts.map((a) => {
        const isArea = a.subject === 'policy_area';
        return html`<tr class=${a.id === highlight ? 'highlight' : ''}>
          <td>${fmt.time(a.started_at)}</td>
          <td><${Badge} kind=${a.state}>${a.state}<//></td>
          <td><${Badge} kind=${a.severity}>${a.severity}<//></td>
          <td><a href="#/rules/${encodeURIComponent(a.rule)}">${a.rule}</a> <span class="muted small">${a.kind}</span></td>
          <td>${isArea ? html`Policy area: ${a.cluster.name}` : html`<a href=${href.cluster(a.cluster.id)}>${a.cluster.name}</a>`}
            ${a.cluster.policy_areas.map((p) => html` <${Badge} kind="area">${p}<//>`)}</td>
          <td class="num">${fmt.int(a.conversations)}</td>
          <td class="num">${fmt.int(a.accounts)}</td>
          <td class="num">${fmt.pct(a.observed_share)} <span class="muted">(${fmt.pct(a.expected_share)})</span></td>
          <td class="num">${fmt.ratio(a.ratio)}</td>
          <td>${a.resolved_at ? fmt.short(a.resolved_at) : '—'}</td>
          <td><a href="#/silences?${isArea ? `policy_area=${encodeURIComponent(a.cluster.policy_areas[0] || '')}` : `cluster_id=${encodeURIComponent(a.cluster.id)}`}&rule=${encodeURIComponent(a.rule)}">silence…</a></td>
        </tr>`;
      })}</tbody></table>` : null}
  </section>`;
}
