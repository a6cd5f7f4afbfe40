// The workbench's single page: a header, hash routing (#/clusters/<id> links work from Slack and
// bookmarks), and the token dialog the API layer opens when it has no token or the server refused it.
import { render } from './vendor/preact.mjs';
import { useEffect, useState } from './vendor/hooks.mjs';
import { get, onTokenNeeded, setToken, forgetToken } from './api.js';
import { html } from './ui.js';
import { Overview } from './overview.js';
import { ClusterTree, ClusterPage } from './clusters.js';
import { AlertsPage } from './alerts.js';
import { RulesPage } from './rules.js';
import { SilencesPage } from './silences.js';

/** `#/clusters/c-1?alert=x` → { parts: ['clusters', 'c-1'], params: URLSearchParams }. */
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, search] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(search || '') };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function TokenDialog({ ask }) {
  const [value, setValue] = useState('');
  const submit = (e) => {
    e.preventDefault();
    if (!value.trim()) return;
    setToken(value.trim());
    ask.resolve();
  };
  return html`<div class="overlay">
    <form class="dialog" onSubmit=${submit} data-testid="token-form">
      <h2>Workbench token</h2>
      <p>${ask.reason}</p>
      <p class="muted">Kept in this browser only (localStorage). Create one with <code>clio-stream tokens create --name N --role R</code>.</p>
      <input type="password" name="token" autocomplete="off" placeholder="token" value=${value} onInput=${(e) => setValue(e.target.value)} autofocus />
      <button type="submit">Use token</button>
    </form>
  </div>`;
}

const NAV = [
  ['', 'Overview'],
  ['clusters', 'Clusters'],
  ['alerts', 'Alerts'],
  ['rules', 'Rules'],
  ['silences', 'Silences'],
];

function Page({ route, me }) {
  const [section, id] = route.parts;
  switch (section) {
    case undefined: return html`<${Overview} />`;
    case 'clusters': return id ? html`<${ClusterPage} id=${id} highlight=${route.params.get('alert')} />` : html`<${ClusterTree} q=${route.params.get('q') || ''} />`;
    case 'alerts': return html`<${AlertsPage} params=${route.params} />`;
    case 'rules': return html`<${RulesPage} name=${id} me=${me} />`;
    case 'silences': return html`<${SilencesPage} me=${me} params=${route.params} />`;
    default: return html`<p>No such page. <a href="#/">Back to the overview</a>.</p>`;
  }
}

function App() {
  const route = useRoute();
  const [ask, setAsk] = useState(null);
  const [me, setMe] = useState(null);
  useEffect(() => {
    onTokenNeeded((reason) => new Promise((resolve) => setAsk({ reason, resolve: () => { setAsk(null); resolve(); } })));
    get('/api/whoami').then(setMe, () => setMe(null));
  }, []);
  useEffect(() => { if (!ask && !me) get('/api/whoami').then(setMe, () => {}); }, [ask]);
  const section = route.parts[0] || '';
  const signOut = () => { forgetToken(); setMe(null); location.hash = '#/'; location.reload(); };
  return html`
    <header>
      <a class="brand" href="#/">clio-stream</a>
      <nav>${NAV.map(([path, label]) => html`<a href="#/${path}" class=${section === path ? 'active' : ''}>${label}</a>`)}</nav>
      <span class="me">${me ? html`${me.name} · <em>${me.role}</em> · <a href="#/" onClick=${signOut}>sign out</a>` : ''}</span>
    </header>
    <main>
      <${Page} route=${route} me=${me} />
    </main>
    ${ask ? html`<${TokenDialog} ask=${ask} />` : null}`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
