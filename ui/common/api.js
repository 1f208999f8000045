// The daemon's HTTP API, same origin. The session is an HttpOnly cookie (inzage_session) that
// the page never sees; every request carries X-Inzage-Request: 1, which a cross-site form or
// image cannot send (the server's CSRF defence for changes). Errors come back as
// {"error": {"code", "message"}} and are thrown as ApiError.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message || code || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code || '';
    this.retryAfter = retryAfter; // seconds, from Retry-After on a 429
  }
}

let unauthorizedHandler = null;

// Called once on a 401 from any request (the session ended or never existed).
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function errorOf(res) {
  let code = '';
  let message = '';
  try {
    const body = await res.json();
    if (body && body.error) {
      code = String(body.error.code || '');
      message = String(body.error.message || '');
    }
  } catch {
    /* not JSON */
  }
  const retry = Number.parseInt(res.headers.get('Retry-After') || '', 10);
  return new ApiError(res.status, code, message || `HTTP ${res.status}`, Number.isFinite(retry) ? retry : null);
}

// request('GET', '/v1/alerts', {query: {...}}) or request('POST', path, {body: {...}})
// Returns the parsed JSON (or null for 204), the Response itself when raw is true.
export async function request(method, path, { query: params, body, raw = false, signal, quiet401 = false } = {}) {
  const headers = { 'X-Inzage-Request': '1' };
  if (!raw) headers.Accept = 'application/json';
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path + query(params), init);
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !quiet401 && unauthorizedHandler) unauthorizedHandler(err);
    throw err;
  }
  if (raw) return res;
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const api = {
  get: (path, params, opts = {}) => request('GET', path, { ...opts, query: params }),
  post: (path, body, opts = {}) => request('POST', path, { ...opts, body }),
  del: (path, opts = {}) => request('DELETE', path, opts),
};

// Path segment for an id typed by a person (an employee id may hold any character).
export function seg(id) {
  return encodeURIComponent(String(id));
}
