// The citizen's page, /ui/citizen/, against the running daemon.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  env, browser, newContext, signIn, watch, openAs, citizenLoaded, assertClean, pageGet, screenshot,
  confidentialActivities, periodOfRequest, axeProblems, requireEnv, alertOnTopic,
  TOPICS, requireKafka, produce, preciseNow, freshId, employeeRecord, accessEvent, waitForSubjectEvent,
} from './lib.mjs';

const EXPIRED = 'Uw sessie is verlopen; log opnieuw in via de website van uw gemeente';

const nameOf = (v) => (v && typeof v === 'object' ? v.name || v.id || '' : v || '');
const idOf = (v) => (v && typeof v === 'object' ? v.id || '' : v || '');
// What identifies an entry across two reads (the opaque entry id may differ per response).
const keyOf = (e) => [e.time, e.action, idOf(e.activity), idOf(e.municipality), e.department || '', idOf(e.role)].join('|');

function amsterdamDate(iso) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date(iso))
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}`;
}

// The list as the page must show it: days, each entry, runs of own reads folded into one item.
export function expectedItems(entries) {
  const items = [];
  let lastDay = null;
  let own = null;
  for (const e of entries) {
    const day = /^\d{4}-\d{2}-\d{2}/.test(e.local_time || '') ? e.local_time.slice(0, 10) : amsterdamDate(e.time);
    if (day !== lastDay) {
      lastDay = day;
      own = null;
    }
    if (e.own_read) {
      if (!own) {
        own = { kind: 'own', count: 0 };
        items.push(own);
      }
      own.count += 1;
    } else {
      own = null;
      items.push({ kind: 'entry', time: e.time, entry: e });
    }
  }
  return items;
}

async function renderedItems(page) {
  return page.$$eval('#entries .inzage-entry, #entries .inzage-own-reads', (els) =>
    els.map((el) =>
      el.classList.contains('inzage-own-reads')
        ? { kind: 'own', count: el.querySelectorAll('.inzage-own-reads__times time').length, open: el.querySelector('details').open }
        : { kind: 'entry', time: el.querySelector('time').getAttribute('datetime'), text: el.textContent },
    ),
  );
}

// Opens the citizen page signed in with the demo citizen's token; returns the page's own first
// answer of /v1/me/accesses as well.
async function openCitizen(route = '/ui/citizen/', opts = {}) {
  const context = await newContext(await browser(), opts);
  await signIn(context, env.citizenToken);
  const page = await context.newPage();
  const w = watch(page);
  const first = page.waitForResponse((r) => r.url().includes('/v1/me/accesses?') && r.request().method() === 'GET');
  await page.goto(route);
  const resp = await first;
  const body = await resp.json();
  await citizenLoaded(page);
  return { context, page, w, resp, body };
}

describe('citizen page', () => {
  it('the one-time login URL signs in once, and only once', async (t) => {
    if (!requireEnv(t, 'CITIZEN_LOGIN_URL')) return;
    const b = await browser();
    const first = await newContext(b);
    const second = await newContext(b);
    try {
      const page = await first.newPage();
      const w = watch(page);
      await page.goto(env.citizenLogin);
      assert.match(page.url(), /\/ui\/citizen\/(\?.*)?$/, 'the login URL lands on the citizen page');
      assert.doesNotMatch(page.url(), /code=/, 'the one-time code is not left in the address bar');
      await citizenLoaded(page);
      assert.equal(await page.locator('#signed-out').isHidden(), true, 'signed in');
      await screenshot(page, 'citizen-after-login');
      await assertClean(assert, page, w);

      const again = await second.newPage();
      await again.goto(env.citizenLogin).catch(() => {});
      const s = await second.request.get(`${env.url}/v1/session`);
      assert.equal(s.status(), 401, 'a second use of the one-time URL opens no session');
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('shows exactly the entries the API returns for this session, newest first, grouped by day', async () => {
    const { context, page, w, resp, body } = await openCitizen();
    try {
      assert.ok(Array.isArray(body.entries), 'the API answered with entries');
      assert.ok(body.entries.length >= 1, 'the demo citizen has at least the read of this page itself');
      // Newest first, as the server promises.
      for (let i = 1; i < body.entries.length; i += 1) {
        assert.ok(body.entries[i - 1].time >= body.entries[i].time, 'the API lists newest first');
      }
      const expected = expectedItems(body.entries);
      const shown = await renderedItems(page);
      assert.equal(shown.length, expected.length, 'one item on the page per entry (own reads folded)');
      for (let i = 0; i < expected.length; i += 1) {
        const x = expected[i];
        const y = shown[i];
        assert.equal(y.kind, x.kind, `item ${i} is of the same kind`);
        if (x.kind === 'own') {
          assert.equal(y.count, x.count, `item ${i}: the folded own reads count them all`);
          assert.equal(y.open, false, 'own reads are collapsed');
        } else {
          assert.equal(y.time, x.time, `item ${i} is the entry of ${x.time}`);
          assert.ok(y.text.includes(nameOf(x.entry.municipality)), `item ${i} names the municipality`);
          if (x.entry.activity && x.entry.activity.name) assert.ok(y.text.includes(x.entry.activity.name), `item ${i} names the activity`);
          if (x.entry.actor) assert.ok(y.text.includes(x.entry.actor), `item ${i} names the employee the server sent`);
          assert.ok(y.text.includes((x.entry.local_time || '').slice(11, 16)), `item ${i} shows the local time`);
        }
      }
      // Day headings: one per distinct local date, in order.
      const days = [...new Set(body.entries.map((e) => (e.local_time || '').slice(0, 10)))];
      assert.equal(await page.locator('#entries h3').count(), days.length, 'one heading per day');
      assert.equal(await page.locator('#more').isVisible(), Boolean(body.next_cursor), '"Meer laden" only when there is a next page');

      // The same question asked from the page's context: the same entries (those that came in
      // since then are newer, or are own reads).
      const u = new URL(resp.url());
      u.searchParams.set('limit', '1000');
      const again = await pageGet(page, u.pathname + u.search);
      assert.equal(again.status, 200);
      const last = (p) => p.entries[p.entries.length - 1].time;
      const newest = body.entries[0].time;
      let oldest = body.next_cursor ? last(body) : '';
      if (again.body.next_cursor && last(again.body) > oldest) oldest = last(again.body);
      const inWindow = (e) => !e.own_read && e.time <= newest && e.time >= oldest;
      const a = body.entries.filter(inWindow).map(keyOf);
      const bk = again.body.entries.filter(inWindow).map(keyOf);
      assert.deepEqual(bk, a, 'a fetch of /v1/me/accesses from the page gives the same entries');
      await screenshot(page, 'citizen');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('never shows an entry of a confidential activity, though the officer sees it', async () => {
    requireKafka();
    const secret = confidentialActivities();
    assert.ok(secret.length >= 1, 'the shipped register has confidential activities (fraude-onderzoek)');
    const activity = secret[0];
    assert.ok(activity.domains.length && activity.roles.length, `register.yaml names the domains and roles of ${activity.id}`);
    // A real access of the demo citizen for a confidential activity, by an employee in a role
    // the register allows for it; and, as a control, one for a plain activity by the same
    // employee, which the citizen must see.
    const actor = freshId('ui-fraude');
    const role = activity.roles[0];
    const domain = activity.domains[0];
    await produce(TOPICS.reference, actor, [employeeRecord({ id: actor, role, department: 'sociaal-domein', team: `${domain}-1` })]);
    const plain = { id: freshId('ui-plain-ev'), time: preciseNow(-2000) };
    const hidden = { id: freshId('ui-secret-ev'), time: preciseNow(-1000) };
    await produce(TOPICS.events, actor, [
      accessEvent({ id: plain.id, time: plain.time, actor, role, bsn: env.demoBsn, domain, purpose: 'bijstand-aanvraag' }),
      accessEvent({ id: hidden.id, time: hidden.time, actor, role, bsn: env.demoBsn, domain, purpose: activity.id, categories: ['criminal'] }),
    ]);
    // The officer's investigation is authoritative that both are stored (it shows every
    // activity: the citizen's filter is the citizen's view only).
    const seenPlain = await waitForSubjectEvent(env.demoBsn, plain.id);
    const seenHidden = await waitForSubjectEvent(env.demoBsn, hidden.id);
    assert.equal(seenHidden.activity.id, activity.id, 'the officer sees the confidential activity');
    assert.equal(seenPlain.activity.id, 'bijstand-aanvraag');

    const { context, page, w } = await openCitizen();
    try {
      const today = new Date();
      const to = new Date(today.getTime() + 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const from = new Date(today.getTime() - 365 * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const all = await pageGet(page, `/v1/me/accesses?from=${from}&to=${to}&limit=1000`);
      assert.equal(all.status, 200);
      assert.ok(all.body.entries.some((e) => e.time === seenPlain.time), 'the citizen API shows the plain access of the same employee (the control)');
      assert.ok(!all.body.entries.some((e) => e.time === seenHidden.time), 'the citizen API leaves out the confidential access');
      for (const e of all.body.entries) {
        assert.ok(!secret.some((s) => s.id === idOf(e.activity)), `entry of ${e.time} is of confidential activity ${idOf(e.activity)}`);
      }
      // The page, as it loaded after both were stored.
      assert.equal(await page.locator(`#entries time[datetime="${seenPlain.time}"]`).count(), 1, 'the page lists the control');
      assert.equal(await page.locator(`#entries time[datetime="${seenHidden.time}"]`).count(), 0, 'the page does not list the confidential access');
      const text = await page.locator('#entries').textContent();
      for (const s of secret) assert.ok(!text.includes(s.name), `the page names confidential activity ${s.id}`);
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('downloads the period as CSV through a Blob, with no token in any URL', async () => {
    const { context, page, w, resp } = await openCitizen();
    try {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
      assert.match(download.suggestedFilename(), /^inzage-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
      const text = fs.readFileSync(await download.path(), 'utf8');
      const lines = text.split(/\r?\n/).filter((l) => l.length);
      assert.ok(lines.length >= 1, 'the CSV has a header row');
      assert.match(lines[0], /[a-z_]+[,;]/i, 'the header row names columns');
      const csvReq = w.requests.find((r) => r.url.includes('/v1/me/accesses.csv'));
      assert.ok(csvReq, 'the page fetched /v1/me/accesses.csv');
      const u = new URL(csvReq.url);
      assert.deepEqual([...u.searchParams.keys()].sort(), ['from', 'to'], 'only the period goes in the URL');
      assert.deepEqual(periodOfRequest(csvReq.url), periodOfRequest(resp.url()), 'the CSV covers the period shown');
      for (const r of w.requests) {
        assert.doesNotMatch(r.url, /[?&#](token|access_token|id_token|session)=|eyJ[A-Za-z0-9_-]{10,}/i, `no token in ${r.url}`);
      }
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('refuses a period longer than 366 days without asking the server', async () => {
    const { context, page, w } = await openCitizen();
    try {
      const before = w.requests.filter((r) => r.url.includes('/v1/me/accesses')).length;
      await page.fill('#from', '2025-01-01');
      await page.fill('#to', '2026-03-01');
      await page.click('#period-form button[type=submit]');
      await page.waitForFunction(() => document.querySelector('#period-error').textContent.length > 0);
      assert.match(await page.textContent('#period-error'), /366/);
      assert.equal(w.requests.filter((r) => r.url.includes('/v1/me/accesses')).length, before);
      assert.deepEqual(await axeProblems(page), [], 'the error state is accessible');
    } finally {
      await context.close();
    }
  });

  it('loads the next page with "Meer laden" (cursor)', async () => {
    const context = await newContext(await browser());
    try {
      await signIn(context, env.citizenToken);
      const page = await context.newPage();
      const w = watch(page);
      // Small pages, so the demo citizen's history spans more than one.
      await page.route((url) => url.pathname === '/v1/me/accesses', (route) => {
        const u = new URL(route.request().url());
        u.searchParams.set('limit', '2');
        route.continue({ url: u.toString() });
      });
      const first = page.waitForResponse((r) => r.url().includes('/v1/me/accesses?'));
      await page.goto('/ui/citizen/');
      const p1 = await (await first).json();
      await citizenLoaded(page);
      if (!p1.next_cursor) {
        assert.equal(await page.locator('#more').isVisible(), false);
        return;
      }
      const count1 = (await renderedItems(page)).length;
      const second = page.waitForResponse((r) => r.url().includes('/v1/me/accesses?') && r.url().includes('cursor='));
      await page.click('#more');
      const r2 = await second;
      assert.equal(new URL(r2.url()).searchParams.get('cursor'), p1.next_cursor, 'the next page asks with next_cursor');
      const p2 = await r2.json();
      await page.waitForFunction((n) => document.querySelectorAll('#entries .inzage-entry, #entries .inzage-own-reads').length >= n, count1);
      const all = [...p1.entries, ...p2.entries];
      assert.deepEqual((await renderedItems(page)).map((x) => x.kind), expectedItems(all).map((x) => x.kind));
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('switches to English and back', async () => {
    const { context, page, w } = await openCitizen();
    try {
      await page.click('#lang-nav [data-lang=en]');
      assert.equal(await page.textContent('h1'), 'Who viewed my data?');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.equal(await page.getAttribute('#lang-nav [data-lang=en]', 'aria-pressed'), 'true');
      await screenshot(page, 'citizen-en');
      assert.deepEqual(await axeProblems(page), [], 'the English page is accessible');
      await page.click('#lang-nav [data-lang=nl]');
      assert.equal(await page.textContent('h1'), 'Wie heeft mijn gegevens bekeken?');
      assert.equal(await page.getAttribute('html', 'lang'), 'nl');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('in English: the server\'s *_en texts are used where it sends them, its Dutch texts (lang="nl") elsewhere', async () => {
    const context = await newContext(await browser());
    try {
      await signIn(context, env.citizenToken);
      const page = await context.newPage();
      const w = watch(page);
      // As the server sends them: the objection and the delayed-processing notice in both
      // languages, names of activities and organisations in Dutch.
      const ctxResp = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/me/context');
      await page.goto('/ui/citizen/?lang=en');
      const real = await (await ctxResp).json();
      await citizenLoaded(page);
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      for (const [id, key] of [['#delayed-notice', 'delayed_notice'], ['#objection', 'objection']]) {
        assert.ok(real[`${key}_en`], `the server sends ${key}_en`);
        assert.equal(await page.textContent(id), real[`${key}_en`], `${id} is the server's ${key}_en`);
        assert.equal(await page.getAttribute(id, 'lang'), real[`${key}_en`] ? 'en' : 'nl', `${id} is marked with its language`);
      }
      // The server's Dutch texts on the English page are marked lang="nl" (WCAG 3.1.2).
      const dutch = await page.$$eval('main [lang=nl], footer [lang=nl]', (els) => els.map((e) => e.textContent).filter((x) => x.trim()));
      assert.ok(dutch.length >= 1, 'the server sends Dutch names (organisation, activities)');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
    // With English variants, as the server could send them.
    const context2 = await newContext(await browser());
    try {
      await signIn(context2, env.citizenToken);
      const page = await context2.newPage();
      const w = watch(page);
      const EN = {
        delayed_notice_en: 'Some processing, for example during an ongoing investigation, is shown here only later.',
        objection_en: 'Do you disagree with how the municipality used your data? Contact the privacy officer.',
      };
      await page.route((url) => url.pathname === '/v1/me/context', async (route) => {
        const resp = await route.fetch();
        const c = await resp.json();
        await route.fulfill({ response: resp, json: { ...c, ...EN, privacy_contact: { ...(c.privacy_contact || {}), name_en: 'EN privacy officer' } } });
      });
      await page.route((url) => url.pathname === '/v1/me/accesses', async (route) => {
        const resp = await route.fetch();
        const body = await resp.json();
        for (const e of body.entries) {
          if (e.own_read) continue;
          if (e.activity) e.activity = { ...e.activity, name_en: `EN activity ${e.activity.id}`, description_en: `EN description ${e.activity.id}` };
          if (e.role) e.role = { ...e.role, name_en: `EN role ${e.role.id}` };
          if (e.domain) e.domain = { ...e.domain, name_en: `EN domain ${e.domain.id}` };
          if (e.municipality) e.municipality = { ...e.municipality, name_en: `EN municipality ${e.municipality.id}` };
          e.info_text_en = `EN info ${e.info}`;
        }
        await route.fulfill({ response: resp, json: body });
      });
      await page.goto('/ui/citizen/?lang=en');
      await citizenLoaded(page);
      assert.equal(await page.textContent('#delayed-notice'), EN.delayed_notice_en);
      assert.equal(await page.getAttribute('#delayed-notice', 'lang'), 'en');
      assert.equal(await page.textContent('#objection'), EN.objection_en);
      assert.equal(await page.getAttribute('#objection', 'lang'), 'en');
      assert.ok((await page.textContent('#contact-list')).includes('EN privacy officer'), 'the contact\'s English name');
      const entry = page.locator('#entries .inzage-entry').first();
      if (await entry.count()) {
        const text = await entry.textContent();
        for (const s of ['EN municipality ', 'EN activity ', 'EN description ', 'EN domain ', 'EN info ']) assert.ok(text.includes(s), `the entry uses the English variant (${s.trim()})`);
        assert.equal(await entry.locator('.inzage-activity').getAttribute('lang'), 'en');
      }
      // Back to Dutch: the Dutch texts again.
      await page.click('#lang-nav [data-lang=nl]');
      assert.notEqual(await page.textContent('#delayed-notice'), EN.delayed_notice_en);
      assert.equal(await page.getAttribute('#delayed-notice', 'lang'), 'nl');
      if (await entry.count()) assert.ok(!(await entry.textContent()).includes('EN activity '), 'the Dutch page uses the Dutch names');
      await screenshot(page, 'citizen-en-variants');
      await assertClean(assert, page, w);
    } finally {
      await context2.close();
    }
  });

  it('a report ("Ik herken deze inzage niet") gets a reference and reaches the CISO queue', async () => {
    const { context, page, w, body } = await openCitizen();
    let ciso = null;
    try {
      const idx = body.entries.findIndex((e) => !e.own_read);
      assert.ok(idx >= 0, 'the demo citizen has at least one access by an employee to report');
      const entry = body.entries[idx];
      const item = page.locator('#entries .inzage-entry').first();
      const button = item.getByRole('button', { name: 'Ik herken deze inzage niet' });
      await button.click();
      assert.equal(await button.getAttribute('aria-expanded'), 'true');
      const text = `UI-test: deze inzage herken ik niet ${Date.now()} <img src=x onerror=alert(1)>`;
      await item.locator('textarea').fill(text);
      assert.equal(await item.locator('textarea').getAttribute('maxlength'), '1000');
      await screenshot(page, 'citizen-report-form');
      const posted = page.waitForRequest((r) => r.url().endsWith('/v1/me/reports') && r.method() === 'POST');
      const answered = page.waitForResponse((r) => r.url().endsWith('/v1/me/reports'));
      await item.getByRole('button', { name: 'Melding versturen' }).click();
      const req = await posted;
      assert.equal(req.headers()['x-inzage-request'], '1');
      assert.deepEqual(JSON.parse(req.postData()), { entry: entry.entry, text });
      const res = await answered;
      assert.equal(res.status(), 202);
      const { reference } = await res.json();
      assert.ok(reference, 'the server gives a reference');
      await item.locator('.inzage-report-confirmation').waitFor();
      assert.ok((await item.locator('.inzage-report-confirmation').textContent()).includes(reference));
      await screenshot(page, 'citizen-report-sent');
      assert.deepEqual(await axeProblems(page), [], 'the confirmation is accessible');
      await assertClean(assert, page, w);

      // The CISO sees a citizen.reported alert under that reference.
      ciso = await openAs(env.cisoToken, null);
      let alert = null;
      for (let i = 0; i < 60 && !alert; i += 1) {
        const r = await ciso.context.request.get(`${env.url}/v1/alerts/${encodeURIComponent(reference)}`);
        if (r.status() === 200) alert = await r.json();
        else await new Promise((f) => setTimeout(f, 500));
      }
      assert.ok(alert, `alert ${reference} is there within 30 s`);
      assert.equal(alert.rule, 'citizen.reported');
      // ... and on the CISO's Kafka topic, relayed like any alert.
      const onTopic = await alertOnTopic(reference, alert.status);
      if (onTopic) assert.equal(onTopic.rule, 'citizen.reported');
      await ciso.page.goto('/ui/console/');
      await ciso.page.waitForSelector('#queue-table, #queue-count');
      await ciso.page.fill('#f-rule', 'citizen.reported');
      await ciso.page.selectOption('#f-status', alert.status);
      // Each action waits for the queue to be drawn anew (body[data-queue-rendered] changes).
      const rendered = () => ciso.page.evaluate(() => document.body.dataset.queueRendered || '');
      const redrawn = (before) => ciso.page.waitForFunction((b) => (document.body.dataset.queueRendered || '') !== b, before);
      let before = await rendered();
      await ciso.page.click('#queue-filters button[type=submit]');
      await redrawn(before);
      const row = ciso.page.locator(`#queue-table tr[data-alert-id="${reference}"]`);
      for (let pageNo = 1; pageNo <= 200 && !(await row.count()); pageNo += 1) {
        if (!(await ciso.page.locator('#queue-next').count())) break;
        before = await rendered();
        await ciso.page.click('#queue-next');
        await redrawn(before);
      }
      assert.equal(await row.count(), 1, 'the queue lists the citizen.reported alert');
      await row.locator('a').click();
      await ciso.page.waitForFunction((id) => document.body.dataset.alertRendered === id, reference);
      assert.match(await ciso.page.textContent('h1'), /citizen\.reported/);
      await screenshot(ciso.page, 'console-citizen-report');
      await assertClean(assert, ciso.page, ciso.w);
    } finally {
      await context.close();
      if (ciso) await ciso.context.close();
    }
  });

  it('signs out, and a missing session shows how to sign in again', async () => {
    const { context, page, w } = await openCitizen();
    try {
      await page.click('#sign-out');
      await page.locator('#signed-out').waitFor();
      const s = await context.request.get(`${env.url}/v1/session`);
      assert.equal(s.status(), 401, 'DELETE /v1/session ended the session');
      await page.reload();
      await citizenLoaded(page);
      assert.equal((await page.textContent('#signed-out')).trim(), EXPIRED);
      await screenshot(page, 'citizen-signed-out');
      assert.deepEqual(await axeProblems(page), []);
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });
});
