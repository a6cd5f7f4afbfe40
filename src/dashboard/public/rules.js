// The rules in force and an editor: change a threshold, backtest the candidate over the stored days
// beside what the rules in force raised, then apply it (a new version, with a reason) or roll back.
import { useEffect, useState } from './vendor/hooks.mjs';
import { get, post, put, del } from './api.js';
import { html, fmt, usePoll, ErrorBox, Updated, Badge } from './ui.js';
import { BacktestPlot } from './charts.js';

/** The keys with their own field; everything else is edited in the JSON below them. */
const FIELDS = [
  { key: 'min_ratio', label: 'Minimum ratio', type: 'number', hint: 'observed ÷ expected share' },
  { key: 'significance', label: 'Significance', type: 'number', hint: 'after correction, e.g. 0.01' },
  { key: 'window', label: 'Window', type: 'text', hint: 'e.g. 1h, 30m' },
  { key: 'baseline', label: 'Baseline', type: 'text', hint: 'e.g. 7d' },
  { key: 'min_accounts', label: 'Minimum accounts', type: 'number', hint: 'never below the privacy floor' },
  { key: 'min_conversations', label: 'Minimum conversations', type: 'number', hint: '' },
  { key: 'severity', label: 'Severity', type: 'select', options: ['', 'info', 'warning', 'critical'] },
];

const TEMPLATE = { name: 'new-rule', kind: 'spike', description: 'What this rule watches for.', match: { levels: ['leaf'] }, min_ratio: 3, significance: 0.001 };

const DAYS = [1, 3, 7, 14];

/** `rule.min_ratio`, `rules[0].min_ratio`, `body/rule/min_ratio` → ['min_ratio']: the path inside the rule. */
function rulePath(path) {
  const parts = String(path || '').split(/[/.[\]]+/).filter(Boolean);
  while (parts.length > 1 && ['body', 'rule', 'rules'].includes(parts[0])) {
    parts.shift();
    if (/^\d+$/.test(parts[0] || '')) parts.shift();
  }
  return parts;
}

function errorsByField(details) {
  const fields = {};
  const rest = [];
  for (const d of details) {
    const parts = rulePath(d.path);
    const field = FIELDS.find((f) => f.key === parts[0] && parts.length === 1);
    if (field) (fields[field.key] = fields[field.key] || []).push(d.message);
    else rest.push(d);
  }
  return { fields, rest };
}

function RuleList({ data, selected }) {
  return html`<table class="rules" data-testid="rule-list"><thead><tr><th>Rule</th><th>Kind</th><th>Levels</th><th class="num">Min ratio</th><th class="num">Significance</th><th>Window</th><th>Severity</th></tr></thead>
    <tbody>${data.rules.map((r) => html`<tr class=${r.name === selected ? 'highlight' : ''} data-rule=${r.name}>
      <td><a href="#/rules/${encodeURIComponent(r.name)}">${r.name}</a><div class="muted small">${r.description}</div></td>
      <td>${r.kind}</td>
      <td>${((r.match && r.match.levels) || ['default']).join(', ')}</td>
      <td class="num" data-field="min_ratio">${r.min_ratio ?? html`<span class="muted">default</span>`}</td>
      <td class="num">${r.significance ?? html`<span class="muted">default</span>`}</td>
      <td>${r.window ?? html`<span class="muted">default</span>`}</td>
      <td>${r.severity ?? html`<span class="muted">default</span>`}</td>
    </tr>`)}</tbody></table>`;
}

function Field({ field, value, errors, onChange, disabled }) {
  const id = `rule-${field.key}`;
  const shown = value === undefined || value === null ? '' : String(value);
  const set = (raw) => {
    if (raw === '') return onChange(undefined);
    if (field.type === 'number') { const n = Number(raw); return onChange(Number.isFinite(n) ? n : raw); }
    return onChange(raw);
  };
  return html`<div class="field ${errors ? 'invalid' : ''}">
    <label for=${id}>${field.label}</label>
    ${field.type === 'select'
      ? html`<select id=${id} name=${field.key} value=${shown} disabled=${disabled} onChange=${(e) => set(e.target.value)}>${field.options.map((o) => html`<option value=${o}>${o || 'default'}</option>`)}</select>`
      : html`<input id=${id} name=${field.key} type=${field.type === 'number' ? 'number' : 'text'} step="any" value=${shown} placeholder="default" disabled=${disabled} onInput=${(e) => set(e.target.value)} />`}
    ${field.hint ? html`<span class="hint muted small">${field.hint}</span>` : null}
    ${errors ? errors.map((m) => html`<span class="field-error" data-testid="field-error" data-field=${field.key}>${m}</span>`) : null}
  </div>`;
}

/** The rules of either set the backtest could not judge (emerging ones), with the server's reason: their alerts are in neither list. */
function NotBacktested({ result }) {
  const listed = result.not_backtested ?? (result.skipped ?? []).map((rule) => ({ rule, set: 'candidate' }));
  if (!listed.length) return null;
  const names = (set) => listed.filter((r) => r.set === set).map((r) => r.rule);
  const candidate = names('candidate');
  const current = names('current');
  const parts = [
    candidate.length ? html`<span data-testid="not-backtested-candidate">candidate: ${candidate.join(', ')}</span>` : null,
    candidate.length && current.length ? '; ' : null,
    current.length ? html`<span data-testid="not-backtested-current">in force: ${current.join(', ')}</span>` : null,
  ];
  // htm drops the whitespace around a line break: the spaces are written out.
  return html`<span class="muted" data-testid="not-backtested" title=${listed[0].reason ?? ''}>${' '}Not backtested (emerging rules score recent conversations, which are not kept over the period):${' '}${parts}.</span>`;
}

function BacktestResult({ result, names }) {
  // The server runs every rule in force; the comparison is with the same rules as the candidate.
  const current = result.current.filter((a) => names.includes(a.rule));
  const shown = { ...result, current };
  const rows = [...result.candidate.map((a) => ({ ...a, side: 'candidate' })), ...current.map((a) => ({ ...a, side: 'in force' }))]
    .sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
  return html`<div class="backtest" data-testid="backtest-result" data-candidate=${result.candidate.length} data-current=${current.length}>
    <h3>Backtest ${fmt.time(result.from)} – ${fmt.short(result.to)} <span class="muted small">(${result.took_ms} ms)</span></h3>
    <p>The candidate would have raised <strong data-testid="candidate-count">${result.candidate.length}</strong> alerts;
      the rule in force raised <strong data-testid="current-count">${current.length}</strong>${' '}<span class="muted">(all rules in force: ${result.current.length})</span>.
      <${NotBacktested} result=${result} /></p>
    <p class="muted small">Alerts open over time: the candidate above the axis, the rule in force below it.</p>
    <${BacktestPlot} result=${shown} />
    ${rows.length ? html`<details><summary>The alerts (${rows.length})</summary><table><thead><tr><th></th><th>Started</th><th>Resolved</th><th>Rule</th><th>Subject</th><th class="num">Ratio</th></tr></thead>
      <tbody>${rows.slice(0, 200).map((a) => html`<tr><td><${Badge} kind=${a.side === 'candidate' ? 'candidate' : 'current'}>${a.side}<//></td><td>${fmt.short(a.started_at)}</td><td>${a.resolved_at ? fmt.short(a.resolved_at) : '—'}</td>
        <td>${a.rule}</td><td>${a.subject === 'policy_area' ? `Policy area: ${a.cluster_name}` : html`<a href="#/clusters/${encodeURIComponent(a.cluster_id)}">${a.cluster_name}</a>`}</td><td class="num">${fmt.ratio(a.ratio)}</td></tr>`)}</tbody></table></details>` : null}
  </div>`;
}

/** The backtest period of the last `days` days before the latest closed window: {} for the server's default (7). */
async function periodOf(days) {
  if (days === 7) return {};
  const overview = await get('/api/overview');
  const end = Date.parse(overview.window.end);
  return { from: new Date(end - days * 86400_000).toISOString(), to: new Date(end).toISOString() };
}

function Editor({ original, isNew, canWrite, onApplied }) {
  const [draft, setDraft] = useState(original);
  const [json, setJson] = useState(JSON.stringify(original, null, 2));
  const [jsonError, setJsonError] = useState(null);
  const [details, setDetails] = useState([]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(null);
  const [result, setResult] = useState(null);
  const [reason, setReason] = useState('');
  const [days, setDays] = useState(7);
  const [applied, setApplied] = useState(null);

  // A new reading of the same rule (a refresh, or the version just applied) resets the draft, not the outcome shown.
  useEffect(() => { setDraft(original); setJson(JSON.stringify(original, null, 2)); setDetails([]); setJsonError(null); }, [original]);
  // A backtest is likely once the editor is open: the server loads its workers and reads the counts
  // of the period meanwhile (a hint; failures do not matter). Again when the period changes.
  useEffect(() => { if (canWrite) periodOf(days).then((period) => post('/api/backtest/prepare', period)).catch(() => {}); }, [canWrite, days]);

  const update = (key, value) => {
    const next = { ...draft };
    if (value === undefined) delete next[key]; else next[key] = value;
    setDraft(next);
    setJson(JSON.stringify(next, null, 2));
    setJsonError(null);
  };
  const editJson = (text) => {
    setJson(text);
    try { const parsed = JSON.parse(text); if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('a rule is a JSON object'); setDraft(parsed); setJsonError(null); } catch (e) { setJsonError(e.message); }
  };
  const fail = (e) => {
    if (e.status === 400 && e.details.length) { setDetails(e.details); setError({ message: 'The rule is not valid: see the marked fields' }); } else setError(e);
  };

  const backtest = async () => {
    setBusy('backtest'); setError(null); setDetails([]); setResult(null);
    try {
      setResult(await post('/api/backtest', { rules: [draft], ...(await periodOf(days)) }));
    } catch (e) { fail(e); } finally { setBusy(null); }
  };
  const apply = async () => {
    setBusy('apply'); setError(null); setDetails([]);
    try {
      const res = await put(`/api/rules/${encodeURIComponent(isNew ? draft.name : original.name)}`, { rule: draft, reason: reason.trim() || 'edited in the dashboard' });
      setApplied(res.version);
      onApplied(draft.name, res.version);
    } catch (e) { fail(e); } finally { setBusy(null); }
  };
  const remove = async () => {
    if (!confirm(`Delete rule ${original.name}?`)) return;
    setBusy('delete'); setError(null);
    try { const res = await del(`/api/rules/${encodeURIComponent(original.name)}?reason=${encodeURIComponent(reason.trim() || 'deleted in the dashboard')}`); onApplied(null, res.version); } catch (e) { fail(e); } finally { setBusy(null); }
  };

  const { fields, rest } = errorsByField(details);
  const changed = JSON.stringify(draft) !== JSON.stringify(original);
  return html`<div class="editor" data-testid="rule-editor">
    <h2>${isNew ? 'New rule' : html`Edit <code>${original.name}</code>`} ${changed ? html`<${Badge} kind="candidate">changed<//>` : null}</h2>
    ${canWrite ? null : html`<p class="muted">Your role can read the rules but not change them (analyst needed).</p>`}
    <div class="fields">${FIELDS.map((f) => html`<${Field} field=${f} value=${draft[f.key]} errors=${fields[f.key]} disabled=${!canWrite} onChange=${(v) => update(f.key, v)} />`)}</div>
    <div class="field wide ${jsonError || rest.length ? 'invalid' : ''}">
      <label for="rule-json">The whole rule (JSON, as in the YAML files)</label>
      <textarea id="rule-json" rows="14" spellcheck="false" value=${json} disabled=${!canWrite} onInput=${(e) => editJson(e.target.value)}></textarea>
      ${jsonError ? html`<span class="field-error">${jsonError}</span>` : null}
      ${rest.map((d) => html`<span class="field-error" data-testid="field-error" data-field=${d.path}><code>${d.path || '/'}</code> ${d.message}</span>`)}
    </div>
    <${ErrorBox} error=${error} />
    <div class="toolbar">
      <label>Backtest over <select value=${days} onChange=${(e) => setDays(Number(e.target.value))}>${DAYS.map((d) => html`<option value=${d}>last ${d} day${d > 1 ? 's' : ''}</option>`)}</select></label>
      <button data-testid="backtest" disabled=${!canWrite || !!jsonError || busy} onClick=${backtest}>${busy === 'backtest' ? 'Backtesting…' : 'Backtest'}</button>
      <input class="reason" placeholder="reason for the change" value=${reason} disabled=${!canWrite} onInput=${(e) => setReason(e.target.value)} data-testid="reason" />
      <button class="primary" data-testid="apply" disabled=${!canWrite || !!jsonError || busy || (!changed && !isNew)} onClick=${apply}>${busy === 'apply' ? 'Applying…' : 'Apply'}</button>
      ${!isNew && canWrite ? html`<button class="danger" disabled=${!!busy} onClick=${remove}>Delete</button>` : null}
    </div>
    ${applied !== null ? html`<p class="ok" data-testid="applied">Applied as version ${applied}: the detector uses it within seconds.</p>` : null}
    ${result ? html`<${BacktestResult} result=${result} names=${[original.name, draft.name]} />` : null}
  </div>`;
}

function History({ canWrite, onRolledBack, refreshKey }) {
  const { data, error } = usePoll(() => get('/api/rules/history'), [refreshKey], 60_000);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const rollback = async (version) => {
    setBusy(true); setErr(null);
    try { const res = await post('/api/rules/rollback', { version, reason: `rollback to version ${version} from the dashboard` }); onRolledBack(res.version); } catch (e) { setErr(e); } finally { setBusy(false); }
  };
  return html`<div class="history"><h2>History</h2><${ErrorBox} error=${error || err} />
    ${data && data.versions.length === 0 ? html`<p class="muted">No edit yet: the rules in force are those of the rule files.</p>` : null}
    ${data && data.versions.length ? html`<table data-testid="rule-history"><thead><tr><th>Version</th><th>When</th><th>Author</th><th>Reason</th><th class="num">Rules</th><th></th></tr></thead>
      <tbody>${data.versions.map((v, i) => html`<tr><td>${v.version}</td><td>${fmt.time(v.created_at)}</td><td>${v.author}</td><td>${v.reason}</td><td class="num">${v.rules}</td>
        <td>${i > 0 && canWrite ? html`<button disabled=${busy} onClick=${() => rollback(v.version)}>roll back to this</button>` : i === 0 ? html`<${Badge} kind="firing">in force<//>` : null}</td></tr>`)}</tbody></table>` : null}</div>`;
}

export function RulesPage({ name, me }) {
  const [refreshKey, setRefreshKey] = useState(0);
  const { data, error, loading, at } = usePoll(() => get('/api/rules'), [refreshKey]);
  const canWrite = !!me && me.role !== 'viewer';
  const isNew = name === '+new';
  const selected = data && !isNew ? data.rules.find((r) => r.name === name) : null;
  // Keep the editor on the rule last read, so a refresh in the background does not reset a draft.
  const [original, setOriginal] = useState(null);
  useEffect(() => { setOriginal(isNew ? TEMPLATE : selected || null); }, [name, isNew, data && selected && JSON.stringify(selected)]);
  const changed = (newName, version) => {
    setRefreshKey((k) => k + 1);
    if (newName && newName !== name) location.hash = `#/rules/${encodeURIComponent(newName)}`;
    if (!newName) location.hash = '#/rules';
  };
  return html`<section data-testid="rules">
    <h1>Rules <${Updated} at=${at} loading=${loading} /></h1>
    <${ErrorBox} error=${error} />
    ${data ? html`<p class="muted">Version <strong data-testid="rules-version">${data.version}</strong> in force, from ${data.source === 'database' ? 'the database (edited here)' : 'the rule files'}.
      ${canWrite ? html` <a href="#/rules/+new">New rule…</a>` : null}</p>
      <${RuleList} data=${data} selected=${name} />` : null}
    ${name && data && !original ? html`<p class="muted">No rule named ${name}.</p>` : null}
    ${original ? html`<${Editor} key=${name} original=${original} isNew=${isNew} canWrite=${canWrite} onApplied=${changed} />` : null}
    <${History} canWrite=${canWrite} onRolledBack=${() => changed(name)} refreshKey=${refreshKey} />
  </section>`;
}
