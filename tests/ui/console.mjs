// The console of the CISO and the privacy officer, /ui/console/, against the running daemon.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  env, browser, newContext, signIn, watch, openAs, assertClean, screenshot, axeProblems, requireEnv, BSNS, alertOnTopic,
} from './lib.mjs';

const CLOCK_RUNS = new Set(['open', 'acknowledged', 'confirmed_breach']);

async function queueLoaded(page) {
  await page.waitForFunction(() => document.body.dataset.queueRendered || document.querySelector('#queue-error .utrecht-alert'));
}

async function apiGet(context, path) {
  const r = await context.request.get(`${env.url}${path}`);
  assert.equal(r.status(), 200, `GET ${path}: HTTP ${r.status()}`);
  return r.json();
}

// Minutes left in the page's "nog H u M min", or -1 for "overschreden".
function minutesOf(text) {
  if (/overschreden/.test(text)) return -1;
  const m = /nog (\d+) u (\d+) min/.exec(text);
  assert.ok(m, `countdown text "${text}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

// An open alert to work on, straight from the API.
async function someOpenAlert(context) {
  const page = await apiGet(context, '/v1/alerts?status=open&limit=50');
  assert.ok(page.alerts.length > 0, 'the demo has open alerts');
  return page.alerts[page.alerts.length - 1];
}

describe('console', () => {
  it('the one-time login URL signs in once, and only once', async (t) => {
    if (!requireEnv(t, 'CONSOLE_LOGIN_URL')) return;
    const b = await browser();
    const first = await newContext(b);
    const second = await newContext(b);
    try {
      const page = await first.newPage();
      const w = watch(page);
      await page.goto(env.consoleLogin);
      assert.match(page.url(), /\/ui\/console\/(#.*)?$/);
      await queueLoaded(page);
      assert.equal(await page.locator('#signed-out').count(), 0);
      await assertClean(assert, page, w);
      const again = await second.newPage();
      await again.goto(env.consoleLogin).catch(() => {});
      const s = await second.request.get(`${env.url}/v1/session`);
      assert.equal(s.status(), 401, 'a second use of the one-time URL opens no session');
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('the queue shows the API\'s first page, in the server\'s order, and the clock matches breach_deadline', async () => {
    const { context, page, w } = await openAs(env.cisoToken, null);
    try {
      const resp = page.waitForResponse((r) => r.url().includes('/v1/alerts?') && r.request().method() === 'GET');
      await page.goto('/ui/console/');
      const body = await (await resp).json();
      await queueLoaded(page);
      const q = new URL((await resp).url()).searchParams;
      assert.equal(q.get('status'), 'open', 'the queue starts with the open alerts');
      const ids = await page.$$eval('#queue-table tbody tr', (rows) => rows.map((r) => r.dataset.alertId));
      assert.deepEqual(ids, body.alerts.map((a) => a.alert_id), 'the rows are the API\'s alerts in its order');
      if (typeof body.total === 'number') {
        assert.match(await page.textContent('#queue-count'), new RegExp(body.total.toLocaleString('nl-NL').replace(/\./g, '\\.')));
      }
      // The 72-hour clock.
      let checked = 0;
      for (const a of body.alerts) {
        const cell = page.locator(`#queue-table tr[data-alert-id="${a.alert_id}"] td`).nth(1);
        const text = (await cell.textContent()).trim();
        if (!a.breach_deadline || !CLOCK_RUNS.has(a.status)) {
          assert.equal(text, '—');
          continue;
        }
        const left = (Date.parse(a.breach_deadline) - Date.now()) / 60000;
        const shown = minutesOf(text);
        if (left <= 0) assert.equal(shown, -1, `alert ${a.alert_id}: overschreden`);
        else assert.ok(Math.abs(shown - Math.floor(left)) <= 1, `alert ${a.alert_id}: shows ${text}, ${left.toFixed(1)} min are left`);
        checked += 1;
      }
      assert.ok(checked > 0 || body.alerts.length === 0, 'at least one clock was checked');
      await screenshot(page, 'console-queue');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('pages through the queue with the cursor ("Volgende pagina", "Vorige pagina")', async () => {
    const { context, page, w } = await openAs(env.cisoToken, null);
    try {
      // Cursors are sealed with a fresh nonce each time they are issued, so a second request
      // for the same page gets another string: the page must send back the very cursor that its
      // own first page carried.
      const first = page.waitForResponse((r) => r.url().includes('/v1/alerts?') && r.request().method() === 'GET');
      await page.goto('/ui/console/');
      const api1 = await (await first).json();
      await queueLoaded(page);
      if (!api1.next_cursor) {
        assert.equal(await page.locator('#queue-next').count(), 0, 'no next page when the API has none');
        return;
      }
      const next = page.waitForResponse((r) => r.url().includes('/v1/alerts?') && r.url().includes('cursor='));
      await page.click('#queue-next');
      const r2 = await next;
      assert.equal(new URL(r2.url()).searchParams.get('cursor'), api1.next_cursor);
      const body2 = await r2.json();
      await page.waitForFunction((id) => document.querySelector('#queue-table tbody tr')?.dataset.alertId === id, body2.alerts[0].alert_id);
      assert.equal(await page.evaluate(() => document.activeElement.classList.contains('inzage-alert-link')), true, 'focus moves to the first alert of the new page');
      await page.click('#queue-prev');
      await page.waitForFunction((id) => document.querySelector('#queue-table tbody tr')?.dataset.alertId === id, api1.alerts[0].alert_id);
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('filters the queue (severity, municipality) through the API', async () => {
    const { context, page, w } = await openAs(env.cisoToken, '/ui/console/');
    try {
      await queueLoaded(page);
      await page.selectOption('#f-severity', 'high');
      await page.selectOption('#f-municipality', 'dinkelland');
      const drawn = await page.evaluate(() => document.body.dataset.queueRendered || '');
      const resp = page.waitForResponse((r) => r.url().includes('/v1/alerts?') && r.url().includes('severity=high'));
      await page.click('#queue-filters button[type=submit]');
      const r = await resp;
      const q = new URL(r.url()).searchParams;
      assert.equal(q.get('municipality'), 'dinkelland');
      assert.equal(q.get('status'), 'open');
      const body = await r.json();
      await page.waitForFunction((b) => (document.body.dataset.queueRendered || '') !== b, drawn);
      assert.equal(await page.locator('#queue-table tbody tr').count(), body.alerts.length);
      for (const a of body.alerts) assert.equal(a.severity, 'high');
      const badges = await page.$$eval('#queue-table tbody .inzage-badge', (els) => els.map((e) => e.textContent));
      assert.ok(badges.every((b) => b === 'hoog'));
      await page.click('#queue-filters button[type=reset]');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('an alert shows what happened, the rules, the guidance, the evidence without BSN or pseudonym, the timeline and the employee\'s accesses', async () => {
    const { context, page, w } = await openAs(env.cisoToken, null);
    try {
      const a = await someOpenAlert(context);
      const actorReq = page.waitForRequest((r) => a.actor && r.url().includes(`/v1/actors/${encodeURIComponent(a.actor)}/accesses?`));
      await page.goto(`/ui/console/#/melding/${encodeURIComponent(a.alert_id)}`);
      await page.waitForFunction((id) => document.body.dataset.alertRendered === id, a.alert_id);
      assert.equal(await page.textContent('#alert-explanation'), a.explanation);
      assert.equal(await page.textContent('#alert-guidance'), a.guidance || 'Geen handreiking bij deze regel.');
      const refs = await page.$$eval('#policy-refs li', (els) => els.map((e) => e.textContent));
      assert.deepEqual(refs, a.policy_refs || []);
      await page.waitForSelector('#evidence-table, #evidence p');
      const evidence = await apiGet(context, `/v1/alerts/${encodeURIComponent(a.alert_id)}/evidence`);
      if (evidence.entries.length) {
        const cells = await page.$$eval('#evidence-table tbody tr td:last-child', (els) => els.map((e) => e.textContent));
        assert.equal(cells.length, evidence.entries.length);
        for (const c of cells) assert.match(c, /betrokkene \d+ van \d+|betrokkenen?/);
      }
      if (a.actor) {
        const req = await actorReq;
        const u = new URL(req.url());
        const days = (Date.parse(u.searchParams.get('to')) - Date.parse(u.searchParams.get('from'))) / 86400000;
        assert.ok(Math.abs(days - 30) < 0.01, 'the employee\'s accesses of the last 30 days');
        await page.waitForSelector('#actor-table, #actor-accesses p');
      }
      const text = await page.locator('main').textContent();
      for (const e of evidence.entries) for (const s of e.subjects || []) assert.ok(!text.includes(s), 'no pseudonym on the page');
      assert.doesNotMatch(text, /\b\d{9}\b/, 'no BSN-like number on the page');
      assert.doesNotMatch(text, /\b[0-9a-f]{32}\b/, 'no pseudonym-like hex on the page');
      await screenshot(page, 'console-alert');
      assert.deepEqual(await axeProblems(page), [], 'the alert page is accessible');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('acknowledging an alert through the page changes it in the API, with who, when and why', async () => {
    const { context, page, w } = await openAs(env.cisoToken, null);
    try {
      const session = await apiGet(context, '/v1/session');
      const a = await someOpenAlert(context);
      await page.goto(`/ui/console/#/melding/${encodeURIComponent(a.alert_id)}`);
      await page.waitForFunction((id) => document.body.dataset.alertRendered === id, a.alert_id);
      // A reason is required.
      await page.click('[data-transition=acknowledged]');
      assert.match(await page.textContent('#status-error'), /reden/i);
      const reason = `UI-test: in behandeling genomen ${new Date().toISOString()}`;
      await page.fill('#status-reason', reason);
      const posted = page.waitForRequest((r) => r.url().endsWith(`/v1/alerts/${encodeURIComponent(a.alert_id)}/status`) && r.method() === 'POST');
      await page.click('[data-transition=acknowledged]');
      const req = await posted;
      assert.equal(req.headers()['x-inzage-request'], '1');
      assert.deepEqual(JSON.parse(req.postData()), { status: 'acknowledged', reason });
      await page.waitForSelector('#alert-status[data-status=acknowledged]');
      const after = await apiGet(context, `/v1/alerts/${encodeURIComponent(a.alert_id)}`);
      assert.equal(after.status, 'acknowledged', 'the API has the new status');
      const last = after.status_history[after.status_history.length - 1];
      assert.equal(last.to, 'acknowledged');
      assert.equal(last.from, 'open');
      assert.equal(last.why, reason);
      assert.equal(last.by, session.label);
      // The CISO's Kafka topic gets the new version.
      const onTopic = await alertOnTopic(a.alert_id, 'acknowledged');
      if (onTopic) {
        assert.equal(onTopic.version, after.version);
        assert.equal(onTopic.status_history[onTopic.status_history.length - 1].why, reason);
      }
      const timeline = await page.textContent('#alert-timeline');
      assert.ok(timeline.includes(reason) && timeline.includes(last.by), 'the timeline shows who and why');
      // The next steps from acknowledged.
      const next = await page.$$eval('[data-transition]', (els) => els.map((e) => e.dataset.transition).sort());
      assert.deepEqual(next, ['closed', 'confirmed_breach', 'dismissed']);
      await screenshot(page, 'console-alert-acknowledged');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('the privacy officer sees no status buttons', async () => {
    const context = await newContext(await browser());
    try {
      let real = false;
      if (env.officerToken) {
        await signIn(context, env.officerToken);
        real = true;
      } else {
        // No officer token from the runner: the CISO's session, shown to the page as an officer's.
        await signIn(context, env.cisoToken);
      }
      const page = await context.newPage();
      const w = watch(page);
      if (!real) {
        await page.route('**/v1/session', (route) =>
          route.request().method() === 'GET'
            ? route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ role: 'privacy-officer', label: 'fg-test', expires_at: new Date(Date.now() + 3600000).toISOString() }) })
            : route.continue(),
        );
      }
      const a = await someOpenAlert(context);
      await page.goto(`/ui/console/#/melding/${encodeURIComponent(a.alert_id)}`);
      await page.waitForFunction((id) => document.body.dataset.alertRendered === id, a.alert_id);
      assert.equal(await page.locator('#status-readonly').count(), 1);
      assert.equal(await page.locator('[data-transition]').count(), 0);
      if (real) {
        const r = await context.request.post(`${env.url}/v1/alerts/${encodeURIComponent(a.alert_id)}/status`, {
          data: { status: 'acknowledged', reason: 'not allowed' },
          headers: { 'X-Inzage-Request': '1' },
        });
        assert.equal(r.status(), 403, 'the server refuses the officer a status change');
      }
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('investigates an employee\'s accesses over a period', async () => {
    const { context, page, w } = await openAs(env.cisoToken, '/ui/console/#/onderzoek');
    try {
      const a = await someOpenAlert(context);
      await page.fill('#actor-id', a.actor);
      const resp = page.waitForResponse((r) => r.url().includes('/v1/actors/'));
      await page.click('#actor-form button[type=submit]');
      const r = await resp;
      const u = new URL(r.url());
      assert.equal(u.pathname, `/v1/actors/${encodeURIComponent(a.actor)}/accesses`);
      assert.ok(u.searchParams.get('from') && u.searchParams.get('to'));
      const body = await r.json();
      await page.waitForSelector('#actor-results [role=status]');
      assert.equal(await page.locator('#actor-results-table tbody tr').count(), body.entries.length);
      await screenshot(page, 'console-investigate-actor');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('the BSN investigation never puts the BSN in a URL, the history, storage or the console', async () => {
    const { context, page, w } = await openAs(env.cisoToken, '/ui/console/#/onderzoek');
    try {
      for (const bsn of BSNS) {
        await page.fill('#bsn', bsn);
        assert.equal(await page.getAttribute('#bsn', 'autocomplete'), 'off');
        const resp = page.waitForResponse((r) => r.url().endsWith('/v1/subjects/accesses'));
        await page.click('#subject-form button[type=submit]');
        const r = await resp;
        assert.equal(r.request().method(), 'POST');
        assert.equal(JSON.parse(r.request().postData()).bsn, bsn, 'the BSN goes in the POST body');
        assert.equal(r.status(), 200);
        await page.waitForSelector('#subject-results [role=status]');
        assert.equal(await page.inputValue('#bsn'), '', 'the field is emptied');
        // Every way a BSN could stay behind.
        assert.ok(!page.url().includes(bsn), 'not in the address');
        for (const req of w.requests) assert.ok(!req.url.includes(bsn), `not in request URL ${req.url}`);
        const cdp = await context.newCDPSession(page);
        const { entries } = await cdp.send('Page.getNavigationHistory');
        for (const e of entries) assert.ok(!e.url.includes(bsn), `not in history entry ${e.url}`);
        await cdp.detach();
        const stored = await page.evaluate(() => JSON.stringify({ ...window.localStorage }) + JSON.stringify({ ...window.sessionStorage }) + document.cookie);
        assert.ok(!stored.includes(bsn), 'not in storage or cookies');
        assert.ok(!(await page.content()).includes(bsn), 'not in the page');
        for (const line of w.console) assert.ok(!line.includes(bsn), 'not in the console');
      }
      await screenshot(page, 'console-investigate-bsn');
      assert.deepEqual(await axeProblems(page), [], 'the investigation page is accessible');
      // An invalid BSN is refused before anything is sent.
      const sent = () => w.requests.filter((r) => r.url.includes('/v1/subjects')).length;
      const before = sent();
      await page.fill('#bsn', '123456789');
      await page.click('#subject-form button[type=submit]');
      assert.match(await page.textContent('#bsn-error'), /elfproef/);
      assert.equal(sent(), before, 'nothing sent for a number that fails the elfproef');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('the overview shows its charts and the policy revision in force', async () => {
    const { context, page, w } = await openAs(env.cisoToken, null);
    try {
      const resp = page.waitForResponse((r) => r.url().includes('/v1/overview?'));
      await page.goto('/ui/console/#/overzicht');
      const body = await (await resp).json();
      await page.waitForFunction(() => document.body.dataset.overviewRendered);
      assert.equal(await page.locator('#overview-grid canvas').count(), 5);
      assert.equal((await page.textContent('#policy-revision')).trim(), body.policy_revision);
      // The invalid-input rate over the server's window, in words (PT48H: "de laatste 48 uur").
      const rate = await page.textContent('#invalid-rate');
      assert.match(rate, /%/);
      assert.doesNotMatch(rate, /\bP(T?\d)/, `the window is in words, not ISO 8601: "${rate}"`);
      const hoursOfWindow = /^PT(\d+)H$/.exec(body.invalid.window || '');
      assert.ok(hoursOfWindow, `the overview's invalid.window is PT<n>H (it is ${body.invalid.window})`);
      assert.ok(rate.includes(`in de laatste ${hoursOfWindow[1]} uur`), `"${rate}" names the last ${hoursOfWindow[1]} hours`);
      const rows = await page.locator('#chart-decisions table tbody tr').count();
      assert.equal(rows, body.hours.length, 'every hour in the table beside the chart');
      // ... and per hour, as a chart with its table: the share of invalid messages.
      const invalidRows = await page.$$eval('#chart-invalid table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
      assert.equal(invalidRows.length, body.hours.length, 'every hour in the invalid-input table');
      body.hours.forEach((x, i) => {
        const all = x.allow + x.review + x.violation + x.invalid;
        assert.equal(invalidRows[i][1], String(x.invalid), `hour ${x.hour}: invalid messages`);
        assert.equal(invalidRows[i][2], String(all), `hour ${x.hour}: messages`);
        if (!all) assert.equal(invalidRows[i][3], '—');
        else assert.match(invalidRows[i][3], / %$/);
      });
      // Each chart drawn (Chart.js, no animation) before the screenshot.
      await page.waitForFunction(() => [...document.querySelectorAll('#overview-grid canvas')].every((c) => window.Chart && window.Chart.getChart(c) && c.width > 0));
      await screenshot(page, 'console-overview');
      assert.deepEqual(await axeProblems(page), [], 'the overview is accessible');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('without a session the console shows a signed-out state with a way to sign in', async () => {
    const { context, page, w } = await openAs(null, '/ui/console/');
    try {
      await page.waitForSelector('#signed-out');
      const config = await (await context.request.get(`${env.url}/ui/console/config.json`)).json();
      if (config.oidc) assert.equal(await page.locator('a#sign-in').count(), 1, 'a sign-in link');
      else assert.equal(await page.locator('#sign-in-help').count(), 1, 'how to sign in');
      await screenshot(page, 'console-signed-out');
      assert.deepEqual(await axeProblems(page), []);
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });
});
