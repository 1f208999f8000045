// A table of accesses as investigators see them (InvestigationEntry). Citizens appear only as
// "betrokkene i van n": never a BSN, never the pseudonym itself.
import { h } from '/ui/common/dom.js';
import { ACTIONS, CATEGORIES, VERDICTS, RECIPIENT_KINDS, nameOf, idOf } from '/ui/common/labels.js';
import { formatDateTime } from '/ui/common/time.js';

// Numbers the subjects of one alert in order of first appearance: pseudonym -> 1, 2, ...
export class SubjectNumbers {
  constructor(total = null) {
    this.map = new Map();
    this.total = total;
  }

  add(pseudonym) {
    if (!this.map.has(pseudonym)) this.map.set(pseudonym, this.map.size + 1);
    return this.map.get(pseudonym);
  }

  label(pseudonym) {
    const n = this.map.get(pseudonym);
    if (!n) return null;
    const total = Math.max(this.total || 0, this.map.size);
    return `betrokkene ${n} van ${total}`;
  }
}

function subjectsCell(e, numbers, assign) {
  const count = Number(e.subject_count ?? (e.subjects || []).length);
  if (!numbers) return count === 1 ? '1 betrokkene' : `${count} betrokkenen`;
  const labels = [];
  let known = 0;
  for (const s of e.subjects || []) {
    if (assign) numbers.add(s);
    const l = numbers.label(s);
    if (l) {
      labels.push(l);
      known += 1;
    }
  }
  const rest = count - known;
  if (rest > 0) labels.push(labels.length ? `en ${rest} andere` : rest === 1 ? '1 betrokkene' : `${rest} betrokkenen`);
  return labels.length ? labels.join(', ') : '0 betrokkenen';
}

// columns: which to show; numbers: SubjectNumbers; assign: whether new pseudonyms get numbers.
export function entriesTable({ caption, entries, numbers = null, assign = false, id }) {
  const head = ['Tijd', 'Medewerker', 'Gemeente en afdeling', 'Rol', 'Handeling', 'Doel', 'Gegevens', 'Zaak', 'Oordeel en regels', 'Betrokkenen'];
  const tbody = h('tbody', { class: 'utrecht-table__body' });
  const table = h(
    'table',
    { class: 'utrecht-table utrecht-table--html-table inzage-entries', id },
    h('caption', { class: 'utrecht-table__caption' }, caption),
    h(
      'thead',
      { class: 'utrecht-table__header' },
      h('tr', { class: 'utrecht-table__row' }, head.map((c) => h('th', { class: 'utrecht-table__header-cell', scope: 'col' }, c))),
    ),
    tbody,
  );
  appendEntryRows(tbody, entries, numbers, assign);
  return h('div', { class: 'inzage-table-wrap', tabindex: '0', role: 'region', 'aria-label': caption }, table);
}

export function appendEntryRows(tbody, entries, numbers = null, assign = false) {
  const frag = document.createDocumentFragment();
  for (const e of entries) {
    const act = e.activity || {};
    const cats = (e.categories || []).map((c) => CATEGORIES.nl[c] || c);
    const data = [nameOf(e.domain), e.info ? `niveau ${e.info}` : '', cats.length ? `bijzonder: ${cats.join(', ')}` : ''].filter(Boolean).join('; ');
    const recipient = e.recipient ? `; verstrekt aan ${nameOf(e.recipient)} (${RECIPIENT_KINDS.nl[e.recipient.kind] || e.recipient.kind})` : '';
    const rules = (e.rules || []).join(', ');
    const cell = (...c) => h('td', { class: 'utrecht-table__cell' }, ...c);
    frag.append(
      h(
        'tr',
        { class: 'utrecht-table__row', dataset: { eventId: e.event_id || '' } },
        cell(h('time', { datetime: e.time }, formatDateTime(e.time))),
        cell(e.actor || ''),
        cell([nameOf(e.municipality), e.department ? nameOf(e.department) : ''].filter(Boolean).join(', ')),
        cell(nameOf(e.role)),
        cell(ACTIONS.nl[e.action] || e.action || ''),
        cell(act.name || act.id || 'geen doel opgegeven'),
        cell(data + recipient),
        cell(h('span', { class: 'inzage-case' }, e.case_id || '—')),
        cell(VERDICTS[e.verdict] || e.verdict || '', rules ? ` (${rules})` : ''),
        cell(subjectsCell(e, numbers, assign)),
      ),
    );
  }
  tbody.append(frag);
}

export { idOf };
