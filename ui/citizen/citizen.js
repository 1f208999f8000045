// The citizen's page: "Wie heeft mijn gegevens bekeken?" Only this citizen's own accesses (the
// server selects them by the session), newest first, grouped by day.
import { api, ApiError, onUnauthorized } from '/ui/common/api.js';
import { h, $, $$, clear, announce, focusElement, saveBlob } from '/ui/common/dom.js';
import { ACTIONS, CATEGORIES, INFO_LEVELS, RECIPIENT_KINDS, nameOf, idOf, humanise } from '/ui/common/labels.js';
import { todayYmd, addMonths, addDays, daysBetween, isYmd, periodOf, formatDay, localParts } from '/ui/common/time.js';

const MAX_DAYS = 366;
const PAGE = 100;
const REPORT_MAX = 1000;

// The parts given, without the empty ones, with ", " between them (for h()).
function commaList(...parts) {
  const out = [];
  for (const p of parts.filter(Boolean)) {
    if (out.length) out.push(', ');
    out.push(p);
  }
  return out;
}

const TEXT = {
  nl: {
    pageTitle: 'Wie heeft mijn gegevens bekeken? – Noaberkracht Dinkelland Tubbergen',
    skip: 'Naar de inhoud',
    brandSub: 'Gemeente Dinkelland en Gemeente Tubbergen',
    signOut: 'Uitloggen',
    title: 'Wie heeft mijn gegevens bekeken?',
    expired: 'Uw sessie is verlopen; log opnieuw in via de website van uw gemeente',
    signedOut: 'U bent uitgelogd. Sluit dit venster, of log opnieuw in via de website van uw gemeente.',
    notCitizen: 'Deze pagina is voor inwoners. Medewerkers gebruiken de console.',
    intro:
      'Hier ziet u wie bij de gemeente uw persoonsgegevens heeft bekeken, gewijzigd of doorgegeven, wanneer en waarvoor. Het nieuwste staat bovenaan.',
    periodHeading: 'Periode',
    from: 'Van',
    to: 'Tot en met',
    show: 'Toon',
    csv: 'Download als CSV',
    periodHelp: 'U kunt een periode van ten hoogste 366 dagen kiezen.',
    listHeading: 'Inzagen',
    partial: 'Niet alle gegevens konden op dit moment worden opgehaald. Probeer het later nog eens.',
    more: 'Meer laden',
    contactHeading: 'Vragen of bezwaar?',
    contactIntro: 'Neem contact op met de functionaris gegevensbescherming:',
    objectionHeading: 'Bezwaar maken',
    loading: 'Bezig met laden…',
    errPeriodInvalid: 'Vul een geldige begin- en einddatum in.',
    errPeriodOrder: 'De begindatum ligt na de einddatum.',
    errPeriodLong: 'De periode is langer dan 366 dagen. Kies een kortere periode.',
    errTooMany: (s) => `U heeft uw overzicht te vaak opgevraagd. Probeer het over ${s} seconden opnieuw.`,
    errGeneric: 'Er ging iets mis bij het ophalen van uw gegevens. Probeer het later opnieuw.',
    none: 'In deze periode heeft niemand uw gegevens bekeken.',
    shown: (n, more) => (more ? `${n} inzagen getoond; er zijn er meer.` : n === 1 ? '1 inzage getoond.' : `${n} inzagen getoond.`),
    moreLoaded: (n) => `${n} inzagen erbij geladen.`,
    csvDone: 'Het CSV-bestand is gedownload.',
    csvError: 'Het CSV-bestand kon niet worden gemaakt. Probeer het later opnieuw.',
    ownReads: (n) => (n === 1 ? 'U heeft zelf uw overzicht bekeken' : `U heeft zelf uw overzicht bekeken (${n} keer)`),
    ownReadsAt: 'Tijdstippen:',
    // org and dept may be elements (a name marked with its language): these return parts.
    summary: (org, action) => [org, ` heeft uw gegevens ${action}`],
    who: 'Wie',
    whoRest: (dept, actor) => commaList(dept ? ['afdeling ', dept] : null, actor ? `medewerker ${actor}` : null),
    what: 'Waarvoor',
    noPurpose: 'Er is geen doel opgegeven.',
    data: 'Welke gegevens',
    special: 'Bijzondere gegevens',
    recipient: 'Verstrekt aan',
    time: 'Tijd',
    report: 'Ik herken deze inzage niet',
    reportLegend: 'Melden dat u deze inzage niet herkent',
    reportLabel: 'Wat herkent u niet? (niet verplicht)',
    reportHelp: 'De privacyfunctionaris van de gemeente bekijkt uw melding.',
    reportCount: (n) => `${n} van ${REPORT_MAX} tekens`,
    reportSend: 'Melding versturen',
    reportCancel: 'Annuleren',
    reportBusy: 'Bezig met versturen…',
    reportDone: (ref) => `Bedankt. Uw melding is ontvangen. Uw kenmerk is ${ref}. Noem dit kenmerk als u contact opneemt.`,
    reportError: 'Uw melding kon niet worden verstuurd. Probeer het later opnieuw.',
    reported: 'Gemeld',
    contactName: 'Naam',
    contactEmail: 'E-mail',
    contactPhone: 'Telefoon',
    contactUrl: 'Website',
  },
  en: {
    pageTitle: 'Who viewed my data? – Noaberkracht Dinkelland Tubbergen',
    skip: 'Skip to content',
    brandSub: 'Municipalities of Dinkelland and Tubbergen',
    signOut: 'Sign out',
    title: 'Who viewed my data?',
    expired: 'Your session has expired; sign in again through your municipality’s website',
    signedOut: 'You are signed out. Close this window, or sign in again through your municipality’s website.',
    notCitizen: 'This page is for residents. Staff use the console.',
    intro:
      'This page shows who at the municipality viewed, changed or passed on your personal data, when and for what purpose. The newest is at the top.',
    periodHeading: 'Period',
    from: 'From',
    to: 'Up to and including',
    show: 'Show',
    csv: 'Download as CSV',
    periodHelp: 'You can choose a period of at most 366 days.',
    listHeading: 'Accesses',
    partial: 'Not all data could be retrieved right now. Please try again later.',
    more: 'Load more',
    contactHeading: 'Questions or objections?',
    contactIntro: 'Contact the data protection officer:',
    objectionHeading: 'How to object',
    loading: 'Loading…',
    errPeriodInvalid: 'Enter a valid start and end date.',
    errPeriodOrder: 'The start date is after the end date.',
    errPeriodLong: 'The period is longer than 366 days. Choose a shorter period.',
    errTooMany: (s) => `You requested your overview too often. Try again in ${s} seconds.`,
    errGeneric: 'Something went wrong while retrieving your data. Please try again later.',
    none: 'Nobody viewed your data in this period.',
    shown: (n, more) => (more ? `${n} accesses shown; there are more.` : n === 1 ? '1 access shown.' : `${n} accesses shown.`),
    moreLoaded: (n) => `${n} more accesses loaded.`,
    csvDone: 'The CSV file has been downloaded.',
    csvError: 'The CSV file could not be made. Please try again later.',
    ownReads: (n) => (n === 1 ? 'You viewed your own overview' : `You viewed your own overview (${n} times)`),
    ownReadsAt: 'Times:',
    summary: (org, action) => [org, ` ${action} your data`],
    who: 'Who',
    whoRest: (dept, actor) => commaList(dept ? ['department ', dept] : null, actor ? `employee ${actor}` : null),
    what: 'Purpose',
    noPurpose: 'No purpose was given.',
    data: 'Which data',
    special: 'Special categories',
    recipient: 'Provided to',
    time: 'Time',
    report: 'I do not recognise this access',
    reportLegend: 'Report that you do not recognise this access',
    reportLabel: 'What do you not recognise? (optional)',
    reportHelp: 'The municipality’s privacy officer will look at your report.',
    reportCount: (n) => `${n} of ${REPORT_MAX} characters`,
    reportSend: 'Send report',
    reportCancel: 'Cancel',
    reportBusy: 'Sending…',
    reportDone: (ref) => `Thank you. Your report has been received. Your reference is ${ref}. Quote it when you contact us.`,
    reportError: 'Your report could not be sent. Please try again later.',
    reported: 'Reported',
    contactName: 'Name',
    contactEmail: 'Email',
    contactPhone: 'Phone',
    contactUrl: 'Website',
  },
};

const state = {
  lang: 'nl',
  period: null, // {fromYmd, toYmd}
  entries: [],
  cursor: null,
  partial: false,
  loading: false,
  context: null,
  reports: new Map(), // entry id -> reference
  signedIn: false,
  seq: 0,
};

let render = null; // the incremental renderer of the current list

function t(key, ...args) {
  const v = TEXT[state.lang][key] ?? TEXT.nl[key];
  return typeof v === 'function' ? v(...args) : v;
}

function initialLang() {
  const q = new URLSearchParams(window.location.search).get('lang');
  if (q === 'en' || q === 'nl') return q;
  try {
    const s = window.localStorage.getItem('inzage.lang');
    if (s === 'en' || s === 'nl') return s;
  } catch {
    /* storage off */
  }
  return 'nl';
}

function applyLang() {
  document.documentElement.lang = state.lang;
  document.title = t('pageTitle');
  for (const el of $$('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const b of $$('#lang-nav [data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
}

function setLang(lang) {
  if (lang === state.lang) return;
  state.lang = lang;
  try {
    window.localStorage.setItem('inzage.lang', lang);
  } catch {
    /* storage off */
  }
  applyLang();
  if (state.context) renderContext();
  if (state.signedIn) {
    renderAll();
    setSummary();
  }
}

function showStatus(text) {
  const box = $('#status');
  if (!text) {
    box.hidden = true;
    $('#status-text').textContent = '';
    return;
  }
  $('#status-text').textContent = text;
  box.hidden = false;
}

function signedOut(message) {
  state.signedIn = false;
  $('#content').hidden = true;
  $('#sign-out').hidden = true;
  showStatus('');
  const box = $('#signed-out');
  const p = box.querySelector('p');
  p.dataset.i18n = message;
  p.textContent = t(message);
  box.hidden = false;
}

onUnauthorized(() => signedOut('expired'));

// A text the server sends in Dutch (obj[key]) with, when it has one, an English variant in
// obj[key + '_en']: {text, lang}. The English page uses the variant when it is there and falls
// back to the Dutch text (marked lang="nl" for screen readers) when it is not.
function localized(obj, key) {
  if (!obj || typeof obj !== 'object') return { text: '', lang: 'nl' };
  const en = obj[`${key}_en`];
  if (state.lang === 'en' && typeof en === 'string' && en) return { text: en, lang: 'en' };
  const nl = obj[key];
  return { text: nl === null || nl === undefined ? '' : String(nl), lang: 'nl' };
}

// Sets an element's text from localized() with its language.
function setLocalized(el, value) {
  el.textContent = value.text;
  el.setAttribute('lang', value.lang);
}

// ---- context: organisation, privacy officer, objection, delayed notice

function renderContext() {
  const c = state.context;
  if (!c) return;
  if (c.organisation) $('#organisation').textContent = c.organisation;
  setLocalized($('#delayed-notice'), localized(c, 'delayed_notice'));
  const list = clear($('#contact-list'));
  const pc = c.privacy_contact || {};
  const row = (label, value) => [h('dt', null, label), h('dd', null, value)];
  if (pc.name) list.append(...row(t('contactName'), langSpan(localized(pc, 'name'))));
  if (pc.email) list.append(...row(t('contactEmail'), h('a', { class: 'utrecht-link utrecht-link--html-a', href: `mailto:${pc.email}` }, pc.email)));
  if (pc.phone) {
    const tel = String(pc.phone).replace(/[^+\d]/g, '');
    list.append(...row(t('contactPhone'), h('a', { class: 'utrecht-link utrecht-link--html-a', href: `tel:${tel}` }, pc.phone)));
  }
  if (pc.url) list.append(...row(t('contactUrl'), h('a', { class: 'utrecht-link utrecht-link--html-a', href: pc.url }, pc.url)));
  setLocalized($('#objection'), localized(c, 'objection'));
  $('#contact').hidden = false;
}

// ---- the list of accesses

// A name the server sends as {id, name} (name_en when it has an English one) or as a plain id.
function localizedName(v) {
  if (v && typeof v === 'object') {
    const n = localized(v, 'name');
    if (!n.text) n.text = idOf(v);
    return n;
  }
  return { text: nameOf(v), lang: 'nl' };
}

// Text in a span marked with its language, or null when there is no text.
function langSpan(value, cls) {
  return value.text ? h('span', { lang: value.lang, class: cls }, value.text) : null;
}

function entryHeading(e) {
  const action = ACTIONS[state.lang][e.action] || e.action;
  return t('summary', langSpan(localizedName(e.municipality)), action);
}

function describeRecipient(r) {
  if (!r) return '';
  const kind = RECIPIENT_KINDS[state.lang][r.kind] || r.kind || '';
  const name = nameOf(r);
  return kind ? `${name} (${kind})` : name;
}

function reportForm(e, button, container) {
  const id = `report-text-${container.id}`;
  const counter = h('p', { class: 'inzage-counter', id: `${id}-count` }, t('reportCount', 0));
  const textarea = h('textarea', {
    class: 'utrecht-textarea utrecht-textarea--html-textarea',
    id,
    maxlength: String(REPORT_MAX),
    rows: '4',
    'aria-describedby': `${id}-help ${id}-count`,
    oninput: () => {
      counter.textContent = t('reportCount', textarea.value.length);
    },
  });
  const error = h('p', { class: 'inzage-error', role: 'alert' });
  const send = h('button', { type: 'submit', class: 'utrecht-button utrecht-button--primary-action' }, t('reportSend'));
  const cancel = h(
    'button',
    {
      type: 'button',
      class: 'utrecht-button utrecht-button--subtle',
      onclick: () => {
        container.hidden = true;
        button.setAttribute('aria-expanded', 'false');
        button.focus();
      },
    },
    t('reportCancel'),
  );
  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        const text = textarea.value.slice(0, REPORT_MAX);
        send.disabled = true;
        send.textContent = t('reportBusy');
        error.textContent = '';
        try {
          const res = await api.post('/v1/me/reports', { entry: e.entry, text });
          const ref = res && res.reference ? String(res.reference) : '';
          state.reports.set(e.entry, ref);
          showReported(e, button, container);
        } catch (err) {
          if (err instanceof ApiError && err.status === 401) return;
          error.textContent = t('reportError');
          send.disabled = false;
          send.textContent = t('reportSend');
        }
      },
    },
    h(
      'fieldset',
      { class: 'utrecht-form-fieldset utrecht-form-fieldset--html-fieldset' },
      h('legend', { class: 'utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend' }, t('reportLegend')),
      h(
        'div',
        { class: 'utrecht-form-field inzage-field' },
        h('label', { class: 'utrecht-form-label', for: id }, t('reportLabel')),
        h('p', { class: 'utrecht-form-field-description', id: `${id}-help` }, t('reportHelp')),
        textarea,
        counter,
      ),
      error,
      h('div', { class: 'inzage-actions' }, send, cancel),
    ),
  );
  container.replaceChildren(form);
  return textarea;
}

function showReported(e, button, container) {
  const ref = state.reports.get(e.entry) || '';
  button.disabled = true;
  button.setAttribute('aria-expanded', 'false');
  button.textContent = t('reported');
  const done = h(
    'div',
    { class: 'utrecht-alert utrecht-alert--ok', role: 'status' },
    h('p', { class: 'utrecht-paragraph inzage-report-confirmation' }, t('reportDone', ref)),
  );
  container.replaceChildren(done);
  container.hidden = false;
  focusElement(done);
}

let formSeq = 0;

function entryItem(e) {
  const { time } = localParts(e.local_time, e.time);
  const dl = h('dl');
  const add = (label, ...value) => dl.append(h('dt', null, label), h('dd', null, ...value));

  // Names and descriptions from the server are Dutch (lang="nl" on them), unless it sends an
  // English variant (name_en, description_en, info_text_en) and the page is in English.
  // The department is the reference data's id (Dutch, "sociaal-domein"): no English variant.
  const span = langSpan;
  const dept = e.department ? h('span', { lang: 'nl' }, humanise(e.department)) : null;
  const role = localizedName(e.role);
  const rest = t('whoRest', dept, e.actor || '');
  add(t('who'), span(role), role.text && rest.length ? ', ' : '', rest);

  const act = e.activity || {};
  const actName = localized(act, 'name');
  if (!actName.text && act.id) actName.text = humanise(act.id);
  const actDescription = localized(act, 'description');
  if (actName.text) {
    add(t('what'), span(actName, 'inzage-activity'), actDescription.text ? h('br') : null, span(actDescription, 'inzage-muted'));
  } else {
    add(t('what'), t('noPurpose'));
  }

  const domain = localizedName(e.domain);
  // The kind of information: the server's words in the page's language, else the page's own
  // label for the level (English has one), else the server's Dutch words.
  const infoText = localized(e, 'info_text');
  let info = infoText.text && infoText.lang === state.lang ? span(infoText) : null;
  if (!info) info = INFO_LEVELS[state.lang][e.info] || (infoText.text ? span(infoText) : e.info || '');
  add(t('data'), span(domain), domain.text && info ? ': ' : '', info);

  const cats = (e.categories || []).map((c) => CATEGORIES[state.lang][c] || c);
  if (cats.length) add(t('special'), cats.join(', '));
  if (e.recipient) add(t('recipient'), describeRecipient(e.recipient));

  formSeq += 1;
  const container = h('div', { id: `report-${formSeq}`, class: 'inzage-report', hidden: true });
  const button = h('button', {
    type: 'button',
    class: 'utrecht-button utrecht-button--secondary-action',
    'aria-expanded': 'false',
    'aria-controls': container.id,
  }, t('report'));
  button.addEventListener('click', () => {
    const open = container.hidden;
    if (open) {
      const ta = reportForm(e, button, container);
      container.hidden = false;
      button.setAttribute('aria-expanded', 'true');
      ta.focus();
    } else {
      container.hidden = true;
      button.setAttribute('aria-expanded', 'false');
    }
  });
  if (state.reports.has(e.entry)) showReported(e, button, container);

  return h(
    'li',
    { class: 'inzage-card inzage-entry', dataset: { entry: e.entry || '' } },
    h('p', { class: 'inzage-entry__time' }, h('time', { datetime: e.time }, time)),
    h(
      'div',
      { class: 'inzage-entry__body' },
      h('h4', { class: 'utrecht-heading-4 inzage-entry__summary' }, entryHeading(e)),
      dl,
      h('div', { class: 'inzage-actions' }, button),
      container,
    ),
  );
}

// Appends entries to the list, continuing the last day and the last run of own reads.
function makeRenderer(root) {
  let lastDay = null;
  let dayList = null;
  let own = null; // {count, summary, list}
  return function appendEntries(entries) {
    let first = null;
    for (const e of entries) {
      const { date, time } = localParts(e.local_time, e.time);
      if (date !== lastDay) {
        lastDay = date;
        own = null;
        const headingId = `day-${date}`;
        dayList = h('ol', { class: 'inzage-day-list', 'aria-labelledby': headingId, role: 'list' });
        root.append(
          h('section', { class: 'inzage-day' }, h('h3', { class: 'utrecht-heading-3', id: headingId }, formatDay(date, state.lang)), dayList),
        );
      }
      let item = null;
      if (e.own_read) {
        if (!own) {
          const list = h('ul', { class: 'inzage-own-reads__times' });
          const summary = h('summary');
          item = h(
            'li',
            { class: 'inzage-card inzage-card--muted inzage-own-reads', dataset: { entry: e.entry || '' } },
            h('details', null, summary, h('p', { class: 'utrecht-paragraph' }, t('ownReadsAt')), list),
          );
          own = { count: 0, summary, list };
          dayList.append(item);
        }
        own.count += 1;
        own.summary.textContent = t('ownReads', own.count);
        own.list.append(h('li', null, h('time', { datetime: e.time }, time)));
      } else {
        own = null;
        item = entryItem(e);
        dayList.append(item);
      }
      if (!first && item) first = item;
    }
    return first;
  };
}

function renderAll() {
  const root = clear($('#entries'));
  render = makeRenderer(root);
  render(state.entries);
  $('#more').hidden = !state.cursor;
  $('#partial').hidden = !state.partial;
}

function setSummary(extra) {
  const n = state.entries.length;
  const text = n === 0 ? t('none') : t('shown', n, Boolean(state.cursor));
  $('#summary').textContent = extra ? `${extra} ${text}` : text;
}

function readPeriod() {
  const fromYmd = $('#from').value;
  const toYmd = $('#to').value;
  if (!isYmd(fromYmd) || !isYmd(toYmd)) return { error: 'errPeriodInvalid' };
  const days = daysBetween(fromYmd, toYmd);
  if (days < 0) return { error: 'errPeriodOrder' };
  if (days + 1 > MAX_DAYS) return { error: 'errPeriodLong' };
  return { fromYmd, toYmd };
}

function showPeriodError(key) {
  const el = $('#period-error');
  el.textContent = key ? t(key) : '';
  for (const id of ['#from', '#to']) {
    if (key) $(id).setAttribute('aria-invalid', 'true');
    else $(id).removeAttribute('aria-invalid');
  }
}

function apiErrorText(err) {
  if (err instanceof ApiError && err.status === 429) return t('errTooMany', err.retryAfter || 60);
  return t('errGeneric');
}

async function load(more = false) {
  if (state.loading) return;
  const seq = ++state.seq;
  state.loading = true;
  const { from, to } = periodOf(state.period.fromYmd, state.period.toYmd);
  $('#entries').setAttribute('aria-busy', 'true');
  if (!more) $('#summary').textContent = t('loading');
  try {
    const page = await api.get('/v1/me/accesses', { from, to, limit: PAGE, cursor: more ? state.cursor : undefined });
    if (seq !== state.seq) return;
    const entries = Array.isArray(page.entries) ? page.entries : [];
    state.cursor = page.next_cursor || null;
    state.partial = state.partial || Boolean(page.partial);
    if (more) {
      state.entries.push(...entries);
      const first = render(entries);
      $('#more').hidden = !state.cursor;
      $('#partial').hidden = !state.partial;
      setSummary(t('moreLoaded', entries.length));
      if (first) focusElement(first);
    } else {
      state.entries = entries;
      state.partial = Boolean(page.partial);
      renderAll();
      setSummary();
    }
    showStatus('');
    window.performance.mark('inzage:citizen-rendered');
    document.body.dataset.loaded = 'true';
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showStatus(apiErrorText(err));
    if (!more) $('#summary').textContent = '';
  } finally {
    state.loading = false;
    $('#entries').removeAttribute('aria-busy');
  }
}

async function downloadCsv() {
  const p = readPeriod();
  if (p.error) {
    showPeriodError(p.error);
    return;
  }
  showPeriodError(null);
  const { from, to } = periodOf(p.fromYmd, p.toYmd);
  const button = $('#csv');
  button.disabled = true;
  try {
    const res = await api.get('/v1/me/accesses.csv', { from, to }, { raw: true });
    const blob = await res.blob();
    saveBlob(new Blob([blob], { type: 'text/csv;charset=utf-8' }), `inzage-${p.fromYmd}-${p.toYmd}.csv`);
    announce($('#summary'), t('csvDone'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showStatus(err instanceof ApiError && err.status === 429 ? apiErrorText(err) : t('csvError'));
  } finally {
    button.disabled = false;
  }
}

async function signOut() {
  try {
    await api.del('/v1/session', { quiet401: true });
  } catch {
    /* already gone */
  }
  state.entries = [];
  clear($('#entries'));
  signedOut('signedOut');
}

async function start() {
  state.lang = initialLang();
  applyLang();
  for (const b of $$('#lang-nav [data-lang]')) b.addEventListener('click', () => setLang(b.dataset.lang));
  $('#sign-out').addEventListener('click', signOut);

  let session;
  try {
    session = await api.get('/v1/session', null, { quiet401: true });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signedOut('expired');
    } else {
      showStatus(t('errGeneric'));
    }
    return;
  }
  if (!session || session.role !== 'citizen') {
    signedOut('notCitizen');
    $('#sign-out').hidden = false;
    return;
  }
  state.signedIn = true;
  $('#sign-out').hidden = false;

  const today = todayYmd();
  state.period = { fromYmd: addDays(addMonths(today, -3), 1), toYmd: today };
  $('#from').value = state.period.fromYmd;
  $('#to').value = state.period.toYmd;
  $('#from').max = today;
  $('#to').max = today;

  $('#period-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = readPeriod();
    if (p.error) {
      showPeriodError(p.error);
      $('#from').focus();
      return;
    }
    showPeriodError(null);
    state.period = p;
    state.cursor = null;
    load(false);
  });
  $('#csv').addEventListener('click', downloadCsv);
  $('#more').addEventListener('click', () => load(true));

  $('#content').hidden = false;
  try {
    state.context = await api.get('/v1/me/context');
    renderContext();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    /* the list is still useful without the contact block */
  }
  await load(false);
}

start();
