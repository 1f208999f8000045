// Staff sign-in with OpenID Connect (authorization code + PKCE S256) against OIDC_ISSUER
// (scripts/oidc-mock.sh: NAV's mock-oauth2-server, which logs in at once as ciso-1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { env, openAs, assertClean, screenshot, requireEnv } from './lib.mjs';

describe('OIDC sign-in', () => {
  it('signs in with the authorization code flow and PKCE, then keeps no token in the browser', async (t) => {
    if (!requireEnv(t, 'OIDC_ISSUER')) return;
    const { context, page, w } = await openAs(null, null);
    try {
      const config = await (await context.request.get(`${env.url}/ui/console/config.json`)).json();
      assert.ok(config.oidc, 'the daemon\'s /ui/console/config.json names an OIDC issuer (api.oidc.issuer)');
      assert.equal(config.oidc.issuer.replace(/\/+$/, ''), env.oidcIssuer, 'config.json names OIDC_ISSUER');
      await page.goto('/ui/console/');
      await page.waitForSelector('a#sign-in');
      await screenshot(page, 'console-sign-in');
      const authorize = page.waitForRequest((r) => r.url().startsWith(env.oidcIssuer) && r.url().includes('code_challenge='));
      const token = page.waitForRequest((r) => r.url().startsWith(env.oidcIssuer) && r.method() === 'POST');
      const session = page.waitForRequest((r) => r.url().endsWith('/v1/session') && r.method() === 'POST');
      await page.click('a#sign-in');
      const a = new URL((await authorize).url());
      assert.equal(a.searchParams.get('response_type'), 'code');
      assert.equal(a.searchParams.get('code_challenge_method'), 'S256');
      assert.match(a.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
      assert.ok(a.searchParams.get('state'));
      assert.equal(a.searchParams.get('client_id'), config.oidc.client_id);
      assert.equal(a.searchParams.get('redirect_uri'), `${env.url}/ui/console/`);
      const tr = await token;
      const form = new URLSearchParams(tr.postData());
      assert.equal(tr.headers()['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(form.get('grant_type'), 'authorization_code');
      assert.match(form.get('code_verifier'), /^[A-Za-z0-9_-]{43,128}$/);
      assert.equal(form.get('client_secret'), null, 'a public client sends no secret');
      const sr = await session;
      assert.ok(JSON.parse(sr.postData()).token, 'the access token goes to POST /v1/session');
      await page.waitForFunction(() => document.body.dataset.queueRendered);
      assert.match(await page.textContent('#who'), /CISO/);
      // Nothing of the round trip is left behind.
      assert.doesNotMatch(page.url(), /[?&](code|state)=/, 'code and state left the address bar');
      const stored = await page.evaluate(() => JSON.stringify({ ...window.localStorage }) + JSON.stringify({ ...window.sessionStorage }) + document.cookie);
      assert.doesNotMatch(stored, /eyJ|verifier|inzage\.oidc/, 'no token, verifier or state in storage or script-readable cookies');
      const cookie = (await context.cookies(env.url)).find((c) => c.name === 'inzage_session');
      assert.ok(cookie && cookie.httpOnly, 'the session cookie is HttpOnly');
      assert.equal(cookie.sameSite, 'Strict');
      await screenshot(page, 'console-after-oidc');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });

  it('refuses an answer that does not belong to a sign-in it started', async (t) => {
    if (!requireEnv(t, 'OIDC_ISSUER')) return;
    const { context, page, w } = await openAs(null, null);
    try {
      const config = await (await context.request.get(`${env.url}/ui/console/config.json`)).json();
      assert.ok(config.oidc, 'the daemon\'s /ui/console/config.json names an OIDC issuer (api.oidc.issuer)');
      await page.goto('/ui/console/?code=forged&state=forged');
      await page.waitForSelector('#signed-out');
      assert.match(await page.textContent('#signed-out'), /hoort niet bij deze inlogpoging/);
      assert.doesNotMatch(page.url(), /code=/);
      assert.ok(!w.requests.some((r) => r.url.startsWith(env.oidcIssuer)), 'the forged code is not sent anywhere');
      await assertClean(assert, page, w);
    } finally {
      await context.close();
    }
  });
});
