// Shared by the browser tests: Debian's Chromium through playwright-core (no browser download),
// sessions from the demo's tokens, screenshots, and watchers for CSP violations, page errors
// and dialogs.
import fs from 'node:fs';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
// playwright-core and @axe-core/playwright are ui/'s devDependencies (scripts/ui-deps.sh).
const require = createRequire(path.join(repo, 'ui', 'package.json'));
const { chromium } = require('playwright-core');
const { default: AxeBuilder } = await import(require.resolve('@axe-core/playwright'));

export const env = {
  url: (process.env.INZAGE_URL || '').replace(/\/+$/, ''),
  citizenLogin: process.env.CITIZEN_LOGIN_URL || '',
  consoleLogin: process.env.CONSOLE_LOGIN_URL || '',
  citizenToken: process.env.CITIZEN_TOKEN || '',
  cisoToken: process.env.CISO_TOKEN || '',
  officerToken: process.env.PRIVACY_OFFICER_TOKEN || '',
  oidcIssuer: (process.env.OIDC_ISSUER || '').replace(/\/+$/, ''),
  screenshots: process.env.INZAGE_SCREENSHOTS || path.join(here, 'screenshots'),
  chromium: process.env.INZAGE_CHROMIUM || '/usr/bin/chromium',
  // The demo's embedded Kafka and the CISO's topic (demo-tokens.env); the mock API has none.
  kafkaBrokers: process.env.KAFKA_BROKERS || '',
  alertsTopic: process.env.ALERTS_TOPIC || '',
  // The demo citizen (the subject of CITIZEN_TOKEN), from demo-tokens.env. Never put in a URL,
  // a process's arguments or a message.
  demoBsn: process.env.DEMO_BSN || '',
  mockApi: process.env.INZAGE_MOCK_API === '1',
};

export const BSNS = ['999993653', '999990482'];
export const PAYLOADS = {
  script: '<script>alert(1)</script>',
  img: '<img src=x onerror=alert(1)>',
};

// The flags every launch passes (playwright-core adds --headless, and a fresh
// --user-data-dir of its own: a new temporary profile per launch, removed on close; it refuses
// a --user-data-dir in args).
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

// A fresh Chromium (Debian's), headless, kept off the network but loopback by its flags.
export async function launch() {
  if (!fs.existsSync(env.chromium)) {
    throw new Error(`${env.chromium} not found: apt-get install chromium (scripts/bootstrap.sh does)`);
  }
  return chromium.launch({ executablePath: env.chromium, headless: true, args: CHROMIUM_ARGS, timeout: 60000 });
}

export async function closeBrowser(browser) {
  if (browser) await browser.close().catch(() => {});
}

// A new context (its own cookie jar) with Dutch locale and Amsterdam time, watched.
export async function newContext(browser, opts = {}) {
  const context = await browser.newContext({
    baseURL: env.url,
    locale: opts.locale || 'nl-NL',
    timezoneId: opts.timezoneId || 'Europe/Amsterdam',
    viewport: opts.viewport || { width: 1280, height: 900 },
    acceptDownloads: true,
    ...opts.contextOptions,
  });
  context.setDefaultTimeout(20000);
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile || ''}:${e.lineNumber || ''}`);
    });
  });
  return context;
}

// Opens a session in context with a token (POST /v1/session), as the portal or OIDC would.
export async function signIn(context, token) {
  const res = await context.request.post(`${env.url}/v1/session`, {
    data: { token },
    headers: { 'X-Inzage-Request': '1' },
  });
  if (res.status() !== 200) throw new Error(`POST /v1/session: HTTP ${res.status()} ${await res.text()}`);
  const cookies = await context.cookies(env.url);
  if (!cookies.some((c) => c.name === 'inzage_session')) {
    throw new Error(`POST /v1/session set no inzage_session cookie the browser keeps for ${env.url} (Secure on http?)`);
  }
  return res.json();
}

// Watches a page: page errors, console errors, dialogs (any dialog is a failure here).
export function watch(page) {
  const w = { errors: [], dialogs: [], requests: [], console: [] };
  page.on('pageerror', (e) => w.errors.push(String(e && e.message ? e.message : e)));
  page.on('dialog', async (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  page.on('request', (r) => w.requests.push({ url: r.url(), method: r.method(), body: r.postData() || '', headers: r.headers() }));
  page.on('console', (m) => w.console.push(`${m.type()}: ${m.text()}`));
  return w;
}

// The CISO topic's messages for one alert (kcat reads the whole topic), as parsed values.
function alertMessages(alertId) {
  return new Promise((resolve, reject) => {
    execFile('kcat', ['-C', '-b', env.kafkaBrokers, '-t', env.alertsTopic, '-o', 'beginning', '-e', '-q', '-f', '%s\\n'],
      { maxBuffer: 1 << 30, timeout: 60000 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`kcat on ${env.alertsTopic} at ${env.kafkaBrokers}: ${err.message} ${stderr}`));
        const found = [];
        for (const line of stdout.split('\n')) {
          if (!line.includes(alertId)) continue;
          try {
            const v = JSON.parse(line);
            if (v.alert_id === alertId) found.push(v);
          } catch { /* a message of another shape: not this alert's */ }
        }
        return resolve(found);
      });
  });
}

// Waits (up to timeoutMs) until the CISO's Kafka topic carries alertId with status; returns that
// message's value. Against the mock API (no Kafka) it returns null; anywhere else a missing
// KAFKA_BROKERS is an error, so that the check cannot pass by being left out.
export async function alertOnTopic(alertId, status, timeoutMs = 30000) {
  if (!env.kafkaBrokers || !env.alertsTopic) {
    if (env.mockApi) return null;
    throw new Error('KAFKA_BROKERS and ALERTS_TOPIC are not set (inzaged --demo writes them to demo-tokens.env)');
  }
  const deadline = Date.now() + timeoutMs;
  let seen = [];
  for (;;) {
    seen = await alertMessages(alertId);
    const hit = seen.find((v) => v.status === status);
    if (hit) return hit;
    if (Date.now() > deadline) {
      throw new Error(`alert ${alertId} with status ${status} is not on ${env.alertsTopic} within ${timeoutMs} ms (versions there: ${seen.map((v) => `${v.version}:${v.status}`).join(', ') || 'none'})`);
    }
    await new Promise((f) => setTimeout(f, 250));
  }
}

// The demo's input topics: inzaged's defaults (src/kafka/options.h: kafka.topics.events,
// .reference, .dead_letter). demo-tokens.env names only the brokers and the CISO's topic, and
// tests/ui/ui_e2e_test.sh's configuration keeps the defaults.
export const TOPICS = {
  events: 'inzage.access-events',
  reference: 'inzage.reference',
  deadLetter: 'inzage.access-events.dlq',
};

// The demo's Kafka and citizen, for the tests that put real events in: an error (never a skip)
// when they are missing, also against the mock API, which has no Kafka.
export function requireKafka() {
  const missing = [['KAFKA_BROKERS', env.kafkaBrokers], ['DEMO_BSN', env.demoBsn]].filter(([, v]) => !v).map(([n]) => n);
  if (missing.length) {
    throw new Error(`${missing.join(', ')} not set: this test produces real events into inzaged --demo's Kafka (demo-tokens.env names both)`);
  }
}

// Produces messages (one JSON value each) to topic with key, through kcat; the values go on
// kcat's standard input, so that a BSN is in no process's arguments.
export function produce(topic, key, values) {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-P', '-b', env.kafkaBrokers, '-t', topic, '-k', key, '-X', 'message.timeout.ms=20000'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGTERM'), 30000);
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`kcat: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 || /fail|error/i.test(stderr)) reject(new Error(`kcat -P to ${topic} at ${env.kafkaBrokers}: exit ${code} ${stderr.trim()}`));
      else resolve();
    });
    child.stdin.end(values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n') + '\n');
  });
}

// Now, with microseconds that are not whole milliseconds: inzaged writes the time back with all
// six digits (common/time.cc), so the string tells this event apart from any other.
export function preciseNow(offsetMs = 0) {
  const d = new Date(Date.now() + offsetMs);
  const micros = d.getUTCMilliseconds() * 1000 + 1 + crypto.randomInt(998);
  return `${d.toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

// A fresh id for an actor or event made by a test (letters and digits, no 9-digit run).
export function freshId(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}`;
}

// An employee record for the reference topic (docs/contracts.md §2; the demo world's shape,
// src/app/world_generator.cc).
export function employeeRecord({ id, role, department, team }) {
  return {
    type: 'employee', id, roles: [role], team, department,
    municipalities: ['dinkelland', 'tubbergen'], working_hours: '00:00-23:59',
  };
}

// An access event (docs/contracts.md §1, schemas/access-event.schema.json) by employee actor on
// subject bsn, shaped like the demo's own (WorldGenerator::EventJson).
export function accessEvent({ id, time, actor, role, bsn, domain, purpose, caseId = null, action = 'view', info = 'wat', categories }) {
  const resource = { system: domain === 'brp' ? 'brp-gba' : 'suite4sd', domain, info };
  if (categories) resource.categories = categories;
  return {
    schema: 'inzage.access/1',
    event_id: id,
    time,
    municipality: 'dinkelland',
    actor: { id: actor, kind: 'employee', roles: [role] },
    action,
    subjects: [{ bsn }],
    resource,
    purpose,
    case_id: caseId,
  };
}

// An officer's investigation of a citizen (POST /v1/subjects/accesses, the BSN in the body).
export async function investigateSubject(bsn, { from, to, limit = 1000 } = {}) {
  const token = env.officerToken || env.cisoToken;
  const res = await fetch(`${env.url}/v1/subjects/accesses`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ bsn, from, to, limit }),
  });
  if (res.status !== 200) throw new Error(`POST /v1/subjects/accesses: HTTP ${res.status}`);
  return res.json();
}

// Why inzaged refused a message, from the dead-letter topic's inzage.reason header ('' if it
// is not there).
export function deadLetterReason(eventId) {
  return new Promise((resolve) => {
    execFile('kcat', ['-C', '-b', env.kafkaBrokers, '-t', TOPICS.deadLetter, '-o', 'beginning', '-e', '-q', '-f', '%h\\t%s\\n'],
      { maxBuffer: 1 << 28, timeout: 30000 }, (err, stdout) => {
        if (err) return resolve(`(the dead-letter topic could not be read: ${err.message})`);
        const line = stdout.split('\n').find((l) => l.includes(eventId)) || '';
        const reason = /inzage\.reason=([^,\t]*)/.exec(line);
        return resolve(line ? (reason ? reason[1] : 'refused (no reason header)') : '');
      });
  });
}

// Waits (up to timeoutMs) until an officer's investigation of bsn shows the event eventId, and
// returns that entry. Polls once a second: each investigation is itself recorded as a read of
// the citizen's data. Fails with the dead-letter reason when inzaged refused the event.
export async function waitForSubjectEvent(bsn, eventId, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  const from = new Date(Date.now() - 2 * 3600000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (;;) {
    const to = new Date(Date.now() + 3600000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const page = await investigateSubject(bsn, { from, to });
    const hit = (page.entries || []).find((e) => e.event_id === eventId);
    if (hit) return hit;
    if (Date.now() > deadline) {
      const reason = await deadLetterReason(eventId);
      throw new Error(`event ${eventId} is not in the officer's investigation within ${timeoutMs} ms${reason ? `; the dead-letter topic has it: ${reason}` : ''}`);
    }
    await new Promise((f) => setTimeout(f, 1000));
  }
}

export async function cspViolations(page) {
  return page.evaluate(() => window.__csp || []);
}

// Axe-core over the page as it is now: the serious and critical violations, as strings.
export async function axeProblems(page, { include = null, exclude = [] } = {}) {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (include) builder = builder.include(include);
  for (const e of exclude) builder = builder.exclude(e);
  const result = await builder.analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

export async function screenshot(page, name) {
  fs.mkdirSync(env.screenshots, { recursive: true });
  const file = path.join(env.screenshots, `${name}.png`);
  // The whole page, cut at 4,000 px (a citizen's list of 100 entries is 30,000 px tall).
  const { width, height } = await page.evaluate(() => ({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight }));
  await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width, height: Math.min(height, 4000) } });
  return file;
}

// The confidential activities of the shipped policy (register.yaml, confidential: true).
export function confidentialActivities(dir = path.join(repo, 'config', 'policy')) {
  const text = fs.readFileSync(path.join(dir, 'register.yaml'), 'utf8');
  const ids = [];
  let current = null;
  for (const line of text.split('\n')) {
    const id = /^\s*-\s+id:\s*([A-Za-z0-9_.-]+)/.exec(line);
    if (id) current = { id: id[1], name: '', domains: [], roles: [] };
    const name = /^\s+name:\s*"?(.*?)"?\s*$/.exec(line);
    if (current && name && !current.name) current.name = name[1];
    const list = /^\s+(domains|roles):\s*\[(.*)\]\s*$/.exec(line);
    if (current && list) current[list[1]] = list[2].split(',').map((x) => x.trim()).filter(Boolean);
    if (current && /^\s+confidential:\s*true\b/.test(line)) ids.push({ ...current });
  }
  return ids;
}

// The period the page asked for: the from/to of its first /v1/me/accesses request.
export function periodOfRequest(url) {
  const u = new URL(url);
  return { from: u.searchParams.get('from'), to: u.searchParams.get('to') };
}

// A test that needs a service fails when it is not there: it never passes by skipping
// (tests/ui/run.sh counts a skipped test as a failure too).
export function requireEnv(t, ...names) {
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length) throw new Error(`${missing.join(', ')} not set: this test needs it (run against inzaged --demo)`);
  return true;
}

let shared = null;
// One browser for the whole run (each test opens its own contexts); closed by ui.test.mjs.
export async function browser() {
  if (!shared) shared = await launch();
  return shared;
}
export async function closeShared() {
  const b = shared;
  shared = null;
  await closeBrowser(b);
}

// A signed-in page: a new context, a session from token, the page opened at route.
export async function openAs(token, route, opts = {}) {
  const context = await newContext(await browser(), opts);
  if (token) await signIn(context, token);
  const page = await context.newPage();
  const w = watch(page);
  if (route) await page.goto(route);
  return { context, page, w };
}

// Waits for the citizen page's list (or its signed-out or error state).
export async function citizenLoaded(page) {
  await page.waitForFunction(
    () => document.body.dataset.loaded === 'true' || !document.querySelector('#signed-out').hidden || !document.querySelector('#status').hidden,
  );
}

// Fails with what went wrong on the page: errors, dialogs, CSP violations.
export async function assertClean(assert, page, w) {
  assert.deepEqual(w.dialogs, [], 'no dialog may open');
  assert.deepEqual(w.errors, [], 'no uncaught error on the page');
  assert.deepEqual(await cspViolations(page), [], 'no Content-Security-Policy violation');
}

// GET from the page itself (same origin, its session cookie), as JSON.
export async function pageGet(page, url) {
  return page.evaluate(async (u) => {
    const r = await fetch(u, { headers: { 'X-Inzage-Request': '1', Accept: 'application/json' }, credentials: 'same-origin' });
    return { status: r.status, body: r.headers.get('content-type')?.includes('json') ? await r.json() : await r.text() };
  }, url);
}
