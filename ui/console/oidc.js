// Sign-in for staff: OpenID Connect authorization code flow with PKCE (S256), as a public client
// (no secret). The verifier and state live in sessionStorage only for the redirect round trip and
// are removed on return; the access token is handed to the daemon (POST /v1/session), which
// answers with an HttpOnly session cookie. The token itself is never stored by the page.
import { api } from '/ui/common/api.js';

const KEY = 'inzage.oidc.pending';

function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return window.btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(n = 32) {
  return b64url(window.crypto.getRandomValues(new Uint8Array(n)));
}

async function s256(verifier) {
  const digest = await window.crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return b64url(new Uint8Array(digest));
}

function trimSlash(s) {
  return String(s || '').replace(/\/+$/, '');
}

export class OidcError extends Error {
  constructor(message) {
    super(message);
    this.name = 'OidcError';
  }
}

async function discover(issuer) {
  const url = `${trimSlash(issuer)}/.well-known/openid-configuration`;
  let res;
  try {
    res = await fetch(url, { credentials: 'omit', cache: 'no-store', headers: { Accept: 'application/json' } });
  } catch {
    throw new OidcError('de inlogdienst is niet bereikbaar');
  }
  if (!res.ok) throw new OidcError(`de inlogdienst antwoordt met HTTP ${res.status}`);
  const meta = await res.json();
  if (trimSlash(meta.issuer) !== trimSlash(issuer)) throw new OidcError('de inlogdienst noemt een andere issuer');
  if (!meta.authorization_endpoint || !meta.token_endpoint) throw new OidcError('de inlogdienst noemt geen endpoints');
  const methods = meta.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes('S256')) throw new OidcError('de inlogdienst kent geen PKCE S256');
  return meta;
}

export function redirectUri() {
  return `${window.location.origin}/ui/console/`;
}

// Starts the flow: discovery, then off to the authorization endpoint. Does not return.
export async function beginSignIn(oidc, returnTo = '') {
  if (!window.crypto || !window.crypto.subtle) {
    throw new OidcError('inloggen vraagt een beveiligde verbinding (HTTPS)');
  }
  const meta = await discover(oidc.issuer);
  const verifier = randomString(48);
  const state = randomString(24);
  const challenge = await s256(verifier);
  window.sessionStorage.setItem(
    KEY,
    JSON.stringify({ verifier, state, token_endpoint: meta.token_endpoint, issuer: oidc.issuer, return_to: returnTo, at: Date.now() }),
  );
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.client_id,
    redirect_uri: redirectUri(),
    scope: oidc.scope || 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const sep = meta.authorization_endpoint.includes('?') ? '&' : '?';
  window.location.assign(`${meta.authorization_endpoint}${sep}${q.toString()}`);
  return new Promise(() => {});
}

// True when this page load is the return from the authorization endpoint.
export function isCallback() {
  const q = new URLSearchParams(window.location.search);
  return (q.has('code') || q.has('error')) && q.has('state');
}

// Completes the flow: checks state, exchanges the code (with the verifier), opens the daemon's
// session. Returns the session ({role, label, expires_at}) and where to go next.
export async function completeSignIn(oidc) {
  const q = new URLSearchParams(window.location.search);
  const raw = window.sessionStorage.getItem(KEY);
  window.sessionStorage.removeItem(KEY);
  // The code and state leave the address bar (and the history entry) at once.
  window.history.replaceState(null, '', window.location.pathname + window.location.hash);

  let pending = null;
  try {
    pending = raw ? JSON.parse(raw) : null;
  } catch {
    pending = null;
  }
  if (!pending || !pending.state || pending.state !== q.get('state')) {
    throw new OidcError('het antwoord van de inlogdienst hoort niet bij deze inlogpoging');
  }
  if (q.has('error')) {
    throw new OidcError(q.get('error_description') || q.get('error'));
  }
  if (Date.now() - (pending.at || 0) > 10 * 60 * 1000) throw new OidcError('de inlogpoging is verlopen');
  if (trimSlash(pending.issuer) !== trimSlash(oidc.issuer)) throw new OidcError('de inlogdienst is intussen gewijzigd');

  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: q.get('code'),
    redirect_uri: redirectUri(),
    client_id: oidc.client_id,
    code_verifier: pending.verifier,
  });
  let res;
  try {
    res = await fetch(pending.token_endpoint, {
      method: 'POST',
      credentials: 'omit',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
    });
  } catch {
    throw new OidcError('de inlogdienst is niet bereikbaar');
  }
  if (!res.ok) throw new OidcError(`de inlogdienst weigert de code (HTTP ${res.status})`);
  const tokens = await res.json();
  if (!tokens || typeof tokens.access_token !== 'string') throw new OidcError('de inlogdienst gaf geen access token');
  const session = await api.post('/v1/session', { token: tokens.access_token }, { quiet401: true });
  return { session, returnTo: pending.return_to || '' };
}
