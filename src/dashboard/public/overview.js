// The page kept open during a launch: traffic in the current window, alerts firing, and the clusters
// that moved most against their expected share.
import { get } from './api.js';
import { html, fmt, href, usePoll, Sparkline, ErrorBox, Updated, Badge } from './ui.js';

export function ClusterRows({ rows, showParent = false }) {
  // Parent names come from the rows themselves; a parent under the minimums is not named here.
  const names = new Map(rows.map((c) => [c.id, c.name]));
  return html`<table class="clusters" data-testid="cluster-rows">
    <thead><tr><th>Cluster</th><th>Policy areas</th><th class="num">Conversations</th><th class="num">Accounts</th>
      <th class="num">Share</th><th class="num">Expected</th><th class="num">Ratio</th><th>Last 24 buckets</th><th>Last alert</th></tr></thead>
    <tbody>${rows.map((c) => html`<tr data-cluster=${c.id}>
      <td><a href=${href.cluster(c.id)}>${c.name}</a>${c.provisional ? html` <${Badge} kind="provisional">provisional<//>` : ''}
        ${showParent && c.parent_id && names.has(c.parent_id) ? html`<div class="muted small">in ${names.get(c.parent_id)}</div>` : ''}</td>
      <td>${c.policy_areas.map((a) => html`<${Badge} kind="area">${a}<//> `)}</td>
      <td class="num">${fmt.int(c.conversations)}</td>
      <td class="num">${fmt.int(c.accounts)}</td>
      <td class="num">${fmt.pct(c.share)}</td>
      <td class="num">${fmt.pct(c.expected_share)}</td>
      <td class="num ${c.ratio !== null && c.ratio >= 2 ? 'hot' : ''}">${fmt.ratio(c.ratio)}</td>
      <td><${Sparkline} values=${c.sparkline} /></td>
      <td>${c.last_alert ? html`<${Badge} kind=${c.last_alert.state}>${c.last_alert.state}<//> ${c.last_alert.rule} <span class="muted">${fmt.short(c.last_alert.at)}</span>` : html`<span class="muted">—</span>`}</td>
    </tr>`)}</tbody>
  </table>`;
}

export function Overview() {
  const { data, error, loading, at } = usePoll(() => get('/api/overview'), []);
  return html`<section data-testid="overview">
    <h1>Overview <${Updated} at=${at} loading=${loading} /></h1>
    <${ErrorBox} error=${error} />
    ${data ? html`
      <div class="cards">
        <div class="card"><div class="label">Conversations this window</div><div class="value" data-testid="traffic">${fmt.int(data.conversations)}</div>
          <div class="muted small">${fmt.time(data.window.start)} – ${fmt.short(data.window.end)}</div></div>
        <div class="card ${data.alerts_firing > 0 ? 'alarm' : ''}"><div class="label">Alerts firing</div>
          <div class="value"><a href="#/alerts?state=firing" data-testid="alerts-firing">${fmt.int(data.alerts_firing)}</a></div></div>
        <div class="card"><div class="label">Privacy minimums</div><div class="value small">${data.accounts_min_ok ? 'met' : 'not met: figures held back'}</div>
          <div class="muted small">generated ${fmt.short(data.generated_at)}</div></div>
      </div>
      <h2>Top movers by ratio</h2>
      ${data.top_movers.length === 0 ? html`<p class="muted">No cluster meets the privacy minimums in this window yet.</p>` : html`<${ClusterRows} rows=${data.top_movers} showParent=${true} />`}
      <p><a href="#/clusters">All clusters →</a></p>` : null}
  </section>`;
}
