// The only door to the server: every call carries the bearer token kept in localStorage. A 401 forgets
// the token and asks for one again (through the listener the app registers), then retries once.

const KEY = 'clio-stream.token';

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.error = body && body.error;
    this.details = (body && Array.isArray(body.details)) ? body.details : [];
  }
}

// Pages start loading before the app has mounted its token dialog: until it registers, a request
// that needs a token waits for it.
let askToken = null;
let registered;
const ready = new Promise((resolve) => { registered = resolve; });
let pendingAsk = null;

export function onTokenNeeded(fn) { askToken = fn; registered(); }
export function token() { return localStorage.getItem(KEY); }
export function setToken(value) { localStorage.setItem(KEY, value); }
export function forgetToken() { localStorage.removeItem(KEY); }

/** Several requests can fail with 401 at once: ask the person only once. */
async function ensureToken(reason) {
  if (!pendingAsk) pendingAsk = ready.then(() => askToken(reason)).finally(() => { pendingAsk = null; });
  return pendingAsk;
}

export async function api(method, path, body) {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!token()) await ensureToken('A token is needed to read the workbench.');
    const headers = { authorization: `Bearer ${token()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    if (res.status === 401) {
      forgetToken();
      await ensureToken('That token was not accepted: enter a valid one.');
      continue;
    }
    if (!res.ok) throw new ApiError(res.status, json);
    return json;
  }
  throw new ApiError(401, { error: 'unauthorized', message: 'token refused' });
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path, body) => api('DELETE', path, body);

/** `?a=1&b=2` from the defined entries of an object. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
