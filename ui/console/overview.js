// The overview as charts (Chart.js, from ui/vendor): decisions per hour by verdict, the rules
// that fired most, violations by department, the invalid-input rate per hour, consumer lag per
// partition and the policy revision in force. Every chart has its numbers as a table beside it.
import { api, ApiError } from '/ui/common/api.js';
import { h, clear } from '/ui/common/dom.js';
import { humanise, VERDICTS } from '/ui/common/labels.js';
import { TZ, formatLastPeriod } from '/ui/common/time.js';

const COLORS = { allow: '#2e7d32', review: '#b26a00', violation: '#a4001d', invalid: '#5c5c5c', bar: '#1f4e79' };
const REFRESH_MS = 60000;

const hourFmt = new Intl.DateTimeFormat('nl-NL', { timeZone: TZ, hour: '2-digit', minute: '2-digit' });
const dayHourFmt = new Intl.DateTimeFormat('nl-NL', { timeZone: TZ, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

function hourLabel(iso, i) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const local = hourFmt.format(d);
  return i === 0 || local.startsWith('00:') ? dayHourFmt.format(d) : local;
}

function dataTable(caption, head, rows) {
  return h(
    'details',
    { class: 'inzage-details' },
    h('summary', null, `${caption} als tabel`),
    h(
      'div',
      { class: 'inzage-table-wrap' },
      h(
        'table',
        { class: 'utrecht-table utrecht-table--html-table' },
        h('caption', { class: 'utrecht-table__caption inzage-sr-only' }, caption),
        h('thead', { class: 'utrecht-table__header' }, h('tr', { class: 'utrecht-table__row' }, head.map((c) => h('th', { class: 'utrecht-table__header-cell', scope: 'col' }, c)))),
        h(
          'tbody',
          { class: 'utrecht-table__body' },
          rows.map((r) => h('tr', { class: 'utrecht-table__row' }, r.map((c, i) => (i === 0 ? h('th', { class: 'utrecht-table__header-cell', scope: 'row' }, c) : h('td', { class: 'utrecht-table__cell utrecht-table__cell--numeric-data' }, String(c)))))),
        ),
      ),
    ),
  );
}

function figure(id, title, summary, table) {
  const canvas = h('canvas', { id: `${id}-canvas`, role: 'img', 'aria-label': `${title}: ${summary}` });
  const el = h(
    'figure',
    { class: 'inzage-figure inzage-card', id },
    h('figcaption', null, h('h2', { class: 'utrecht-heading-3' }, title), h('p', { class: 'utrecht-paragraph inzage-muted' }, summary)),
    h('div', { class: 'inzage-chart' }, canvas),
    table,
  );
  return { el, canvas };
}

// The share of invalid input in one hour, in percent (null for an hour without messages).
function invalidShare(x) {
  const invalid = Number(x.invalid) || 0;
  const all = (Number(x.allow) || 0) + (Number(x.review) || 0) + (Number(x.violation) || 0) + invalid;
  return all ? (invalid / all) * 100 : null;
}

const pctText = (v) => (v === null ? '—' : `${v.toLocaleString('nl-NL', { maximumFractionDigits: 2 })} %`);

function baseOptions(extra = {}) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { display: false } },
    ...extra,
  };
}

function render(ctx, grid, data, charts) {
  const Chart = window.Chart;
  for (const c of charts.splice(0)) c.destroy();
  clear(grid);
  const hours = Array.isArray(data.hours) ? data.hours : [];
  const sum = (k) => hours.reduce((s, x) => s + (Number(x[k]) || 0), 0);

  // 1. decisions per hour by verdict, stacked
  const verdicts = ['allow', 'review', 'violation'];
  const f1 = figure(
    'chart-decisions',
    `Beslissingen per uur (laatste ${hours.length} uur)`,
    `${sum('allow').toLocaleString('nl-NL')} toegestaan, ${sum('review').toLocaleString('nl-NL')} te beoordelen, ${sum('violation').toLocaleString('nl-NL')} overtredingen`,
    dataTable('Beslissingen per uur', ['Uur', ...verdicts.map((v) => VERDICTS[v]), 'ongeldig'], hours.map((x, i) => [hourLabel(x.hour, i), x.allow ?? 0, x.review ?? 0, x.violation ?? 0, x.invalid ?? 0])),
  );
  // 2. top rules
  const top = Array.isArray(data.top_rules) ? data.top_rules : [];
  const f2 = figure(
    'chart-rules',
    'Regels die het vaakst afgingen',
    top.length ? `Meest: ${top[0].rule} (${top[0].count})` : 'Geen regels afgegaan',
    dataTable('Regels die het vaakst afgingen', ['Regel', 'Aantal'], top.map((r) => [r.rule, r.count])),
  );
  // 3. violations by department
  const deps = Array.isArray(data.violations_by_department) ? data.violations_by_department : [];
  const f3 = figure(
    'chart-departments',
    'Overtredingen per afdeling',
    deps.length ? `Meest: ${humanise(deps[0].department)} (${deps[0].count})` : 'Geen overtredingen',
    dataTable('Overtredingen per afdeling', ['Afdeling', 'Aantal'], deps.map((d) => [humanise(d.department), d.count])),
  );
  // 4. consumer lag per partition
  const lag = Array.isArray(data.consumer_lag) ? data.consumer_lag : [];
  const maxLag = lag.reduce((m, l) => Math.max(m, Number(l.lag) || 0), 0);
  const f4 = figure(
    'chart-lag',
    'Achterstand van de consument per partitie',
    `${lag.length} partities, grootste achterstand ${maxLag.toLocaleString('nl-NL')} berichten`,
    dataTable('Achterstand per partitie', ['Partitie', 'Berichten achter'], lag.map((l) => [`partitie ${l.partition}`, l.lag])),
  );

  // 5. the invalid-input rate: per hour (the hourly counts the overview sends), and over the
  // whole window (the server's invalid.window, an ISO 8601 duration such as PT48H).
  const inv = data.invalid || {};
  const msgs = Number(inv.messages) || 0;
  const bad = Number(inv.invalid) || 0;
  const pct = msgs ? ((bad / msgs) * 100).toLocaleString('nl-NL', { maximumFractionDigits: 2 }) : '0';
  const window_ = formatLastPeriod(inv.window, 'nl');
  const shares = hours.map(invalidShare);
  let worst = -1;
  shares.forEach((v, i) => {
    if (v !== null && (worst < 0 || v > shares[worst])) worst = i;
  });
  const f5 = figure(
    'chart-invalid',
    'Ongeldige invoer per uur',
    `${pct} % ongeldig in ${window_}${worst >= 0 && shares[worst] > 0 ? `; hoogste ${pctText(shares[worst])} om ${hourLabel(hours[worst].hour, 0)}` : ''}`,
    dataTable('Ongeldige invoer per uur', ['Uur', 'Ongeldig', 'Berichten', 'Aandeel ongeldig'], hours.map((x, i) => [
      hourLabel(x.hour, i),
      x.invalid ?? 0,
      (Number(x.allow) || 0) + (Number(x.review) || 0) + (Number(x.violation) || 0) + (Number(x.invalid) || 0),
      pctText(shares[i]),
    ])),
  );

  // 6. the same rate as one figure, and the policy revision, as text
  const facts = h(
    'section',
    { class: 'inzage-card', 'aria-labelledby': 'facts-heading', id: 'overview-facts' },
    h('h2', { class: 'utrecht-heading-3', id: 'facts-heading' }, 'Invoer en beleid'),
    h(
      'dl',
      { class: 'inzage-facts' },
      h('dt', null, 'Ongeldige invoer'),
      h('dd', { id: 'invalid-rate', dataset: { window: inv.window || '' } }, `${pct} % (${bad.toLocaleString('nl-NL')} van ${msgs.toLocaleString('nl-NL')} berichten in ${window_})`),
      h('dt', null, 'Beleid in werking'),
      h('dd', { id: 'policy-revision' }, h('code', { class: 'utrecht-code' }, data.policy_revision || 'onbekend')),
    ),
  );

  grid.append(facts, f1.el, f5.el, f2.el, f3.el, f4.el);
  if (!Chart) {
    grid.prepend(h('p', { class: 'inzage-error' }, 'De grafieken konden niet worden geladen; de tabellen tonen de cijfers.'));
    return;
  }
  charts.push(
    new Chart(f1.canvas, {
      type: 'bar',
      data: {
        labels: hours.map((x, i) => hourLabel(x.hour, i)),
        datasets: verdicts.map((v) => ({ label: VERDICTS[v], data: hours.map((x) => x[v] ?? 0), backgroundColor: COLORS[v], stack: 'd' })),
      },
      options: baseOptions({ plugins: { legend: { display: true, position: 'bottom' } }, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }),
    }),
    new Chart(f2.canvas, {
      type: 'bar',
      data: { labels: top.map((r) => r.rule), datasets: [{ label: 'Aantal', data: top.map((r) => r.count), backgroundColor: COLORS.bar }] },
      options: baseOptions({ indexAxis: 'y', scales: { x: { beginAtZero: true } } }),
    }),
    new Chart(f3.canvas, {
      type: 'bar',
      data: { labels: deps.map((d) => humanise(d.department)), datasets: [{ label: 'Overtredingen', data: deps.map((d) => d.count), backgroundColor: COLORS.violation }] },
      options: baseOptions({ indexAxis: 'y', scales: { x: { beginAtZero: true } } }),
    }),
    new Chart(f4.canvas, {
      type: 'bar',
      data: { labels: lag.map((l) => `p${l.partition}`), datasets: [{ label: 'Berichten achter', data: lag.map((l) => l.lag), backgroundColor: COLORS.bar }] },
      options: baseOptions({ scales: { y: { beginAtZero: true } } }),
    }),
    new Chart(f5.canvas, {
      type: 'line',
      data: {
        labels: hours.map((x, i) => hourLabel(x.hour, i)),
        datasets: [{ label: 'Ongeldig (%)', data: shares, borderColor: COLORS.invalid, backgroundColor: COLORS.invalid, pointRadius: 2, spanGaps: false }],
      },
      options: baseOptions({ scales: { y: { beginAtZero: true, title: { display: true, text: '% ongeldig' } } } }),
    }),
  );
}

// Chart.js (UMD, window.Chart) is loaded the first time the overview is opened, so the queue
// does not wait for it. A <script src> from this site is allowed by the CSP.
let chartJs = null;
function loadChartJs() {
  if (window.Chart) return Promise.resolve();
  if (!chartJs) {
    chartJs = new Promise((resolve) => {
      const s = h('script', { src: '/ui/vendor/chart.js/chart.umd.min.js' });
      s.addEventListener('load', () => resolve());
      s.addEventListener('error', () => {
        chartJs = null;
        resolve();
      });
      document.head.append(s);
    });
  }
  return chartJs;
}

export function overviewView(ctx) {
  const charts = [];
  const grid = h('div', { class: 'inzage-grid', id: 'overview-grid' });
  const status = h('p', { class: 'utrecht-paragraph', role: 'status', id: 'overview-status' });
  const refresh = h('button', { type: 'button', class: 'utrecht-button utrecht-button--secondary-action', id: 'overview-refresh' }, 'Vernieuwen');
  let timer = null;
  let gone = false;
  const load = async () => {
    try {
      const [data] = await Promise.all([api.get('/v1/overview', { hours: 48 }), loadChartJs()]);
      if (gone) return;
      render(ctx, grid, data, charts);
      status.textContent = `Bijgewerkt om ${hourFmt.format(new Date())}.`;
      document.body.dataset.overviewRendered = String(Date.now());
    } catch (err) {
      if (gone || (err instanceof ApiError && err.status === 401)) return;
      status.textContent = ctx.errorText(err);
    }
  };
  refresh.addEventListener('click', load);
  const heading = ctx.show('Overzicht', h('div', { class: 'inzage-actions' }, refresh, status), grid);
  timer = window.setInterval(load, REFRESH_MS);
  ctx.cleanup = () => {
    gone = true;
    window.clearInterval(timer);
    for (const c of charts.splice(0)) c.destroy();
  };
  load();
  return heading;
}
