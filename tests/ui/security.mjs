// Security of the pages: the CSP header, no markup from data ever becomes markup, the CSRF
// header, and no inline script or HTML-string building in the sources.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  env, repo, openAs, newContext, browser, signIn, watch, citizenLoaded, assertClean, screenshot, PAYLOADS,
  TOPICS, requireKafka, produce, preciseNow, freshId, employeeRecord, accessEvent, waitForSubjectEvent, pageGet,
} from './lib.mjs';

const isPath = (re) => (url) => re.test(url.pathname);

// Nothing from the payloads became an element, no dialog opened and no payload ran. No wait is
// needed for an onerror that might fire later: with no <img>, no inline <script> and no on*
// attribute in the document there is nothing left that could run.
async function assertInert(page, w) {
  await page.waitForLoadState('load');
  assert.deepEqual(w.dialogs, [], 'no dialog fired');
  const injected = await page.evaluate(() => ({
    imgs: document.querySelectorAll('img').length,
    inlineScripts: [...document.scripts].filter((s) => !s.src).length,
    onAttrs: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
    ran: window.inzageXss === undefined ? null : String(window.inzageXss),
  }));
  assert.deepEqual(injected, { imgs: 0, inlineScripts: 0, onAttrs: 0, ran: null }, 'no element or handler was injected, and no payload ran');
}

// Markup for a real event: no '-' or '_' (the pages show department ids with those as spaces),
// nothing a 9-digit or hex check could take for a BSN or pseudonym. Each would set
// window.inzageXss if it ever ran.
const HOSTILE = {
  department: '<script>window.inzageXss=1</script><img src=x onerror=window.inzageXss=2>',
  caseId: '<img src=x onerror=window.inzageXss=3><script>window.inzageXss=4</script>',
};

function filesUnder(dir, ext) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'vendor') out.push(...filesUnder(p, ext));
    } else if (ext.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out;
}

describe('security', () => {
  it('the sources build no HTML from strings and hold no inline script or style', () => {
    const ui = path.join(repo, 'ui');
    for (const f of filesUnder(ui, ['.js'])) {
      const src = fs.readFileSync(f, 'utf8');
      for (const bad of [/\.innerHTML\b/, /\.outerHTML\b/, /insertAdjacentHTML/, /document\.write/, /\beval\s*\(/, /new Function\s*\(/, /setTimeout\(\s*['"`]/, /console\.(log|info|debug)\(/]) {
        assert.doesNotMatch(src, bad, `${path.relative(repo, f)} uses ${bad}`);
      }
    }
    for (const f of filesUnder(ui, ['.html'])) {
      const src = fs.readFileSync(f, 'utf8');
      assert.doesNotMatch(src, /<script(?![^>]*\bsrc=)[^>]*>/, `${f}: inline <script>`);
      assert.doesNotMatch(src, /\sstyle\s*=/, `${f}: style attribute`);
      assert.doesNotMatch(src, /<style\b/, `${f}: <style> element`);
      assert.doesNotMatch(src, /\son[a-z]+\s*=/, `${f}: inline event handler`);
      assert.doesNotMatch(src, /https?:\/\/(?!www\.w3\.org)/, `${f}: loads something from elsewhere`);
    }
  });

  it('every /ui/ response carries Content-Security-Policy default-src \'self\'', async () => {
    const context = await newContext(await browser());
    try {
      for (const p of ['/ui/citizen/', '/ui/console/', '/ui/citizen/citizen.js', '/ui/console/console.js', '/ui/common/inzage.css', '/ui/vendor/utrecht/component-library.css', '/ui/vendor/chart.js/chart.umd.min.js', '/ui/']) {
        const r = await context.request.get(`${env.url}${p}`, { maxRedirects: 0 });
        assert.equal(r.status(), 200, `${p}: HTTP ${r.status()}`);
        const csp = r.headers()['content-security-policy'] || '';
        assert.match(csp, /(^|;)\s*default-src 'self'\s*(;|$)/, `${p}: CSP is "${csp}"`);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, `${p}: CSP allows too much: "${csp}"`);
        const type = r.headers()['content-type'] || '';
        if (p.endsWith('.js')) assert.match(type, /^(text|application)\/javascript/, `${p}: served as ${type}`);
        if (p.endsWith('.css')) assert.match(type, /^text\/css/, `${p}: served as ${type}`);
        if (p.endsWith('/')) assert.match(type, /^text\/html/, `${p}: served as ${type}`);
      }
    } finally {
      await context.close();
    }
  });

  it('the server refuses a change made with the cookie but without X-Inzage-Request', async () => {
    const context = await newContext(await browser());
    try {
      await signIn(context, env.cisoToken);
      const r = await context.request.delete(`${env.url}/v1/session`);
      assert.ok([400, 403].includes(r.status()), `DELETE /v1/session without the header: HTTP ${r.status()}`);
      const s = await context.request.get(`${env.url}/v1/session`);
      assert.equal(s.status(), 200, 'the session is still there');
    } finally {
      await context.close();
    }
  });

  it('console: markup in a department, rule text, reason, case id or explanation renders as text', async () => {
    const { context, page, w } = await openAs(env.cisoToken, null);
    try {
      await page.route(isPath(/^\/v1\/alerts$/), async (route) => {
        const resp = await route.fetch();
        const body = await resp.json();
        if (body.alerts && body.alerts[0]) {
          body.alerts[0].department = PAYLOADS.script;
          body.alerts[0].actor = PAYLOADS.img;
        }
        await route.fulfill({ response: resp, json: body });
      });
      await page.route(isPath(/^\/v1\/alerts\/[^/]+$/), async (route) => {
        const resp = await route.fetch();
        const a = await resp.json();
        a.department = PAYLOADS.script;
        a.explanation = `${PAYLOADS.img} ${PAYLOADS.script}`;
        a.guidance = PAYLOADS.script;
        a.policy_refs = [PAYLOADS.img];
        a.status_history = [...(a.status_history || []), { from: 'open', to: 'acknowledged', by: PAYLOADS.img, at: new Date().toISOString(), why: PAYLOADS.script }];
        await route.fulfill({ response: resp, json: a });
      });
      await page.route(isPath(/^\/v1\/alerts\/[^/]+\/evidence$/), async (route) => {
        const resp = await route.fetch();
        const body = await resp.json();
        const base = body.entries && body.entries[0] ? body.entries[0] : { time: new Date().toISOString(), event_id: 'x', actor: 'emp-1', municipality: 'dinkelland', action: 'view', activity: { id: 'a', name: 'a' }, domain: 'wmo', info: 'wat', categories: [], recipient: null, verdict: 'violation', rules: [], subject_count: 0, subjects: [] };
        body.entries = [{ ...base, case_id: PAYLOADS.script, department: PAYLOADS.img, role: PAYLOADS.script, activity: { id: 'x', name: PAYLOADS.img } }, ...(body.entries || []).slice(1)];
        await route.fulfill({ response: resp, json: body });
      });
      await page.goto('/ui/console/');
      await page.waitForSelector('#queue-table');
      assert.ok((await page.locator('#queue-table').textContent()).includes(PAYLOADS.script), 'the department is shown as text in the queue');
      await assertInert(page, w);
      await page.locator('.inzage-alert-link').first().click();
      await page.waitForFunction(() => document.body.dataset.alertRendered);
      await page.waitForSelector('#evidence-table');
      const main = await page.locator('main').textContent();
      for (const p of [PAYLOADS.script, PAYLOADS.img]) assert.ok(main.includes(p), `"${p}" is on the page as text`);
      assert.ok((await page.locator('#evidence-table .inzage-case').first().textContent()) === PAYLOADS.script, 'the case id is text');
      assert.ok((await page.textContent('#alert-timeline')).includes(PAYLOADS.script), 'the reason is text');
      await screenshot(page, 'console-hostile-alert');
      await assertInert(page, w);
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('console: a reason with markup, stored through the API, renders as text', async () => {
    const { context, page, w } = await openAs(env.cisoToken, null);
    try {
      const list = await (await context.request.get(`${env.url}/v1/alerts?status=open&limit=10`)).json();
      assert.ok(list.alerts.length, 'an open alert to dismiss');
      const a = list.alerts[0];
      const reason = `vals alarm ${PAYLOADS.img} ${PAYLOADS.script}`;
      const r = await context.request.post(`${env.url}/v1/alerts/${encodeURIComponent(a.alert_id)}/status`, {
        data: { status: 'dismissed', reason },
        headers: { 'X-Inzage-Request': '1' },
      });
      assert.equal(r.status(), 200, `POST status: HTTP ${r.status()}`);
      await page.goto(`/ui/console/#/melding/${encodeURIComponent(a.alert_id)}`);
      await page.waitForFunction((id) => document.body.dataset.alertRendered === id, a.alert_id);
      assert.ok((await page.textContent('#alert-timeline')).includes(reason));
      await assertInert(page, w);
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('citizen: markup in a department, activity, role or context renders as text, and a javascript: link is not followed', async () => {
    const context = await newContext(await browser());
    try {
      await signIn(context, env.citizenToken);
      const page = await context.newPage();
      const w = watch(page);
      await page.route(isPath(/^\/v1\/me\/accesses$/), async (route) => {
        const resp = await route.fetch();
        const body = await resp.json();
        const i = body.entries.findIndex((e) => !e.own_read);
        const hostile = {
          entry: 'hostile',
          time: new Date().toISOString(),
          local_time: new Date().toISOString().slice(0, 19) + '+01:00',
          municipality: { id: 'dinkelland', name: PAYLOADS.img },
          department: PAYLOADS.script,
          role: { id: 'x', name: PAYLOADS.img },
          action: 'view',
          activity: { id: 'x', name: PAYLOADS.script, description: PAYLOADS.img },
          domain: { id: 'wmo', name: PAYLOADS.script },
          info: 'wat',
          info_text: PAYLOADS.img,
          categories: ['health'],
          recipient: { id: PAYLOADS.script, kind: 'processor' },
          own_read: false,
        };
        if (i >= 0) body.entries[i] = { ...body.entries[i], ...hostile, time: body.entries[i].time, local_time: body.entries[i].local_time };
        else body.entries.push(hostile);
        await route.fulfill({ response: resp, json: body });
      });
      await page.route(isPath(/^\/v1\/me\/context$/), async (route) => {
        const resp = await route.fetch();
        const c = await resp.json();
        c.organisation = PAYLOADS.img;
        c.delayed_notice = PAYLOADS.script;
        c.objection = PAYLOADS.img;
        c.privacy_contact = { ...(c.privacy_contact || {}), name: PAYLOADS.script, url: 'javascript:alert(1)' };
        await route.fulfill({ response: resp, json: c });
      });
      await page.goto('/ui/citizen/');
      await citizenLoaded(page);
      const text = await page.locator('body').textContent();
      for (const p of [PAYLOADS.script, PAYLOADS.img]) assert.ok(text.includes(p), `"${p}" is on the page as text`);
      const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
      assert.ok(hrefs.every((h) => !/^\s*javascript:/i.test(h)), 'no javascript: link');
      const contact = page.locator('#contact-list a').last();
      if (await contact.count()) await contact.click();
      await screenshot(page, 'citizen-hostile');
      await assertInert(page, w);
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('a real event with markup in its department and case id renders as text: citizen page, investigation, alert', async () => {
    requireKafka();
    // The department is the actor's, from the reference data (an access event has no
    // department field); the case id is the event's own (printable ASCII: the schema and the
    // parser take markup). A fresh employee, so that the department is only ours.
    const actor = freshId('ui-xss');
    const role = 'wmo-consulent';
    await produce(TOPICS.reference, actor, [employeeRecord({ id: actor, role, department: HOSTILE.department, team: 'wmo-1' })]);
    // Reference records apply between two batches of events: an event decided before ours was
    // read has no department yet, so another is sent until one has it.
    const deadline = Date.now() + 120000;
    let entry = null;
    let eventId = '';
    while (!entry || entry.department !== HOSTILE.department) {
      assert.ok(Date.now() < deadline, `no event of ${actor} carries the department within 120 s (last: ${entry ? JSON.stringify(entry.department) : 'none'})`);
      eventId = freshId('ui-xss-ev');
      await produce(TOPICS.events, actor, [accessEvent({
        id: eventId, time: preciseNow(), actor, role, bsn: env.demoBsn, domain: 'wmo', purpose: 'wmo-maatwerkvoorziening', caseId: HOSTILE.caseId,
      })]);
      entry = await waitForSubjectEvent(env.demoBsn, eventId);
    }
    assert.equal(entry.case_id, HOSTILE.caseId, 'the case id is stored as it was sent');

    // The citizen's page: the entry with its department, as text.
    const citizen = await newContext(await browser());
    try {
      await signIn(citizen, env.citizenToken);
      const page = await citizen.newPage();
      const w = watch(page);
      const first = page.waitForResponse((r) => r.url().includes('/v1/me/accesses?') && r.request().method() === 'GET');
      await page.goto('/ui/citizen/');
      const body = await (await first).json();
      await citizenLoaded(page);
      const mine = body.entries.find((e) => e.time === entry.time);
      assert.ok(mine, 'the citizen API returns the event');
      assert.equal(mine.department, HOSTILE.department, 'the citizen API returns the department as stored');
      const item = page.locator('#entries .inzage-entry').filter({ has: page.locator(`time[datetime="${entry.time}"]`) });
      assert.equal(await item.count(), 1, 'the page lists the event');
      assert.ok((await item.textContent()).includes(`afdeling ${HOSTILE.department}`), 'the department is on the page as text');
      await screenshot(page, 'citizen-hostile-event');
      await assertInert(page, w);
      await assertClean(assert, page, w);
    } finally {
      await citizen.close();
    }

    // The console: the investigation of that employee, and the alert the event opened.
    const { context, page, w } = await openAs(env.cisoToken, '/ui/console/#/onderzoek');
    try {
      await page.fill('#actor-id', actor);
      await page.click('#actor-form button[type=submit]');
      const row = page.locator(`#actor-results-table tr[data-event-id="${eventId}"]`);
      await row.waitFor();
      assert.ok((await row.textContent()).includes(HOSTILE.department), 'the department is in the investigation as text');
      assert.equal(await row.locator('.inzage-case').textContent(), HOSTILE.caseId, 'the case id is in the investigation as text');
      await screenshot(page, 'console-hostile-event');
      await assertInert(page, w);

      // No case of this employee holds the citizen: the event is not allowed, and its incident
      // (an alert, opened at the first hit with the actor's department) is in the queue.
      assert.notEqual(entry.verdict, 'allow', `the event fired rules (${(entry.rules || []).join(', ') || 'none'})`);
      let alert = null;
      const until = Date.now() + 30000;
      while (!alert) {
        const list = await pageGet(page, `/v1/alerts?${new URLSearchParams({ department: HOSTILE.department, limit: '100' })}`);
        assert.equal(list.status, 200, `GET /v1/alerts?department=…: HTTP ${list.status}`);
        alert = list.body.alerts.find((a) => a.actor === actor) || null;
        if (!alert) {
          assert.ok(Date.now() < until, `no alert of ${actor} within 30 s`);
          await new Promise((f) => setTimeout(f, 500));
        }
      }
      await page.goto(`/ui/console/#/melding/${encodeURIComponent(alert.alert_id)}`);
      await page.waitForFunction((id) => document.body.dataset.alertRendered === id, alert.alert_id);
      assert.equal(await page.textContent('#alert-department'), HOSTILE.department, 'the alert shows the department as text');
      await page.waitForSelector('#evidence-table');
      const cases = await page.$$eval('#evidence-table .inzage-case', (els) => els.map((e) => e.textContent));
      assert.ok(cases.includes(HOSTILE.caseId), 'the evidence shows the case id as text');
      await screenshot(page, 'console-hostile-event-alert');
      await assertInert(page, w);
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('every API request of the pages carries X-Inzage-Request: 1', async () => {
    const { context, page, w } = await openAs(env.cisoToken, '/ui/console/');
    try {
      await page.waitForSelector('#queue-table, #queue-count');
      await page.goto('/ui/console/#/overzicht');
      await page.waitForFunction(() => document.body.dataset.overviewRendered);
      const api = w.requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/'));
      assert.ok(api.length >= 2);
      for (const r of api) assert.equal(r.headers['x-inzage-request'], '1', `${r.method} ${r.url}`);
    } finally {
      await context.close();
    }
  });
});
