// Accessibility: axe-core (WCAG 2.1 A and AA) finds no serious or critical violation, and the
// pages work with the keyboard alone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { env, openAs, citizenLoaded, assertClean, axeProblems, screenshot, pageGet } from './lib.mjs';

// Presses key (Tab, Shift+Tab) until predicate holds in the page; the number of presses, or -1.
async function tabUntil(page, predicate, max = 60, key = 'Tab', arg = undefined) {
  for (let i = 1; i <= max; i += 1) {
    await page.keyboard.press(key);
    if (await page.evaluate(predicate, arg)) return i;
  }
  return -1;
}

const focusedId = () => document.activeElement && document.activeElement.id;
const queueDrawn = (page) => page.evaluate(() => document.body.dataset.queueRendered || '');
const queueRedrawn = (page, before) => page.waitForFunction((b) => (document.body.dataset.queueRendered || '') !== b, before);

describe('accessibility', () => {
  it('citizen page: no serious or critical axe violation; skip link; the report form by keyboard', async () => {
    const { context, page, w } = await openAs(env.citizenToken, null);
    try {
      // Reports made here stay in the browser: the real one is made by the citizen test.
      await page.route((url) => url.pathname === '/v1/me/reports', (route) =>
        route.fulfill({ status: 202, contentType: 'application/json', body: JSON.stringify({ received: true, reference: 'a11y-test-reference' }) }),
      );
      await page.goto('/ui/citizen/');
      await citizenLoaded(page);
      assert.deepEqual(await axeProblems(page), [], 'the citizen page');
      // The first Tab reaches the skip link, Enter moves to the content.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.classList.contains('utrecht-skip-link')), true, 'skip link first');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
      // Tab to the first "Ik herken deze inzage niet", open it, type, send: all by keyboard.
      const hasEntry = await page.locator('#entries .inzage-entry').count();
      if (hasEntry) {
        const n = await tabUntil(page, () => document.activeElement.getAttribute('aria-controls')?.startsWith('report-'), 80);
        assert.ok(n > 0, 'the report button is reachable with Tab');
        await page.keyboard.press('Enter');
        assert.equal(await page.evaluate(() => document.activeElement.tagName), 'TEXTAREA', 'focus goes to the text');
        await page.keyboard.type('Ik ken deze afdeling niet.');
        assert.deepEqual(await axeProblems(page), [], 'the open report form');
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
        await page.locator('.inzage-report-confirmation').first().waitFor();
        assert.equal(await page.evaluate(() => document.activeElement.textContent.includes('a11y-test-reference')), true, 'focus on the confirmation');
      }
      // Own reads fold open with the keyboard.
      if (await page.locator('.inzage-own-reads summary').count()) {
        await page.locator('.inzage-own-reads summary').first().focus();
        await page.keyboard.press('Enter');
        assert.equal(await page.locator('.inzage-own-reads details').first().getAttribute('open'), '');
        assert.deepEqual(await axeProblems(page), [], 'own reads unfolded');
      }
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('index page /ui/: no serious or critical axe violation, its links by keyboard', async () => {
    const { context, page, w } = await openAs(null, null);
    try {
      const res = await page.goto('/ui/');
      assert.equal(res.status(), 200, 'the index page is served');
      await page.waitForSelector('main h1');
      assert.deepEqual(await axeProblems(page), [], 'the index page');
      const links = await page.$$eval('main a[href]', (as) => as.map((a) => a.getAttribute('href')));
      assert.ok(links.length >= 3, 'it links to the pages');
      const reached = [];
      for (let i = 0; i < links.length; i += 1) {
        await page.keyboard.press('Tab');
        reached.push(await page.evaluate(() => document.activeElement.getAttribute('href')));
      }
      assert.deepEqual(reached, links, 'Tab goes through its links in order');
      await screenshot(page, 'index');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('console: the queue can be worked with the keyboard alone (Tab to the first alert, Enter opens it; a filter and the next page)', async () => {
    const { context, page, w } = await openAs(env.cisoToken, '/ui/console/');
    try {
      await page.waitForFunction(() => document.body.dataset.queueRendered);
      assert.deepEqual(await axeProblems(page), [], 'the queue');
      const first = await page.getAttribute('#queue-table tbody tr:first-child', 'data-alert-id');
      assert.ok(first, 'the queue has an alert');
      const tabs = await tabUntil(page, () => document.activeElement.classList.contains('inzage-alert-link'));
      assert.ok(tabs > 0 && tabs <= 25, `the first alert is reached in ${tabs} Tabs`);
      assert.equal(await page.evaluate(() => document.activeElement.dataset.alertId), first, 'Tab reaches the first alert first');
      await page.keyboard.press('Enter');
      await page.waitForFunction((id) => document.body.dataset.alertRendered === id, first);
      assert.equal(page.url().endsWith(`#/melding/${encodeURIComponent(first)}`), true);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'view-heading', 'focus on the alert\'s heading');
      await screenshot(page, 'console-alert-keyboard');
      // Back to the queue by keyboard: focus returns to the alert that was opened.
      const back = await tabUntil(page, () => document.activeElement.id === 'back-to-queue', 10);
      assert.ok(back > 0, 'the back link follows the heading');
      await page.keyboard.press('Enter');
      await page.waitForFunction((id) => document.activeElement && document.activeElement.dataset.alertId === id, first);
      // Arrowing on: the next Tab goes to the second alert.
      await page.keyboard.press('Tab');
      const second = await page.getAttribute('#queue-table tbody tr:nth-child(2)', 'data-alert-id');
      if (second) assert.equal(await page.evaluate(() => document.activeElement.dataset.alertId), second);

      // A filter and the next page, by keyboard alone. The severity with more than one page of
      // open alerts (the queue's pages hold 50), from the API.
      let severity = '';
      for (const s of ['high', 'medium', 'low', 'critical']) {
        const r = await pageGet(page, `/v1/alerts?status=open&severity=${s}&limit=50`);
        assert.equal(r.status, 200);
        if (r.body.next_cursor) {
          severity = s;
          break;
        }
      }
      assert.ok(severity, 'some severity has more than 50 open alerts (the demo makes thousands)');
      const back2 = await tabUntil(page, () => document.activeElement.id === 'f-severity', 30, 'Shift+Tab');
      assert.ok(back2 > 0, 'Shift+Tab goes back from the alerts to the severity filter');
      const picked = await tabUntil(page, (v) => document.activeElement.value === v, 6, 'ArrowDown', severity);
      assert.ok(picked > 0, `the arrow keys choose severity ${severity}`);
      assert.equal(await page.evaluate(focusedId), 'f-severity', 'focus stays on the filter');
      const toSubmit = await tabUntil(page, () => document.activeElement.matches('#queue-filters button[type=submit]'), 10);
      assert.ok(toSubmit > 0, 'Tab reaches "Filteren"');
      let drawn = await queueDrawn(page);
      const filtered = page.waitForResponse((r) => r.url().includes('/v1/alerts?') && new URL(r.url()).searchParams.get('severity') === severity);
      await page.keyboard.press('Space');
      const f = await filtered;
      assert.equal(new URL(f.url()).searchParams.get('cursor'), null, 'the filter starts at page 1');
      const page1 = await f.json();
      await queueRedrawn(page, drawn);
      assert.ok(page1.next_cursor, 'the filtered queue has a next page');
      // On through the 50 alerts to "Volgende pagina", and Enter.
      const toNext = await tabUntil(page, () => document.activeElement.id === 'queue-next', 70);
      assert.ok(toNext > 0, 'Tab reaches "Volgende pagina"');
      drawn = await queueDrawn(page);
      const next = page.waitForResponse((r) => r.url().includes('/v1/alerts?') && r.url().includes('cursor='));
      await page.keyboard.press('Enter');
      const n = await next;
      const q = new URL(n.url()).searchParams;
      assert.equal(q.get('cursor'), page1.next_cursor, 'the next page asks with the first page\'s cursor');
      assert.equal(q.get('severity'), severity, 'the next page keeps the filter');
      const page2 = await n.json();
      await queueRedrawn(page, drawn);
      assert.match(await page.textContent('#queue-count'), /pagina 2/);
      const firstOf2 = page2.alerts[0].alert_id;
      assert.equal(await page.evaluate(() => document.activeElement.dataset.alertId), firstOf2, 'focus is on the first alert of page 2');
      const sevs = await page.$$eval('#queue-table tbody tr', (rows) => rows.length);
      assert.equal(sevs, page2.alerts.length);
      assert.ok(page2.alerts.every((a) => a.severity === severity), `page 2 holds only ${severity} alerts`);
      // And back, by keyboard: "Vorige pagina" comes after the alerts.
      drawn = await queueDrawn(page);
      const toPrev = await tabUntil(page, () => document.activeElement.id === 'queue-prev', 70);
      assert.ok(toPrev > 0, 'Tab reaches "Vorige pagina"');
      await page.keyboard.press('Enter');
      await queueRedrawn(page, drawn);
      assert.equal(await page.getAttribute('#queue-table tbody tr:first-child', 'data-alert-id'), page1.alerts[0].alert_id, 'back on page 1');
      await screenshot(page, 'console-queue-keyboard');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('console: the status form works by keyboard and every view passes axe', async () => {
    const { context, page, w } = await openAs(env.cisoToken, null);
    try {
      const list = await (await context.request.get(`${env.url}/v1/alerts?status=open&limit=5`)).json();
      const a = list.alerts[0];
      await page.goto(`/ui/console/#/melding/${encodeURIComponent(a.alert_id)}`);
      await page.waitForFunction((id) => document.body.dataset.alertRendered === id, a.alert_id);
      // Tab from the top of the page to the reason, type it, Tab to the first step, Space.
      const toReason = await tabUntil(page, () => document.activeElement.id === 'status-reason', 40);
      assert.ok(toReason > 0, 'Tab reaches the reason of the status form');
      assert.deepEqual(await axeProblems(page), [], 'the alert with its status form');
      const reason = `UI-test: met het toetsenbord in behandeling genomen ${new Date().toISOString()}`;
      await page.keyboard.type(reason);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.dataset.transition), 'acknowledged', 'the next Tab is the first step');
      const posted = page.waitForRequest((r) => r.url().endsWith('/status') && r.method() === 'POST');
      await page.keyboard.press('Space');
      assert.deepEqual(JSON.parse((await posted).postData()), { status: 'acknowledged', reason });
      await page.waitForSelector('#alert-status[data-status=acknowledged]');
      assert.equal(await page.evaluate(focusedId), 'status-heading', 'focus on the status section after the change');
      assert.deepEqual(await axeProblems(page), [], 'the alert after the change');
      for (const route of ['#/onderzoek', '#/overzicht']) {
        await page.goto(`/ui/console/${route}`);
        await page.waitForSelector('#view-heading');
        if (route === '#/overzicht') await page.waitForFunction(() => document.body.dataset.overviewRendered);
        assert.deepEqual(await axeProblems(page), [], route);
      }
      // Navigation by keyboard: the main menu's links.
      await page.goto('/ui/console/#/overzicht');
      await page.waitForSelector('#view-heading');
      const toMenu = await tabUntil(page, () => document.activeElement.dataset.route === 'meldingen', 40);
      assert.ok(toMenu > 0, 'Tab reaches the main menu');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.body.dataset.queueRendered && location.hash === '#/meldingen');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'view-heading');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });
});
