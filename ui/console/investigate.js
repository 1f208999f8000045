// Investigations: an employee's accesses over a period, and a citizen's accesses by BSN. The BSN
// is typed into a form and sent only in a POST body: it is never put in the address bar, the
// history, a query string, storage or the console; the field is emptied as soon as it is read.
import { api, ApiError, seg } from '/ui/common/api.js';
import { h, clear, focusElement } from '/ui/common/dom.js';
import { todayYmd, addDays, daysBetween, isYmd, periodOf } from '/ui/common/time.js';
import { entriesTable, appendEntryRows } from '/ui/console/entries.js';

const PAGE = 100;
const MAX_DAYS = 366;

// The elfproef of a BSN (8 digits get a leading zero).
export function validBsn(s) {
  if (!/^\d{8,9}$/.test(s)) return false;
  const d = s.padStart(9, '0');
  let sum = 0;
  for (let i = 0; i < 8; i += 1) sum += Number(d[i]) * (9 - i);
  sum -= Number(d[8]);
  return sum % 11 === 0 && d !== '000000000';
}

function field(id, label, input, help) {
  return h(
    'div',
    { class: 'utrecht-form-field inzage-field' },
    h('label', { class: 'utrecht-form-label', for: id }, label),
    help ? h('p', { class: 'utrecht-form-field-description', id: `${id}-help` }, help) : null,
    input,
  );
}

function dateInput(id, value) {
  return h('input', { class: 'utrecht-textbox utrecht-textbox--html-input', type: 'date', id, value, 'aria-required': 'true' });
}

function readPeriod(form, fromId, toId) {
  const a = form.querySelector(`#${fromId}`).value;
  const b = form.querySelector(`#${toId}`).value;
  if (!isYmd(a) || !isYmd(b)) return { error: 'Vul een geldige begin- en einddatum in.' };
  const days = daysBetween(a, b);
  if (days < 0) return { error: 'De begindatum ligt na de einddatum.' };
  if (days + 1 > MAX_DAYS) return { error: 'De periode is langer dan 366 dagen.' };
  return periodOf(a, b);
}

// Shows pages of results in box; fetchPage(cursor) -> {entries, next_cursor, partial, unavailable_peers}.
function resultsPager(ctx, box, caption, tableId, fetchPage) {
  let tbody = null;
  let count = 0;
  const status = h('p', { class: 'utrecht-paragraph', role: 'status' });
  const notice = h('div');
  const more = h('button', { type: 'button', class: 'utrecht-button utrecht-button--secondary-action', hidden: true, id: `${tableId}-more` }, 'Meer laden');
  const page = async (cursor) => {
    more.disabled = true;
    try {
      const res = await fetchPage(cursor);
      const entries = Array.isArray(res.entries) ? res.entries : [];
      count += entries.length;
      if (!tbody) {
        const wrap = entriesTable({ caption, entries, id: tableId });
        tbody = wrap.querySelector('tbody');
        clear(box).append(status, notice, entries.length ? wrap : '', h('div', { class: 'inzage-actions' }, more));
        focusElement(status);
      } else {
        appendEntryRows(tbody, entries);
      }
      if (res.partial) {
        const peers = (res.unavailable_peers || []).join(', ');
        clear(notice).append(
          h('div', { class: 'utrecht-alert utrecht-alert--warning' }, h('p', { class: 'utrecht-paragraph' }, `Onvolledig: niet elke server antwoordde${peers ? ` (${peers})` : ''}.`)),
        );
      }
      status.textContent = count === 0 ? 'Geen inzagen in deze periode.' : `${count} inzagen getoond${res.next_cursor ? '; er zijn er meer' : ''}.`;
      more.hidden = !res.next_cursor;
      more.disabled = false;
      more.onclick = () => page(res.next_cursor);
    } catch (err) {
      more.disabled = false;
      if (err instanceof ApiError && err.status === 401) return;
      clear(box).append(h('div', { class: 'utrecht-alert utrecht-alert--error', role: 'alert' }, h('p', { class: 'utrecht-paragraph' }, ctx.errorText(err))));
    }
  };
  clear(box).append(h('p', { class: 'utrecht-paragraph', role: 'status' }, 'Zoeken…'));
  return page(undefined);
}

function actorSection(ctx, params) {
  const today = todayYmd();
  const results = h('div', { id: 'actor-results' });
  const error = h('p', { class: 'inzage-error', role: 'alert', id: 'actor-error' });
  const idInput = h('input', {
    class: 'utrecht-textbox utrecht-textbox--html-input',
    type: 'text',
    id: 'actor-id',
    'aria-required': 'true',
    autocomplete: 'off',
    spellcheck: 'false',
    value: params.get('actor') || '',
    'aria-describedby': 'actor-error',
  });
  const form = h(
    'form',
    { id: 'actor-form', class: 'inzage-form-row', novalidate: true },
    field('actor-id', 'Medewerker (account)', idInput),
    field('actor-from', 'Van', dateInput('actor-from', addDays(today, -29))),
    field('actor-to', 'Tot en met', dateInput('actor-to', today)),
    h('div', { class: 'inzage-actions' }, h('button', { type: 'submit', class: 'utrecht-button utrecht-button--primary-action' }, 'Zoeken')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const actor = idInput.value.trim();
    if (!actor) {
      error.textContent = 'Vul het account van de medewerker in.';
      idInput.focus();
      return;
    }
    const p = readPeriod(form, 'actor-from', 'actor-to');
    if (p.error) {
      error.textContent = p.error;
      return;
    }
    error.textContent = '';
    resultsPager(ctx, results, `Inzagen door ${actor}`, 'actor-results-table', (cursor) =>
      api.get(`/v1/actors/${seg(actor)}/accesses`, { from: p.from, to: p.to, limit: PAGE, cursor }),
    );
  });
  if (params.get('actor')) window.setTimeout(() => form.requestSubmit(), 0);
  return h(
    'section',
    { class: 'inzage-section', 'aria-labelledby': 'actor-heading' },
    h('h2', { class: 'utrecht-heading-2', id: 'actor-heading' }, 'Inzagen door een medewerker'),
    form,
    error,
    results,
  );
}

function subjectSection(ctx, onLeave) {
  const today = todayYmd();
  const results = h('div', { id: 'subject-results' });
  const error = h('p', { class: 'inzage-error', role: 'alert', id: 'bsn-error' });
  // No name attribute and autocomplete=off: the browser neither submits it anywhere nor
  // remembers it for autofill.
  const bsnInput = h('input', {
    class: 'utrecht-textbox utrecht-textbox--html-input utrecht-textbox--numeric',
    type: 'text',
    id: 'bsn',
    inputmode: 'numeric',
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    maxlength: '9',
    'aria-required': 'true',
    'aria-describedby': 'bsn-help bsn-error',
    'data-private': 'true',
  });
  const form = h(
    'form',
    { id: 'subject-form', class: 'inzage-form-row', method: 'post', autocomplete: 'off', novalidate: true },
    field('bsn', 'Burgerservicenummer (BSN)', bsnInput),
    field('subject-from', 'Van', dateInput('subject-from', addDays(today, -365))),
    field('subject-to', 'Tot en met', dateInput('subject-to', today)),
    h('div', { class: 'inzage-actions' }, h('button', { type: 'submit', class: 'utrecht-button utrecht-button--primary-action' }, 'Zoeken')),
  );
  let held = null; // the BSN of the current result, in memory only, for "Meer laden"
  onLeave(() => {
    held = null;
    bsnInput.value = '';
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const bsn = bsnInput.value.replace(/\s+/g, '');
    bsnInput.value = '';
    held = null;
    if (!validBsn(bsn)) {
      error.textContent = 'Dit is geen geldig BSN (9 cijfers die de elfproef doorstaan).';
      bsnInput.setAttribute('aria-invalid', 'true');
      bsnInput.focus();
      return;
    }
    const p = readPeriod(form, 'subject-from', 'subject-to');
    if (p.error) {
      error.textContent = p.error;
      return;
    }
    bsnInput.removeAttribute('aria-invalid');
    error.textContent = '';
    held = bsn;
    resultsPager(ctx, results, 'Inzagen bij de gezochte inwoner', 'subject-results-table', (cursor) => {
      const body = { bsn: held, from: p.from, to: p.to, limit: PAGE };
      if (cursor) body.cursor = cursor;
      return api.post('/v1/subjects/accesses', body);
    });
  });
  return h(
    'section',
    { class: 'inzage-section', 'aria-labelledby': 'subject-heading' },
    h('h2', { class: 'utrecht-heading-2', id: 'subject-heading' }, 'Inzagen bij een inwoner'),
    h('p', { class: 'utrecht-paragraph' }, 'Voor een verzoek of klacht van een inwoner. Uw zoekvraag wordt zelf ook vastgelegd.'),
    h('p', { class: 'utrecht-form-field-description', id: 'bsn-help' }, 'Het BSN gaat alleen in de zoekvraag naar de server en wordt daarna uit het veld gewist; het komt niet in de adresbalk of de geschiedenis.'),
    form,
    error,
    results,
  );
}

export function investigateView(ctx, params) {
  const leaves = [];
  const heading = ctx.show(
    'Onderzoek',
    actorSection(ctx, params),
    subjectSection(ctx, (fn) => leaves.push(fn)),
  );
  ctx.cleanup = () => {
    for (const fn of leaves) fn();
  };
  return heading;
}
