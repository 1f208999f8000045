// The queue: open alerts, sorted by the server (breach deadline, then severity), with filters and
// cursor paging that holds with tens of thousands of alerts. Each row's first cell is a link:
// Tab reaches it, Enter opens the alert.
import { api, ApiError } from '/ui/common/api.js';
import { h, $, clear, focusElement } from '/ui/common/dom.js';
import { SEVERITIES, STATUSES, CLOCK_RUNS, humanise } from '/ui/common/labels.js';
import { countdown, formatDateTime } from '/ui/common/time.js';

const PAGE = 50;
let renders = 0; // body[data-queue-rendered]: tests wait for it to change

export const RULES = [
  'citizen.reported',
  'auth.unknown_actor', 'auth.role_not_permitted', 'auth.municipality_scope',
  'sd.wat_other_domain', 'sd.dat_without_case', 'sd.regisseur_wat_without_case', 'sd.aggregate_only',
  'purpose.missing', 'purpose.unregistered', 'purpose.not_for_role', 'purpose.domain_mismatch',
  'basis.consent_missing', 'basis.consent_withdrawn',
  'ntk.no_relationship', 'ntk.case_closed', 'ntk.subject_not_in_case',
  'brp.fields_outside_set', 'brp.method_not_allowed',
  'special.no_basis', 'special.emergency_access', 'special.emergency_no_reason',
  'provide.no_triage', 'provide.triage_scope', 'provide.processor_no_agreement', 'provide.outside_eu', 'provide.brp_secret',
  'behavior.self_access', 'behavior.household_access', 'behavior.colleague_access', 'behavior.vip_access',
  'behavior.volume_spike', 'behavior.browsing', 'behavior.off_hours', 'behavior.bulk_export',
  'input.invalid_rate', 'integrity.tamper',
];

const MUNICIPALITIES = { dinkelland: 'Dinkelland', tubbergen: 'Tubbergen' };

// Kept across visits of the queue (back from an alert returns to the same page and filters).
const memory = {
  filters: { status: 'open', severity: '', rule: '', municipality: '', department: '' },
  cursors: [null], // cursor of page 1, 2, ...; the last is the current page
  lastOpened: null,
};

// The 72-hour clock text for an alert, or '' when no breach clock applies.
export function clockFor(alert, now = Date.now()) {
  if (!alert.breach_deadline || !CLOCK_RUNS.has(alert.status)) return null;
  return countdown(alert.breach_deadline, now);
}

export function clockElement(alert) {
  const c = clockFor(alert);
  if (!c) return h('span', { class: 'inzage-muted' }, '—');
  return h(
    'time',
    {
      class: ['inzage-clock', c.overdue ? 'inzage-clock--overdue' : ''],
      datetime: alert.breach_deadline,
      dataset: { deadline: alert.breach_deadline },
      title: `Uiterlijk melden: ${formatDateTime(alert.breach_deadline)}`,
    },
    c.text,
  );
}

// Refreshes every running clock on the page; returns the interval's teardown.
export function tickClocks(root) {
  const tick = () => {
    for (const el of root.querySelectorAll('[data-deadline]')) {
      const c = countdown(el.dataset.deadline);
      if (!c) continue;
      if (el.textContent !== c.text) el.textContent = c.text;
      el.classList.toggle('inzage-clock--overdue', c.overdue);
    }
  };
  const id = window.setInterval(tick, 15000);
  return () => window.clearInterval(id);
}

export function severityBadge(sev) {
  return h('span', { class: ['inzage-badge', `inzage-badge--${sev}`] }, SEVERITIES[sev] || sev || '');
}

function select(id, label, options, value) {
  return h(
    'div',
    { class: 'utrecht-form-field inzage-field' },
    h('label', { class: 'utrecht-form-label', for: id }, label),
    h(
      'select',
      { class: 'utrecht-select utrecht-select--html-select', id, name: id.replace('f-', '') },
      Object.entries(options).map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
    ),
  );
}

function textField(id, label, value, extra = {}) {
  return h(
    'div',
    { class: 'utrecht-form-field inzage-field' },
    h('label', { class: 'utrecht-form-label', for: id }, label),
    h('input', { class: 'utrecht-textbox utrecht-textbox--html-input', type: 'text', id, name: id.replace('f-', ''), value, autocomplete: 'off', ...extra }),
  );
}

function filterForm(onApply) {
  const f = memory.filters;
  const form = h(
    'form',
    { class: 'inzage-form-row', id: 'queue-filters', 'aria-label': 'Filters', role: 'search' },
    select('f-status', 'Status', { '': 'alle', ...STATUSES }, f.status),
    select('f-severity', 'Ernst', { '': 'alle', ...SEVERITIES }, f.severity),
    textField('f-rule', 'Regel', f.rule, { list: 'rule-list', spellcheck: 'false' }),
    h('datalist', { id: 'rule-list' }, RULES.map((r) => h('option', { value: r }))),
    select('f-municipality', 'Gemeente', { '': 'alle', ...MUNICIPALITIES }, f.municipality),
    textField('f-department', 'Afdeling', f.department, { spellcheck: 'false' }),
    h(
      'div',
      { class: 'inzage-actions' },
      h('button', { type: 'submit', class: 'utrecht-button utrecht-button--primary-action' }, 'Filteren'),
      h('button', { type: 'reset', class: 'utrecht-button utrecht-button--subtle' }, 'Wissen'),
    ),
  );
  const read = () => ({
    status: form.querySelector('#f-status').value,
    severity: form.querySelector('#f-severity').value,
    rule: form.querySelector('#f-rule').value.trim(),
    municipality: form.querySelector('#f-municipality').value,
    // Department ids are kebab-case ("sociaal-domein"); the table shows them with spaces.
    department: form.querySelector('#f-department').value.trim().toLowerCase().replace(/\s+/g, '-'),
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    onApply(read());
  });
  form.addEventListener('reset', (ev) => {
    ev.preventDefault();
    form.querySelector('#f-status').value = 'open';
    for (const id of ['#f-severity', '#f-municipality']) form.querySelector(id).value = '';
    for (const id of ['#f-rule', '#f-department']) form.querySelector(id).value = '';
    onApply(read());
  });
  return form;
}

function row(alert) {
  const cell = (...c) => h('td', { class: 'utrecht-table__cell' }, ...c);
  const link = h(
    'a',
    {
      class: 'utrecht-link utrecht-link--html-a inzage-alert-link',
      href: `#/melding/${encodeURIComponent(alert.alert_id)}`,
      dataset: { alertId: alert.alert_id },
    },
    alert.rule,
  );
  link.addEventListener('click', () => {
    memory.lastOpened = alert.alert_id;
  });
  return h(
    'tr',
    { class: 'utrecht-table__row', dataset: { alertId: alert.alert_id } },
    h('th', { class: 'utrecht-table__header-cell', scope: 'row' }, link),
    cell(severityBadge(alert.severity)),
    cell(clockElement(alert)),
    cell(alert.actor || ''),
    cell(MUNICIPALITIES[alert.municipality] || alert.municipality || ''),
    cell(alert.department ? humanise(alert.department) : '—'),
    cell(String(alert.subjects ?? '')),
    cell(h('time', { datetime: alert.first_seen }, formatDateTime(alert.first_seen))),
    cell(STATUSES[alert.status] || alert.status),
  );
}

export function queueView(ctx) {
  let stopClocks = null;
  const results = h('div', { id: 'queue-results', 'aria-live': 'off' });
  const count = h('p', { class: 'utrecht-paragraph', id: 'queue-count', role: 'status' });
  const error = h('div', { id: 'queue-error', role: 'alert' });
  const pager = h('nav', { class: 'inzage-actions', 'aria-label': 'Paginering van de meldingen', id: 'queue-pager' });

  const load = async ({ focus = null } = {}) => {
    const cursor = memory.cursors[memory.cursors.length - 1];
    const f = memory.filters;
    results.setAttribute('aria-busy', 'true');
    clear(error);
    let page;
    try {
      page = await api.get('/v1/alerts', { ...f, limit: PAGE, cursor: cursor || undefined });
    } catch (err) {
      results.removeAttribute('aria-busy');
      if (err instanceof ApiError && err.status === 401) return;
      error.append(h('div', { class: 'utrecht-alert utrecht-alert--error' }, h('p', { class: 'utrecht-paragraph' }, ctx.errorText(err))));
      return;
    }
    const alerts = Array.isArray(page.alerts) ? page.alerts : [];
    const pageNo = memory.cursors.length;
    const from = (pageNo - 1) * PAGE + (alerts.length ? 1 : 0);
    const to = (pageNo - 1) * PAGE + alerts.length;
    const total = typeof page.total === 'number' ? page.total : null;
    count.textContent =
      alerts.length === 0
        ? 'Geen meldingen die aan de filters voldoen.'
        : `Meldingen ${from.toLocaleString('nl-NL')}–${to.toLocaleString('nl-NL')}${total !== null ? ` van ${total.toLocaleString('nl-NL')}` : ''} (pagina ${pageNo}).`;

    const tbody = h('tbody', { class: 'utrecht-table__body' });
    const frag = document.createDocumentFragment();
    for (const a of alerts) frag.append(row(a));
    tbody.append(frag);
    const head = ['Regel', 'Ernst', 'Termijn (72 uur)', 'Medewerker', 'Gemeente', 'Afdeling', 'Betrokkenen', 'Eerst gezien', 'Status'];
    const table = h(
      'table',
      { class: 'utrecht-table utrecht-table--html-table utrecht-table--row-focus-within inzage-queue', id: 'queue-table' },
      h('caption', { class: 'utrecht-table__caption inzage-sr-only' }, 'Meldingen, de kortste meldtermijn eerst'),
      h(
        'thead',
        { class: 'utrecht-table__header' },
        h('tr', { class: 'utrecht-table__row' }, head.map((c) => h('th', { class: 'utrecht-table__header-cell', scope: 'col' }, c))),
      ),
      tbody,
    );
    clear(results).append(alerts.length ? h('div', { class: 'inzage-table-wrap' }, table) : '');
    results.removeAttribute('aria-busy');

    clear(pager);
    if (memory.cursors.length > 1) {
      pager.append(
        h('button', { type: 'button', class: 'utrecht-button utrecht-button--secondary-action', id: 'queue-prev', onclick: () => {
          memory.cursors.pop();
          load({ focus: 'first' });
        } }, 'Vorige pagina'),
      );
    }
    if (page.next_cursor) {
      pager.append(
        h('button', { type: 'button', class: 'utrecht-button utrecht-button--secondary-action', id: 'queue-next', onclick: () => {
          memory.cursors.push(page.next_cursor);
          load({ focus: 'first' });
        } }, 'Volgende pagina'),
      );
    }

    if (stopClocks) stopClocks();
    stopClocks = tickClocks(results);
    if (!window.__inzageQueueRendered) {
      window.__inzageQueueRendered = true;
      window.performance.mark('inzage:queue-rendered');
    }
    renders += 1;
    document.body.dataset.queueRendered = String(renders);

    if (focus === 'first') {
      const first = results.querySelector('.inzage-alert-link');
      if (first) first.focus();
      else focusElement(count);
    } else if (focus === 'last-opened' && memory.lastOpened) {
      const back = results.querySelector(`.inzage-alert-link[data-alert-id="${CSS.escape(memory.lastOpened)}"]`);
      if (back) back.focus();
    }
  };

  const form = filterForm((filters) => {
    memory.filters = filters;
    memory.cursors = [null];
    load();
  });
  const heading = ctx.show(
    'Meldingen',
    h('p', { class: 'utrecht-paragraph' }, 'De kortste meldtermijn eerst, daarna de ernstigste. De termijn is de 72 uur waarbinnen een datalek bij de Autoriteit Persoonsgegevens gemeld moet zijn.'),
    form,
    count,
    error,
    results,
    pager,
  );
  ctx.cleanup = () => {
    if (stopClocks) stopClocks();
  };
  load({ focus: memory.lastOpened ? 'last-opened' : null });
  return memory.lastOpened ? null : heading;
}
