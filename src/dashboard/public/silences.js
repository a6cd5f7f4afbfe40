// Silences as in Alertmanager: matchers, a period, who and why. Active and expired are listed apart.
import { useState } from './vendor/hooks.mjs';
import { get, post, del } from './api.js';
import { html, fmt, href, usePoll, ErrorBox, Updated, Badge } from './ui.js';

const MATCHERS = [
  { key: 'rule', label: 'Rule' },
  { key: 'cluster_id', label: 'Cluster id' },
  { key: 'policy_area', label: 'Policy area' },
  { key: 'severity', label: 'Severity', options: ['', 'info', 'warning', 'critical'] },
];
const DURATIONS = [['1h', 3600], ['4h', 4 * 3600], ['24h', 86400], ['7d', 7 * 86400]];

function Matchers({ m }) {
  return html`${Object.entries(m).map(([k, v]) => html`<span class="matcher"><code>${k}=${k === 'cluster_id' ? html`<a href=${href.cluster(v)}>${v}</a>` : v}</code></span> `)}`;
}

function SilenceForm({ params, onCreated }) {
  const [m, setM] = useState(() => Object.fromEntries(MATCHERS.map((x) => [x.key, params.get(x.key) || ''])));
  const [duration, setDuration] = useState(3600);
  const [comment, setComment] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      const matchers = Object.fromEntries(Object.entries(m).filter(([, v]) => v.trim()).map(([k, v]) => [k, v.trim()]));
      const created = await post('/api/silences', { matchers, ends_at: new Date(Date.now() + duration * 1000).toISOString(), comment });
      setComment('');
      onCreated(created);
    } catch (err) { setError(err); } finally { setBusy(false); }
  };
  const details = error && error.details ? error.details : [];
  return html`<form class="silence-form" onSubmit=${submit} data-testid="silence-form">
    <h2>New silence</h2>
    <div class="fields">
      ${MATCHERS.map((x) => html`<div class="field"><label>${x.label}</label>${x.options
        ? html`<select value=${m[x.key]} onChange=${(e) => setM({ ...m, [x.key]: e.target.value })}>${x.options.map((o) => html`<option value=${o}>${o || 'any'}</option>`)}</select>`
        : html`<input name=${x.key} value=${m[x.key]} placeholder="any" onInput=${(e) => setM({ ...m, [x.key]: e.target.value })} />`}
        ${details.filter((d) => d.path.includes(x.key)).map((d) => html`<span class="field-error">${d.message}</span>`)}</div>`)}
      <div class="field"><label>For</label><select value=${duration} onChange=${(e) => setDuration(Number(e.target.value))}>${DURATIONS.map(([l, s]) => html`<option value=${s}>${l}</option>`)}</select></div>
      <div class="field wide"><label>Comment</label><input name="comment" value=${comment} required placeholder="why (shown to everyone)" onInput=${(e) => setComment(e.target.value)} /></div>
    </div>
    <${ErrorBox} error=${error} />
    <button type="submit" class="primary" disabled=${busy}>Silence</button>
  </form>`;
}

export function SilencesPage({ me, params }) {
  const [key, setKey] = useState(0);
  const { data, error, loading, at } = usePoll(() => get('/api/silences'), [key]);
  const [err, setErr] = useState(null);
  const canWrite = !!me && me.role !== 'viewer';
  const expire = async (id) => {
    setErr(null);
    try { await del(`/api/silences/${encodeURIComponent(id)}`); setKey((k) => k + 1); } catch (e) { setErr(e); }
  };
  const table = (list, active) => html`<table data-testid=${active ? 'silences-active' : 'silences-expired'}><thead><tr><th>Matchers</th><th>From</th><th>Until</th><th>Author</th><th>Comment</th><th></th></tr></thead>
    <tbody>${list.map((s) => html`<tr><td><${Matchers} m=${s.matchers} /></td><td>${fmt.time(s.starts_at)}</td><td>${fmt.time(s.ends_at)}</td><td>${s.author}</td><td>${s.comment}</td>
      <td>${active && canWrite ? html`<button onClick=${() => expire(s.id)}>expire</button>` : active ? html`<${Badge} kind="firing">active<//>` : null}</td></tr>`)}</tbody></table>`;
  return html`<section data-testid="silences">
    <h1>Silences <${Updated} at=${at} loading=${loading} /></h1>
    <${ErrorBox} error=${error || err} />
    ${canWrite ? html`<${SilenceForm} params=${params} onCreated=${() => setKey((k) => k + 1)} />` : html`<p class="muted">An analyst token is needed to add or expire silences.</p>`}
    ${data ? html`<h2>Active</h2>${data.active.length ? table(data.active, true) : html`<p class="muted">None.</p>`}
      <h2>Expired</h2>${data.expired.length ? table(data.expired, false) : html`<p class="muted">None.</p>`}` : null}
  </section>`;
}
