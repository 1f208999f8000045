// The console of the CISO and the privacy officer: the alert queue, one alert, investigations
// and an overview. Routes live in the address bar's fragment (#/meldingen, #/melding/ID,
// #/onderzoek, #/overzicht); a BSN never goes there (it is typed into a form and POSTed).
import { api, ApiError, onUnauthorized } from '/ui/common/api.js';
import { h, $, $$, clear, announce, focusElement } from '/ui/common/dom.js';
import { beginSignIn, completeSignIn, isCallback, OidcError } from '/ui/console/oidc.js';
import { queueView } from '/ui/console/queue.js';
import { alertView } from '/ui/console/alert.js';
import { investigateView } from '/ui/console/investigate.js';
import { overviewView } from '/ui/console/overview.js';

const ROLE_NAMES = { ciso: 'CISO', 'privacy-officer': 'privacyfunctionaris', citizen: 'inwoner' };

const ctx = {
  config: null,
  session: null,
  main: null,
  cleanup: null, // the current view's teardown (timers, charts)
  live: (message) => announce($('#live'), message),
  isCiso: () => Boolean(ctx.session && ctx.session.role === 'ciso'),
  go: (hash) => {
    if (window.location.hash === hash) route();
    else window.location.hash = hash;
  },
  // Replaces the main content with a view: sets the title, focuses the heading.
  show: (title, ...children) => {
    const heading = h('h1', { class: 'utrecht-heading-1', id: 'view-heading', tabindex: '-1' }, title);
    clear(ctx.main).append(heading, ...children);
    document.title = `${title} – inzage`;
    return heading;
  },
  // Errors from the API as a sentence; the server's message says which input was wrong.
  errorText: (err) => {
    if (err instanceof ApiError) {
      if (err.status === 403) return 'U heeft geen recht op deze handeling.';
      if (err.status === 404) return 'Niet gevonden.';
      if (err.status === 409) return `Dit kan niet (meer) vanuit de huidige status: ${err.message}`;
      if (err.status === 429) return `Te veel verzoeken; probeer het over ${err.retryAfter || 60} seconden opnieuw.`;
      if (err.status === 503) return 'inzage kan dit nu niet vastleggen en toont daarom niets. Probeer het later opnieuw.';
      return `Er ging iets mis: ${err.message}`;
    }
    return 'De server is niet bereikbaar.';
  },
};

function setNav(current) {
  for (const a of $$('#nav [data-route]')) {
    if (a.dataset.route === current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function teardown() {
  if (ctx.cleanup) {
    try {
      ctx.cleanup();
    } catch {
      /* ignore */
    }
  }
  ctx.cleanup = null;
}

let firstRoute = true;

function route() {
  if (!ctx.session) return;
  teardown();
  const hash = window.location.hash || '#/meldingen';
  const [path, query = ''] = hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query);
  let heading;
  if (parts[0] === 'melding' && parts[1]) {
    setNav('meldingen');
    heading = alertView(ctx, decodeURIComponent(parts[1]));
  } else if (parts[0] === 'onderzoek') {
    setNav('onderzoek');
    heading = investigateView(ctx, params);
  } else if (parts[0] === 'overzicht') {
    setNav('overzicht');
    heading = overviewView(ctx);
  } else if (parts[0] === 'inloggen') {
    heading = queueView(ctx);
  } else {
    setNav('meldingen');
    heading = queueView(ctx);
  }
  // After the first view, a route change moves focus to the new view's heading (a screen
  // reader hears where it is); the first load leaves focus at the top of the page.
  if (!firstRoute && heading) focusElement(heading);
  firstRoute = false;
}

function showSignedIn(session) {
  ctx.session = session;
  $('#nav').hidden = false;
  const who = $('#who');
  who.textContent = `Ingelogd als ${session.label} (${ROLE_NAMES[session.role] || session.role})`;
  who.hidden = false;
  $('#sign-out').hidden = false;
}

function showSignedOut(reason) {
  teardown();
  ctx.session = null;
  $('#nav').hidden = true;
  $('#who').hidden = true;
  $('#sign-out').hidden = true;
  const oidc = ctx.config && ctx.config.oidc;
  const children = [];
  if (reason) children.push(h('div', { class: 'utrecht-alert utrecht-alert--warning', role: 'alert' }, h('p', { class: 'utrecht-paragraph' }, reason)));
  children.push(h('p', { class: 'utrecht-paragraph' }, 'U bent niet ingelogd.'));
  if (oidc) {
    const link = h(
      'a',
      { class: 'utrecht-button-link utrecht-button-link--html-a utrecht-button-link--primary-action', href: '#/inloggen', id: 'sign-in' },
      'Inloggen',
    );
    link.addEventListener('click', (ev) => {
      ev.preventDefault();
      startSignIn();
    });
    children.push(h('p', { class: 'utrecht-paragraph' }, link));
  } else if (ctx.config && ctx.config.demo) {
    children.push(
      h('p', { class: 'utrecht-paragraph', id: 'sign-in-help' }, 'Demo: open de eenmalige inloglink die inzaged --demo bij het starten heeft getoond.'),
    );
  } else {
    children.push(h('p', { class: 'utrecht-paragraph', id: 'sign-in-help' }, 'Inloggen is op deze server niet ingesteld. Neem contact op met de beheerder.'));
  }
  const heading = ctx.show('Inloggen', h('div', { class: 'inzage-signed-out', id: 'signed-out' }, ...children));
  if (reason) focusElement(heading);
}

async function startSignIn() {
  try {
    const returnTo = window.location.hash && window.location.hash !== '#/inloggen' ? window.location.hash : '';
    await beginSignIn(ctx.config.oidc, returnTo);
  } catch (err) {
    showSignedOut(`Inloggen is mislukt: ${err instanceof OidcError ? err.message : 'onbekende fout'}.`);
  }
}

async function signOut() {
  try {
    await api.del('/v1/session', { quiet401: true });
  } catch {
    /* gone already */
  }
  window.location.hash = '';
  showSignedOut('U bent uitgelogd.');
}

async function loadConfig() {
  try {
    const res = await fetch('/ui/console/config.json', { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) return { oidc: null, demo: false };
    const c = await res.json();
    const oidc = c && c.oidc && c.oidc.issuer && c.oidc.client_id ? c.oidc : null;
    return { oidc, demo: Boolean(c && c.demo) };
  } catch {
    return { oidc: null, demo: false };
  }
}

async function start() {
  ctx.main = $('#main');
  $('#sign-out').addEventListener('click', signOut);
  onUnauthorized(() => {
    if (ctx.session) showSignedOut('Uw sessie is verlopen. Log opnieuw in.');
  });
  const callback = isCallback();
  // The configuration and the session are asked for at once (the queue waits for both).
  const sessionAnswer = callback ? null : api.get('/v1/session', null, { quiet401: true }).then((s) => ({ s }), (e) => ({ e }));
  ctx.config = await loadConfig();

  let session = null;
  if (callback) {
    if (!ctx.config.oidc) {
      window.history.replaceState(null, '', window.location.pathname);
      showSignedOut('Inloggen via OpenID Connect is op deze server niet ingesteld.');
      return;
    }
    try {
      const done = await completeSignIn(ctx.config.oidc);
      session = done.session;
      if (done.returnTo) window.history.replaceState(null, '', window.location.pathname + done.returnTo);
    } catch (err) {
      const why = err instanceof OidcError ? err.message : ctx.errorText(err);
      showSignedOut(`Inloggen is mislukt: ${why}.`);
      return;
    }
  } else {
    try {
      const answer = await sessionAnswer;
      if (answer.e) throw answer.e;
      session = answer.s;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        if (window.location.hash === '#/inloggen' && ctx.config.oidc) {
          startSignIn();
          return;
        }
        showSignedOut('');
      } else {
        showSignedOut(ctx.errorText(err));
      }
      return;
    }
  }
  if (!session || (session.role !== 'ciso' && session.role !== 'privacy-officer')) {
    showSignedOut('Deze console is alleen voor de CISO en de privacyfunctionaris.');
    $('#sign-out').hidden = false;
    return;
  }
  showSignedIn(session);
  window.addEventListener('hashchange', route);
  route();
}

start();
