// Accessibility: axe-core (WCAG 2.1 A and AA) finds no serious or critical violation, and the
// pages work with the keyboard alone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { env, openAs, citizenLoaded, assertClean, axeProblems, screenshot } from './lib.mjs';

async function tabUntil(page, predicate, max = 60) {
  for (let i = 1; i <= max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate)) return i;
  }
  return -1;
}

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

  it('console: the queue can be worked with the keyboard alone (Tab to the first alert, Enter opens it)', async () => {
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
      await page.locator('#status-reason').focus();
      assert.deepEqual(await axeProblems(page), [], 'the alert with its status form');
      for (const route of ['#/onderzoek', '#/overzicht']) {
        await page.goto(`/ui/console/${route}`);
        await page.waitForSelector('#view-heading');
        if (route === '#/overzicht') await page.waitForFunction(() => document.body.dataset.overviewRendered);
        assert.deepEqual(await axeProblems(page), [], route);
      }
      // Navigation by keyboard: the main menu's links.
      await page.goto('/ui/console/#/overzicht');
      await page.waitForSelector('#view-heading');
      await page.locator('#nav a[data-route=meldingen]').focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.body.dataset.queueRendered && location.hash === '#/meldingen');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'view-heading');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });
});
