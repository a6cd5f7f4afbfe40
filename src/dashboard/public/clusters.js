// The catalog as a tree with search, and one cluster's page: its series against the expected band
// with alert markers, its parent and children, its policy areas.
import { useEffect, useState } from './vendor/hooks.mjs';
import { get, query } from './api.js';
import { html, fmt, href, usePoll, Sparkline, ErrorBox, Updated, Badge } from './ui.js';
import { SeriesPlot } from './charts.js';
import { ClusterRows } from './overview.js';

function TreeNode({ row, byId, depth, closed, toggle }) {
  const kids = row.children.map((id) => byId.get(id)).filter(Boolean);
  const isOpen = !closed.has(row.id);
  return html`<li data-cluster=${row.id}>
    <div class="node" style=${{ paddingLeft: `${depth * 1.2}rem` }}>
      ${kids.length ? html`<button class="twisty" aria-expanded=${isOpen} onClick=${() => toggle(row.id)}>${isOpen ? '▾' : '▸'}</button>` : html`<span class="twisty"></span>`}
      <a href=${href.cluster(row.id)}>${row.name}</a>
      ${row.provisional ? html`<${Badge} kind="provisional">provisional<//>` : ''}
      ${row.level === 'parent' ? html`<span class="muted small">${row.children.length} ${row.children.length === 1 ? 'child' : 'children'}</span>` : ''}
      <span class="spacer"></span>
      <span class="num">${fmt.int(row.conversations)}</span>
      <span class="num">${fmt.pct(row.share)}</span>
      <span class="num ${row.ratio !== null && row.ratio >= 2 ? 'hot' : ''}">${fmt.ratio(row.ratio)}</span>
      <span class="spark-cell"><${Sparkline} values=${row.sparkline} width=${90} height=${18} /></span>
    </div>
    ${isOpen && kids.length ? html`<ul>${kids.map((k) => html`<${TreeNode} row=${k} byId=${byId} depth=${depth + 1} closed=${closed} toggle=${toggle} />`)}</ul>` : null}
  </li>`;
}

export function ClusterTree({ q }) {
  const [text, setText] = useState(q);
  const { data, error, loading, at } = usePoll(() => get(`/api/clusters${query({ q })}`), [q]);
  // Parents start open: the tree is small enough to read whole, and collapsing is one click.
  const [closed, setClosed] = useState(new Set());
  // Typing updates the hash after a pause, so a search is a link too.
  useEffect(() => {
    const t = setTimeout(() => { if (text !== q) location.hash = `#/clusters${query({ q: text })}`; }, 300);
    return () => clearTimeout(t);
  }, [text]);
  const toggle = (id) => setClosed((s) => { const n = new Set(s); n.has(id) ? n.delete(id) : n.add(id); return n; });
  let body = null;
  if (data) {
    const byId = new Map(data.clusters.map((c) => [c.id, c]));
    const roots = q ? data.clusters : data.clusters.filter((c) => !c.parent_id || !byId.has(c.parent_id));
    body = html`
      <p class="muted">Catalog ${data.catalog_version} · window ${fmt.time(data.window.start)} – ${fmt.short(data.window.end)} ·
        clusters shown meet the minimums (${data.minimums.conversations} conversations, ${data.minimums.accounts} accounts)</p>
      <div class="tree-head"><span>Cluster</span><span class="spacer"></span><span class="num">Conversations</span><span class="num">Share</span><span class="num">Ratio</span><span class="spark-head">Trend</span></div>
      <ul class="tree" data-testid="cluster-tree">${roots.map((r) => html`<${TreeNode} row=${r} byId=${byId} depth=${0} closed=${closed} toggle=${toggle} />`)}</ul>
      ${data.clusters.length === 0 ? html`<p class="muted">${q ? 'No cluster matches.' : 'No cluster meets the privacy minimums yet.'}</p>` : null}
      ${data.other.clusters > 0 ? html`<p class="other muted" data-testid="other">Other (${data.other.clusters} clusters under the minimums${data.other.conversations !== null ? `, ${fmt.int(data.other.conversations)} conversations` : ''})</p>` : null}`;
  }
  return html`<section data-testid="clusters">
    <h1>Clusters <${Updated} at=${at} loading=${loading} /></h1>
    <input type="search" class="search" placeholder="Search names and descriptions" value=${text} onInput=${(e) => setText(e.target.value)} data-testid="cluster-search" />
    <${ErrorBox} error=${error} />
    ${body}
  </section>`;
}

const RANGES = [
  { key: '6h', label: '6 hours', seconds: 6 * 3600, step: '5m' },
  { key: '24h', label: '24 hours', seconds: 86400, step: '15m' },
  { key: '7d', label: '7 days', seconds: 7 * 86400, step: '1h' },
  { key: '14d', label: '14 days', seconds: 14 * 86400, step: '1d' },
];

async function loadCluster(id, range) {
  // The series ends at the monitor's event clock (the catalog's current window), not at this browser's clock.
  // A cluster quiet in the current window has no row (privacy minimums) but may still have a series.
  const [row, list] = await Promise.all([
    get(`/api/clusters/${encodeURIComponent(id)}`).catch((e) => { if (e.status === 404) return null; throw e; }),
    get('/api/clusters'),
  ]);
  const end = Date.parse(list.window.end);
  const from = new Date(end - range.seconds * 1000).toISOString();
  const series = await get(`/api/clusters/${encodeURIComponent(id)}/series${query({ from, to: new Date(end).toISOString(), step: range.step })}`)
    .catch((e) => { if (e.status === 404 && row === null) return null; throw e; });
  if (row === null && series === null) throw Object.assign(new Error('Unknown cluster'), { status: 404 });
  const names = new Map(list.clusters.map((c) => [c.id, c]));
  return { row, series, names };
}

const QUIET = { id: null, name: null, description: '', level: null, parent_id: null, children: [], provisional: false, policy_areas: [], conversations: null, accounts: null, share: null, expected_share: null, ratio: null };

export function ClusterPage({ id, highlight }) {
  const [rangeKey, setRangeKey] = useState('24h');
  const range = RANGES.find((r) => r.key === rangeKey);
  const { data, error, loading, at } = usePoll(() => loadCluster(id, range), [id, rangeKey]);
  if (error && !data) {
    return html`<section><h1>Cluster</h1><${ErrorBox} error=${error.status === 404 ? { message: 'Unknown cluster' } : error} />
      <p><a href="#/clusters">All clusters</a></p></section>`;
  }
  if (!data) return html`<section><h1>Cluster</h1><p class="muted">Loading…</p></section>`;
  const { series, names } = data;
  // Under the minimums in the current window: the series still shows, the window's figures do not.
  const quiet = data.row === null;
  const row = data.row || { ...QUIET, id, name: id };
  const parent = row.parent_id ? names.get(row.parent_id) : null;
  const children = row.children.map((c) => names.get(c) || { id: c, name: null });
  return html`<section data-testid="cluster-page" data-cluster=${row.id}>
    <p class="crumbs"><a href="#/clusters">Clusters</a> ›
      ${row.parent_id ? html`<a href=${href.cluster(row.parent_id)}>${parent ? parent.name : 'parent (under the minimums)'}</a> › ` : ''}</p>
    <h1>${row.name} ${row.provisional ? html`<${Badge} kind="provisional">provisional<//>` : ''} <${Updated} at=${at} loading=${loading} /></h1>
    ${quiet ? html`<p class="muted" data-testid="quiet">Under the privacy minimums in the current window: its figures are held back; the series below shows the steps that meet them.</p>` : html`<p>${row.description}</p>`}
    ${quiet ? null : html`<p>${row.policy_areas.length ? row.policy_areas.map((a) => html`<${Badge} kind="area">${a}<//> `) : html`<span class="muted">no policy area</span>`}
      <span class="muted"> · ${row.level}</span></p>`}
    <${ErrorBox} error=${error} />
    ${quiet ? null : html`<div class="cards">
      <div class="card"><div class="label">Conversations</div><div class="value">${fmt.int(row.conversations)}</div></div>
      <div class="card"><div class="label">Accounts</div><div class="value">${fmt.int(row.accounts)}</div></div>
      <div class="card"><div class="label">Share (expected)</div><div class="value">${fmt.pct(row.share)} <span class="muted small">(${fmt.pct(row.expected_share)})</span></div></div>
      <div class="card"><div class="label">Ratio</div><div class="value ${row.ratio !== null && row.ratio >= 2 ? 'hot' : ''}">${fmt.ratio(row.ratio)}</div></div>
    </div>`}
    <div class="toolbar">
      ${RANGES.map((r) => html`<button class=${r.key === rangeKey ? 'active' : ''} onClick=${() => setRangeKey(r.key)}>${r.label}</button>`)}
      <span class="legend"><span class="key share"></span>share <span class="key expected"></span>expected <span class="key band"></span>expected band <span class="key alert"></span>alert</span>
    </div>
    <${SeriesPlot} series=${series} />
    ${series.points.some((p) => p.suppressed) ? html`<p class="muted small">Gaps: buckets under the privacy minimums are suppressed.</p>` : null}
    <h2>Alerts in this period</h2>
    ${series.alerts.length === 0 ? html`<p class="muted">None.</p>` : html`<table><thead><tr><th>When</th><th>Rule</th><th>Kind</th><th>State</th></tr></thead>
      <tbody>${series.alerts.map((a) => html`<tr class=${a.id === highlight ? 'highlight' : ''}><td>${fmt.time(a.at)}</td><td><a href="#/rules/${encodeURIComponent(a.rule)}">${a.rule}</a></td><td>${a.kind}</td><td><${Badge} kind=${a.state}>${a.state}<//></td></tr>`)}</tbody></table>`}
    <p><a href="#/silences?cluster_id=${encodeURIComponent(row.id)}">Silence this cluster…</a> · <a href="#/alerts?cluster=${encodeURIComponent(row.id)}">All its alerts</a></p>
    ${children.length ? html`<h2>Children</h2>
      <${ClusterRows} rows=${children.filter((c) => c.name !== null)} />
      ${children.some((c) => c.name === null) ? html`<p class="muted small">${children.filter((c) => c.name === null).length} more under the privacy minimums.</p>` : null}` : null}
  </section>`;
}
