// One alert: what happened, the rules and their policy clauses, the guidance, the evidence, the
// timeline, the employee's recent accesses, and (for the CISO only) the status transitions.
import { api, ApiError, seg } from '/ui/common/api.js';
import { h, clear, focusElement } from '/ui/common/dom.js';
import { STATUSES, VERDICTS, TRANSITIONS, TRANSITION_LABELS, humanise } from '/ui/common/labels.js';
import { formatDateTime, rfc3339 } from '/ui/common/time.js';
import { clockElement, severityBadge, tickClocks } from '/ui/console/queue.js';
import { entriesTable, appendEntryRows, SubjectNumbers } from '/ui/console/entries.js';

const REASON_MAX = 1000;
const DAY_MS = 86400000;

function section(id, title, ...children) {
  return h('section', { class: 'inzage-section', 'aria-labelledby': id }, h('h2', { class: 'utrecht-heading-2', id }, title), ...children);
}

function facts(alert) {
  const dl = h('dl', { class: 'inzage-facts', id: 'alert-facts' });
  const add = (k, ...v) => dl.append(h('dt', null, k), h('dd', null, ...v));
  add('Regel', h('code', { class: 'utrecht-code' }, alert.rule));
  add('Ernst', severityBadge(alert.severity));
  add('Oordeel', VERDICTS[alert.verdict] || alert.verdict || '');
  add('Status', h('span', { id: 'alert-status', dataset: { status: alert.status } }, STATUSES[alert.status] || alert.status));
  add('Medewerker', alert.actor || '—');
  add('Gemeente', alert.municipality || '—');
  add('Afdeling', h('span', { id: 'alert-department' }, alert.department ? humanise(alert.department) : '—'));
  add('Aantal inzagen', String(alert.count ?? ''));
  add('Betrokkenen', String(alert.subjects ?? ''));
  add('Eerst gezien', h('time', { datetime: alert.first_seen }, formatDateTime(alert.first_seen)));
  add('Laatst gezien', h('time', { datetime: alert.last_seen }, formatDateTime(alert.last_seen)));
  if (alert.breach_deadline) {
    add('Meldtermijn', h('span', { id: 'alert-clock' }, clockElement(alert)), ` (uiterlijk ${formatDateTime(alert.breach_deadline)})`);
  }
  add('Beleidsversie', alert.policy_revision || '—');
  add('Kenmerk', h('code', { class: 'utrecht-code' }, alert.alert_id));
  return dl;
}

function timeline(alert) {
  const ol = h('ol', { class: 'inzage-timeline', id: 'alert-timeline' });
  const item = (at, ...text) => ol.append(h('li', null, h('time', { datetime: at }, formatDateTime(at)), ' – ', ...text));
  item(alert.first_seen, 'eerste inzage die de regel deed afgaan');
  for (const s of alert.status_history || []) {
    ol.append(
      h(
        'li',
        { class: 'inzage-history' },
        h('time', { datetime: s.at }, formatDateTime(s.at)),
        ' – ',
        h('strong', null, s.by || 'onbekend'),
        `: ${STATUSES[s.from] || s.from || '—'} → ${STATUSES[s.to] || s.to}.`,
        h('br'),
        'Reden: ',
        h('span', { class: 'inzage-reason' }, s.why || ''),
      ),
    );
  }
  if (alert.last_seen && alert.last_seen !== alert.first_seen) item(alert.last_seen, 'laatste inzage in deze melding');
  return ol;
}

function statusForm(ctx, alert, onChanged) {
  if (!ctx.isCiso()) {
    return h(
      'p',
      { class: 'utrecht-paragraph', id: 'status-readonly' },
      'Alleen de CISO kan de status van een melding wijzigen. U kunt de melding en het bewijs bekijken.',
    );
  }
  const next = TRANSITIONS[alert.status] || [];
  if (next.length === 0) {
    return h('p', { class: 'utrecht-paragraph', id: 'status-final' }, `Deze melding is ${STATUSES[alert.status] || alert.status}; er volgt geen stap meer.`);
  }
  const reason = h('textarea', {
    class: 'utrecht-textarea utrecht-textarea--html-textarea',
    id: 'status-reason',
    name: 'reason',
    'aria-required': 'true',
    maxlength: String(REASON_MAX),
    rows: '4',
    'aria-describedby': 'status-reason-help status-error',
  });
  const error = h('p', { class: 'inzage-error', id: 'status-error', role: 'alert' });
  const buttons = next.map((s, i) =>
    h(
      'button',
      {
        type: 'submit',
        name: 'status',
        value: s,
        class: ['utrecht-button', i === 0 ? 'utrecht-button--primary-action' : 'utrecht-button--secondary-action'],
        dataset: { transition: s },
      },
      TRANSITION_LABELS[s] || s,
    ),
  );
  const form = h(
    'form',
    { class: 'inzage-status-form', id: 'status-form', novalidate: true },
    h(
      'fieldset',
      { class: 'utrecht-form-fieldset utrecht-form-fieldset--html-fieldset' },
      h('legend', { class: 'utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend' }, 'Status wijzigen'),
      h(
        'div',
        { class: 'utrecht-form-field inzage-field' },
        h('label', { class: 'utrecht-form-label', for: 'status-reason' }, 'Reden (verplicht)'),
        h('p', { class: 'utrecht-form-field-description', id: 'status-reason-help' }, `Waarom deze stap? Ten hoogste ${REASON_MAX} tekens. De reden komt met uw naam en het tijdstip in de tijdlijn.`),
        reason,
      ),
      error,
      h('div', { class: 'inzage-actions' }, ...buttons),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const target = ev.submitter && ev.submitter.value;
    if (!target) return;
    const why = reason.value.trim();
    if (!why) {
      error.textContent = 'Vul een reden in.';
      reason.setAttribute('aria-invalid', 'true');
      reason.focus();
      return;
    }
    reason.removeAttribute('aria-invalid');
    error.textContent = '';
    for (const b of buttons) b.disabled = true;
    try {
      const updated = await api.post(`/v1/alerts/${seg(alert.alert_id)}/status`, { status: target, reason: why.slice(0, REASON_MAX) });
      onChanged(updated, target);
    } catch (err) {
      for (const b of buttons) b.disabled = false;
      if (err instanceof ApiError && err.status === 401) return;
      error.textContent = ctx.errorText(err);
    }
  });
  return form;
}

async function loadEvidence(ctx, alert, box, numbers) {
  clear(box).append(h('p', { class: 'utrecht-paragraph' }, 'Bewijs laden…'));
  try {
    const res = await api.get(`/v1/alerts/${seg(alert.alert_id)}/evidence`);
    const entries = Array.isArray(res.entries) ? res.entries : [];
    const total = alert.evidence && typeof alert.evidence.total === 'number' ? alert.evidence.total : entries.length;
    clear(box).append(
      h('p', { class: 'utrecht-paragraph' }, `${entries.length} van ${total} inzagen in deze melding.`),
      entries.length ? entriesTable({ caption: 'Inzagen die de melding deden afgaan', entries, numbers, assign: true, id: 'evidence-table' }) : '',
    );
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    clear(box).append(h('p', { class: 'inzage-error' }, ctx.errorText(err)));
  }
}

async function loadActorAccesses(ctx, alert, box, numbers) {
  if (!alert.actor) {
    clear(box).append(h('p', { class: 'utrecht-paragraph' }, 'Deze melding noemt geen medewerker.'));
    return;
  }
  const to = new Date();
  const from = new Date(to.getTime() - 30 * DAY_MS);
  const params = { from: rfc3339(from), to: rfc3339(to), limit: 50 };
  clear(box).append(h('p', { class: 'utrecht-paragraph' }, 'Inzagen laden…'));
  let tbody = null;
  let count = 0;
  const status = h('p', { class: 'utrecht-paragraph', role: 'status' });
  const more = h('button', { type: 'button', class: 'utrecht-button utrecht-button--secondary-action', hidden: true, id: 'actor-more' }, 'Meer laden');
  const page = async (cursor) => {
    try {
      const res = await api.get(`/v1/actors/${seg(alert.actor)}/accesses`, { ...params, cursor });
      const entries = Array.isArray(res.entries) ? res.entries : [];
      count += entries.length;
      if (!tbody) {
        const wrap = entriesTable({ caption: `Inzagen door ${alert.actor}, laatste 30 dagen`, entries, numbers, assign: false, id: 'actor-table' });
        tbody = wrap.querySelector('tbody');
        clear(box).append(status, wrap, h('div', { class: 'inzage-actions' }, more));
      } else {
        appendEntryRows(tbody, entries, numbers, false);
      }
      status.textContent = `${count} inzagen getoond${res.next_cursor ? '; er zijn er meer' : ''}.`;
      more.hidden = !res.next_cursor;
      more.onclick = () => page(res.next_cursor);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      clear(box).append(h('p', { class: 'inzage-error' }, ctx.errorText(err)));
    }
  };
  await page(undefined);
}

function renderAlert(ctx, alert, { announceChange = null } = {}) {
  if (ctx.cleanup) ctx.cleanup();
  const numbers = new SubjectNumbers(typeof alert.subjects === 'number' ? alert.subjects : null);
  const evidenceBox = h('div', { id: 'evidence' });
  const actorBox = h('div', { id: 'actor-accesses' });
  const statusBox = h('div', { id: 'status-box' });
  const changed = (updated, target) => {
    renderAlert(ctx, updated, { announceChange: target });
  };
  statusBox.append(statusForm(ctx, alert, changed));

  const policyList = h(
    'ul',
    { class: 'utrecht-unordered-list', id: 'policy-refs' },
    (alert.policy_refs || []).map((r) => h('li', { class: 'utrecht-unordered-list__item' }, r)),
  );
  const heading = ctx.show(
    `Melding ${alert.rule}`,
    h('p', { class: 'utrecht-paragraph' }, h('a', { class: 'utrecht-link utrecht-link--html-a', href: '#/meldingen', id: 'back-to-queue' }, '← Terug naar de meldingen')),
    facts(alert),
    section('what-heading', 'Wat is er gebeurd', h('p', { class: 'utrecht-paragraph', id: 'alert-explanation' }, alert.explanation || '')),
    section(
      'rules-heading',
      'Regel en beleid',
      h('p', { class: 'utrecht-paragraph' }, 'Regel ', h('code', { class: 'utrecht-code' }, alert.rule), ' ging af. Het beleid waarop die rust:'),
      (alert.policy_refs || []).length ? policyList : h('p', { class: 'utrecht-paragraph' }, 'Geen beleidsverwijzing.'),
    ),
    section('guidance-heading', 'Wat te doen', h('p', { class: 'utrecht-paragraph', id: 'alert-guidance' }, alert.guidance || 'Geen handreiking bij deze regel.')),
    section('status-heading', 'Status', statusBox),
    section('timeline-heading', 'Tijdlijn', timeline(alert)),
    section('evidence-heading', 'Bewijs', evidenceBox),
    section(
      'actor-heading',
      'Recente inzagen door deze medewerker',
      alert.actor
        ? h('p', { class: 'utrecht-paragraph' }, h('a', { class: 'utrecht-link utrecht-link--html-a', href: `#/onderzoek?actor=${encodeURIComponent(alert.actor)}` }, `Een andere periode voor ${alert.actor} onderzoeken`))
        : '',
      actorBox,
    ),
  );
  const stop = tickClocks(ctx.main);
  ctx.cleanup = stop;
  if (announceChange) {
    const last = (alert.status_history || []).slice(-1)[0];
    const who = last ? ` door ${last.by} op ${formatDateTime(last.at)}` : '';
    ctx.live(`Status gewijzigd naar ${STATUSES[alert.status] || alert.status}${who}.`);
    focusElement(document.getElementById('status-heading'));
  }
  // Evidence first (it numbers the subjects), then the employee's other accesses.
  loadEvidence(ctx, alert, evidenceBox, numbers).then(() => loadActorAccesses(ctx, alert, actorBox, numbers));
  return heading;
}

export function alertView(ctx, id) {
  const heading = ctx.show('Melding', h('p', { class: 'utrecht-paragraph', role: 'status' }, 'Melding laden…'));
  let gone = false;
  ctx.cleanup = () => {
    gone = true;
  };
  api
    .get(`/v1/alerts/${seg(id)}`)
    .then((alert) => {
      if (gone) return;
      const hadFocus = document.activeElement === heading;
      const newHeading = renderAlert(ctx, alert);
      if (hadFocus) focusElement(newHeading);
      document.body.dataset.alertRendered = alert.alert_id;
    })
    .catch((err) => {
      if (gone || (err instanceof ApiError && err.status === 401)) return;
      ctx.show('Melding', h('div', { class: 'utrecht-alert utrecht-alert--error', role: 'alert' }, h('p', { class: 'utrecht-paragraph' }, ctx.errorText(err))));
    });
  return heading;
}
