// A stand-in for inzaged's HTTP API and its /ui/ static files, for working on the pages and for
// checking the browser tests themselves when no daemon is built. It follows the API the pages
// use (sessions by cookie, X-Inzage-Request on changes, cursors, the alert lifecycle); it is no
// reference for the daemon: tests/ui/run.sh runs the suite against the real `inzaged --demo`.
//
//   node tests/ui/mock/server.mjs [--port N] [--alerts N] [--write-env FILE]
//
// Environment: MOCK_OIDC_ISSUER (an issuer whose RS256 tokens /v1/session accepts, and that
// config.json names), MOCK_OIDC_CLIENT_ID (default inzage-console).
// Prints INZAGE_URL, CITIZEN_LOGIN_URL, CONSOLE_LOGIN_URL, CITIZEN_TOKEN, CISO_TOKEN,
// PRIVACY_OFFICER_TOKEN as shell assignments (stdout, and --write-env when given).
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const uiRoot = path.resolve(here, '../../../ui');

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const PORT = Number(arg('--port', '0'));
const ALERTS = Number(arg('--alerts', process.env.MOCK_ALERTS || '120'));
const ENV_FILE = arg('--write-env', '');
const OIDC_ISSUER = (process.env.MOCK_OIDC_ISSUER || '').replace(/\/+$/, '');
const OIDC_CLIENT = process.env.MOCK_OIDC_CLIENT_ID || 'inzage-console';
const AUDIENCE = 'inzage';

// ---------------------------------------------------------------- data
let seed = 42;
const rnd = () => {
  // mulberry32: a repeatable stream, so every start has the same world
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rnd() * a.length)];
const hex = (n) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const H = 3600000;
const now0 = Date.now();

const MUNIS = { dinkelland: 'Gemeente Dinkelland', tubbergen: 'Gemeente Tubbergen' };
const ACTIVITIES = [
  { id: 'wmo-toegang', name: 'Toegang Wmo: melding en onderzoek', description: 'Onderzoek naar welke ondersteuning u nodig heeft na uw melding bij het Wmo-loket.', domain: { id: 'wmo', name: 'Wet maatschappelijke ondersteuning 2015' }, role: { id: 'wmo-consulent', name: 'Wmo-consulent' }, dept: 'sociaal-domein', cats: ['health'] },
  { id: 'jeugd-toegang', name: 'Toegang jeugdhulp', description: 'Beoordelen welke jeugdhulp nodig is.', domain: { id: 'jeugd', name: 'Jeugdwet (jeugdhulp)' }, role: { id: 'jeugd-consulent', name: 'Jeugdconsulent' }, dept: 'sociaal-domein', cats: ['health'] },
  { id: 'brp-bijhouding', name: 'Bijhouding basisregistratie personen', description: 'Uw gegevens in de BRP actueel houden, bijvoorbeeld na een verhuizing.', domain: { id: 'brp', name: 'Basisregistratie personen' }, role: { id: 'burgerzaken-medewerker', name: 'Medewerker burgerzaken' }, dept: 'burgerzaken', cats: [] },
  { id: 'belastingheffing', name: 'Heffing gemeentelijke belastingen', description: 'Het opleggen van gemeentelijke belastingen zoals de OZB.', domain: { id: 'belastingen', name: 'Gemeentelijke belastingen' }, role: { id: 'belastingen-medewerker', name: 'Medewerker belastingen' }, dept: 'financien', cats: [] },
  { id: 'brp-verstrekking', name: 'Verstrekking uit de BRP', description: 'Het doorgeven van gegevens aan een instantie die daar recht op heeft.', domain: { id: 'brp', name: 'Basisregistratie personen' }, role: { id: 'burgerzaken-medewerker', name: 'Medewerker burgerzaken' }, dept: 'burgerzaken', cats: [], provide: true },
];
const CONFIDENTIAL = { id: 'fraude-onderzoek', name: 'Onderzoek naar uitkeringsfraude', description: 'x', domain: { id: 'participatie', name: 'Participatiewet' }, role: { id: 'fraude-onderzoeker', name: 'Fraudeonderzoeker' }, dept: 'sociaal-domein', cats: ['criminal'] };
const INFO_TEXT = { wat: 'inhoudelijke gegevens over uw situatie', dat: 'alleen dat u bij de gemeente bekend bent', cumulative: 'een overzicht van gegevens uit meerdere bronnen' };
const CITIZEN_SUBJECT = hex(32);

function localTime(ms) {
  // Europe/Amsterdam with the browser-independent Intl of node
  const f = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset' });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const off = p.timeZoneName === 'GMT' ? '+00:00' : p.timeZoneName.replace('GMT', '');
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${off}`;
}

const citizenEvents = []; // {ms, entry, confidential, ...}
for (let i = 0; i < 180; i += 1) {
  const ms = now0 - Math.floor(rnd() * 120 * 24) * H - Math.floor(rnd() * H);
  const confidential = rnd() < 0.08;
  const a = confidential ? CONFIDENTIAL : pick(ACTIVITIES);
  const muni = pick(Object.keys(MUNIS));
  citizenEvents.push({
    ms,
    event_id: `ev-${hex(16)}`,
    confidential,
    muni,
    a,
    info: pick(['wat', 'dat', 'cumulative']),
    actor: `emp-${1000 + Math.floor(rnd() * 80)}`,
    action: a.provide ? 'provide' : pick(['view', 'view', 'view', 'search', 'update', 'print']),
    own_read: false,
  });
}

function citizenEntry(e) {
  return {
    entry: Buffer.from(e.event_id).toString('base64url'),
    time: iso(e.ms),
    local_time: localTime(e.ms),
    municipality: { id: e.muni, name: MUNIS[e.muni] },
    department: e.own_read ? null : e.a.dept,
    role: e.own_read ? null : e.a.role,
    action: e.action,
    activity: e.own_read
      ? { id: 'inzage-verzoek', name: 'Inzage door de inwoner in wie de eigen gegevens bekeek', description: 'U bekeek zelf dit overzicht.' }
      : { id: e.a.id, name: e.a.name, description: e.a.description },
    domain: e.own_read ? { id: 'audit', name: 'Inzageregistratie' } : e.a.domain,
    info: e.info,
    info_text: INFO_TEXT[e.info],
    categories: e.own_read ? [] : e.a.cats,
    recipient: e.a && e.a.provide && !e.own_read ? { id: 'zorg-oost', kind: 'processor' } : null,
    own_read: e.own_read,
  };
}

const RULES = ['ntk.no_relationship', 'behavior.browsing', 'auth.role_not_permitted', 'sd.wat_other_domain', 'behavior.off_hours', 'special.no_basis', 'provide.no_triage', 'behavior.vip_access'];
const SEV_RANK = { critical: 0, high: 1, medium: 2, low: 3 };
const alerts = new Map();
const alertEvidence = new Map();

function newAlertId() {
  return `${hex(8)}-${hex(8)}-${hex(8)}-${hex(8)}`;
}

function investigationEntry(ms, actor, muni, dept, a, subjects, verdict, rules) {
  return {
    time: iso(ms),
    event_id: `ev-${hex(16)}`,
    actor,
    municipality: muni,
    department: dept,
    role: a.role.id,
    action: 'view',
    activity: { id: a.id, name: a.name },
    domain: a.domain.id,
    info: 'wat',
    categories: a.cats,
    recipient: null,
    case_id: `Z-${2026}-${Math.floor(rnd() * 90000 + 10000)}`,
    verdict,
    rules,
    subject_count: subjects.length,
    subjects,
  };
}

function makeAlert(i) {
  const first = now0 - Math.floor(rnd() * 90) * H - Math.floor(rnd() * H);
  const nsub = 1 + Math.floor(rnd() * 3);
  const subjects = Array.from({ length: nsub }, () => hex(32));
  const a = pick(ACTIVITIES);
  const actor = `emp-${1000 + Math.floor(rnd() * 80)}`;
  const muni = pick(Object.keys(MUNIS));
  const rule = pick(RULES);
  const sev = pick(['low', 'medium', 'high', 'critical']);
  const id = newAlertId();
  const evidence = subjects.map((s, k) => investigationEntry(first + k * 60000, actor, muni, a.dept, a, [s], 'violation', [rule]));
  alertEvidence.set(id, evidence);
  alerts.set(id, {
    alert_id: id,
    version: 1,
    rule,
    severity: sev,
    verdict: sev === 'low' ? 'review' : 'violation',
    actor,
    municipality: muni,
    department: a.dept,
    first_seen: iso(first),
    last_seen: iso(first + (nsub - 1) * 60000),
    count: nsub,
    subjects: nsub,
    evidence: { event_ids: evidence.map((e) => e.event_id), total: nsub },
    explanation: `${actor} bekeek gegevens van ${nsub} inwoner(s) zonder zaak of relatie die dat verklaart (${rule}).`,
    policy_refs: ['§2.2.4', 'Bijlage 4 do 3'],
    breach_deadline: iso(first + 72 * H),
    status: i < 120 && i % 17 === 0 ? 'acknowledged' : 'open',
    status_history: [],
    policy_revision: 'noaberkracht-2026.1',
    guidance: 'Vraag de teammanager of de medewerker een taak had bij deze inwoner. Zo niet: meld het direct bij de concernjuristen.',
  });
}
for (let i = 0; i < ALERTS; i += 1) makeAlert(i);

// ---------------------------------------------------------------- sessions and tokens
const sessions = new Map(); // sid -> {role, label, expires}
const staticTokens = new Map([
  [`mock-citizen-${hex(24)}`, { role: 'citizen', sub: '999993653', label: 'u' }],
  [`mock-ciso-${hex(24)}`, { role: 'ciso', sub: 'ciso-1', label: 'ciso-1' }],
  [`mock-po-${hex(24)}`, { role: 'privacy-officer', sub: 'fg-1', label: 'fg-1' }],
]);
const tokenOf = (role) => [...staticTokens.entries()].find(([, v]) => v.role === role)[0];
const loginCodes = new Map([
  [hex(32), 'citizen'],
  [hex(32), 'console'],
]);
const codeOf = (to) => [...loginCodes.entries()].find(([, v]) => v === to)[0];

let jwksCache = null;
async function verifyOidc(token) {
  if (!OIDC_ISSUER) return null;
  const [h64, p64, s64] = token.split('.');
  if (!s64) return null;
  const header = JSON.parse(Buffer.from(h64, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(p64, 'base64url').toString());
  if (header.alg !== 'RS256') return null;
  if (!jwksCache) {
    const meta = await (await fetch(`${OIDC_ISSUER}/.well-known/openid-configuration`)).json();
    jwksCache = await (await fetch(meta.jwks_uri)).json();
  }
  const jwk = jwksCache.keys.find((k) => !header.kid || k.kid === header.kid);
  if (!jwk) return null;
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const ok = crypto.verify('sha256', Buffer.from(`${h64}.${p64}`), key, Buffer.from(s64, 'base64url'));
  if (!ok) return null;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(AUDIENCE) || claims.exp * 1000 < Date.now()) return null;
  if (!['ciso', 'privacy-officer', 'citizen'].includes(claims.role)) return null;
  return { role: claims.role, sub: claims.sub, label: claims.role === 'citizen' ? 'u' : claims.sub };
}

function newSession(res, who) {
  const sid = crypto.randomBytes(24).toString('base64url');
  const expires = Date.now() + 8 * H;
  sessions.set(sid, { ...who, expires });
  res.setHeader('Set-Cookie', `inzage_session=${sid}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${8 * 3600}`);
  return { role: who.role, label: who.label, expires_at: iso(expires) };
}

function sessionOf(req) {
  const m = /(?:^|;\s*)inzage_session=([^;]+)/.exec(req.headers.cookie || '');
  if (!m) return null;
  const s = sessions.get(m[1]);
  if (!s || s.expires < Date.now()) return null;
  return { sid: m[1], ...s };
}

// ---------------------------------------------------------------- http helpers
const CSP = ["default-src 'self'", OIDC_ISSUER ? `connect-src 'self' ${new URL(OIDC_ISSUER).origin}` : '', "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"]
  .filter(Boolean)
  .join('; ');

function send(res, status, body, type = 'application/json') {
  const data = type === 'application/json' && body !== null ? JSON.stringify(body) : body;
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(data ?? undefined);
}
const fail = (res, status, code, message) => send(res, status, { error: { code, message } });

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const s = Buffer.concat(chunks).toString();
  if (!s) return {};
  return JSON.parse(s);
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.json': 'application/json', '.png': 'image/png', '.txt': 'text/plain; charset=utf-8' };

function serveStatic(req, res, urlPath) {
  let rel = decodeURIComponent(urlPath.slice('/ui/'.length));
  if (rel.includes('..') || rel.includes('\0')) return fail(res, 400, 'bad_request', 'bad path');
  let file = path.join(uiRoot, rel);
  if (rel.startsWith('node_modules') || rel.startsWith('package')) return fail(res, 404, 'not_found', 'not found');
  let st = fs.existsSync(file) ? fs.statSync(file) : null;
  if (st && st.isDirectory()) {
    if (!urlPath.endsWith('/')) {
      res.writeHead(301, { Location: `${urlPath}/` });
      return res.end();
    }
    file = path.join(file, 'index.html');
    st = fs.existsSync(file) ? fs.statSync(file) : null;
  }
  if (!st) return fail(res, 404, 'not_found', 'not found');
  res.writeHead(200, {
    'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
  fs.createReadStream(file).pipe(res);
}

function period(q) {
  const from = Date.parse(q.get('from'));
  const to = Date.parse(q.get('to'));
  if (Number.isNaN(from) || Number.isNaN(to) || to < from) return null;
  if (to - from > 366 * 24 * H) return null;
  return { from, to };
}

function pageOf(list, q, limit) {
  const off = q.get('cursor') ? Number(Buffer.from(q.get('cursor'), 'base64url').toString()) : 0;
  const items = list.slice(off, off + limit);
  const next = off + limit < list.length ? Buffer.from(String(off + limit)).toString('base64url') : null;
  return { items, next };
}

const LIFECYCLE = { open: ['acknowledged', 'dismissed'], acknowledged: ['confirmed_breach', 'dismissed', 'closed'], confirmed_breach: ['reported'], reported: ['closed'] };

function sortedAlerts(q) {
  const f = (k) => q.get(k) || '';
  return [...alerts.values()]
    .filter((a) => (!f('status') || a.status === f('status')) && (!f('severity') || a.severity === f('severity')) && (!f('rule') || a.rule === f('rule')) && (!f('municipality') || a.municipality === f('municipality')) && (!f('department') || a.department === f('department')))
    .sort((a, b) => a.breach_deadline.localeCompare(b.breach_deadline) || SEV_RANK[a.severity] - SEV_RANK[b.severity] || a.alert_id.localeCompare(b.alert_id));
}

// ---------------------------------------------------------------- routes
async function api(req, res, url) {
  const q = url.searchParams;
  const p = url.pathname;
  const m = req.method;
  if ((m === 'POST' || m === 'DELETE') && req.headers['x-inzage-request'] !== '1') return fail(res, 403, 'forbidden', 'missing X-Inzage-Request header');

  if (p === '/v1/session') {
    if (m === 'POST') {
      let body;
      try {
        body = await readJson(req);
      } catch {
        return fail(res, 400, 'bad_request', 'body is not JSON');
      }
      const token = String(body.token || '');
      let who = staticTokens.get(token) || null;
      if (!who) who = await verifyOidc(token).catch(() => null);
      if (!who) return fail(res, 401, 'unauthorized', 'token not accepted');
      return send(res, 200, newSession(res, who));
    }
    const s = sessionOf(req);
    if (m === 'DELETE') {
      if (s) sessions.delete(s.sid);
      res.setHeader('Set-Cookie', 'inzage_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
      return send(res, 204, null);
    }
    if (!s) return fail(res, 401, 'unauthorized', 'no session');
    return send(res, 200, { role: s.role, label: s.label, expires_at: iso(s.expires) });
  }

  const s = sessionOf(req);
  if (!s) return fail(res, 401, 'unauthorized', 'no session');
  const staff = s.role === 'ciso' || s.role === 'privacy-officer';

  if (p === '/v1/me/context' && m === 'GET') {
    if (s.role !== 'citizen') return fail(res, 403, 'forbidden', 'citizens only');
    return send(res, 200, {
      organisation: 'Noaberkracht Dinkelland Tubbergen',
      privacy_contact: { name: 'Functionaris gegevensbescherming Noaberkracht', email: 'privacy@noaberkracht.example', phone: '0541 85 41 00', url: 'https://www.noaberkracht.example/privacy' },
      objection: 'Bent u het niet eens met hoe de gemeente uw gegevens gebruikt? Dan kunt u bezwaar maken bij de functionaris gegevensbescherming, of een klacht indienen bij de Autoriteit Persoonsgegevens.',
      delayed_notice: 'Sommige verwerkingen, bijvoorbeeld voor een lopend onderzoek, ziet u hier pas later.',
    });
  }
  if ((p === '/v1/me/accesses' || p === '/v1/me/accesses.csv') && m === 'GET') {
    if (s.role !== 'citizen') return fail(res, 403, 'forbidden', 'citizens only');
    const per = period(q);
    if (!per) return fail(res, 400, 'bad_request', "bad 'from'/'to'");
    const t = Date.now();
    citizenEvents.push({ ms: t, event_id: `ev-${hex(16)}`, confidential: false, muni: 'dinkelland', a: null, info: 'dat', actor: 'portal', action: 'view', own_read: true });
    const list = citizenEvents
      .filter((e) => !e.confidential && e.ms >= per.from && e.ms < per.to)
      .sort((a, b) => b.ms - a.ms || b.event_id.localeCompare(a.event_id))
      .map(citizenEntry);
    if (p.endsWith('.csv')) {
      const cols = ['time', 'municipality', 'department', 'role', 'action', 'activity', 'domain', 'info', 'categories', 'recipient'];
      const esc = (v) => `"${String(v ?? '').replace(/"/g, '""')}"`;
      const rows = list.map((e) => [e.time, e.municipality.name, e.department, e.role && e.role.name, e.action, e.activity.name, e.domain.name, e.info, e.categories.join(' '), e.recipient ? e.recipient.id : ''].map(esc).join(','));
      res.setHeader('Content-Disposition', 'attachment; filename="inzage.csv"');
      return send(res, 200, `${cols.join(',')}\r\n${rows.join('\r\n')}\r\n`, 'text/csv; charset=utf-8');
    }
    const limit = Math.min(1000, Number(q.get('limit') || 1000));
    const { items, next } = pageOf(list, q, limit);
    return send(res, 200, { from: iso(per.from), to: iso(per.to), entries: items, next_cursor: next, partial: false, unavailable_peers: [] });
  }
  if (p === '/v1/me/reports' && m === 'POST') {
    if (s.role !== 'citizen') return fail(res, 403, 'forbidden', 'citizens only');
    const body = await readJson(req).catch(() => null);
    if (!body || typeof body.entry !== 'string' || String(body.text ?? '').length > 1000) return fail(res, 400, 'bad_request', 'bad report');
    const id = newAlertId();
    const first = Date.now();
    alerts.set(id, {
      alert_id: id, version: 1, rule: 'citizen.reported', severity: 'high', verdict: 'review', actor: 'emp-1042', municipality: 'dinkelland', department: 'sociaal-domein',
      first_seen: iso(first), last_seen: iso(first), count: 1, subjects: 1, evidence: { event_ids: [], total: 1 },
      explanation: `Een inwoner herkent een inzage niet. Toelichting van de inwoner: ${String(body.text || '(geen)')}`,
      policy_refs: ['§2.2.12'], breach_deadline: iso(first + 72 * H), status: 'open', status_history: [], policy_revision: 'noaberkracht-2026.1',
      guidance: 'Neem contact op met de inwoner via de privacyfunctionaris en onderzoek de inzage.',
    });
    alertEvidence.set(id, []);
    return send(res, 202, { received: true, reference: id });
  }

  if (!staff) return fail(res, 403, 'forbidden', 'staff only');
  if (p === '/v1/alerts' && m === 'GET') {
    const list = sortedAlerts(q);
    const limit = Math.min(1000, Number(q.get('limit') || 50));
    const { items, next } = pageOf(list, q, limit);
    return send(res, 200, { alerts: items, next_cursor: next, total: list.length });
  }
  let mm = /^\/v1\/alerts\/([^/]+)(\/evidence|\/status)?$/.exec(p);
  if (mm) {
    const a = alerts.get(decodeURIComponent(mm[1]));
    if (!a) return fail(res, 404, 'not_found', 'no such alert');
    if (!mm[2] && m === 'GET') return send(res, 200, a);
    if (mm[2] === '/evidence' && m === 'GET') return send(res, 200, { entries: alertEvidence.get(a.alert_id) || [] });
    if (mm[2] === '/status' && m === 'POST') {
      if (s.role !== 'ciso') return fail(res, 403, 'forbidden', `role ${s.role} may not change alert status`);
      const body = await readJson(req).catch(() => null);
      const reason = body && typeof body.reason === 'string' ? body.reason : '';
      if (!body || !reason || reason.length > 1000) return fail(res, 400, 'bad_request', 'reason must be 1-1000 characters');
      if (!(LIFECYCLE[a.status] || []).includes(body.status)) return fail(res, 409, 'conflict', `cannot go from ${a.status} to ${body.status}`);
      a.status_history.push({ from: a.status, to: body.status, by: s.label, at: iso(Date.now()), why: reason });
      a.status = body.status;
      a.version += 1;
      return send(res, 200, a);
    }
    return fail(res, 405, 'method_not_allowed', 'method not allowed');
  }
  mm = /^\/v1\/actors\/([^/]+)\/accesses$/.exec(p);
  if (mm && m === 'GET') {
    const actor = decodeURIComponent(mm[1]);
    const per = period(q);
    if (!per) return fail(res, 400, 'bad_request', "bad 'from'/'to'");
    const list = [];
    for (const [id, ev] of alertEvidence) if (alerts.get(id).actor === actor) list.push(...ev);
    for (let i = 0; i < 30; i += 1) list.push(investigationEntry(Date.now() - i * 20 * H, actor, 'dinkelland', 'sociaal-domein', ACTIVITIES[i % 3], [hex(32)], 'allow', []));
    const inPeriod = list.filter((e) => Date.parse(e.time) >= per.from && Date.parse(e.time) < per.to).sort((a, b) => b.time.localeCompare(a.time));
    const { items, next } = pageOf(inPeriod, q, Math.min(1000, Number(q.get('limit') || 1000)));
    return send(res, 200, { actor, from: iso(per.from), to: iso(per.to), entries: items, next_cursor: next });
  }
  if (p === '/v1/subjects/accesses' && m === 'POST') {
    const body = await readJson(req).catch(() => null);
    const bsn = body && String(body.bsn || '');
    const d = bsn.padStart(9, '0');
    let sum = 0;
    for (let i = 0; i < 8; i += 1) sum += Number(d[i]) * (9 - i);
    if (!/^\d{8,9}$/.test(bsn) || (sum - Number(d[8])) % 11 !== 0) return fail(res, 400, 'bad_request', 'bsn fails the elfproef');
    const qq = new URLSearchParams({ from: body.from, to: body.to });
    const per = period(qq);
    if (!per) return fail(res, 400, 'bad_request', "bad 'from'/'to'");
    const list = citizenEvents
      .filter((e) => !e.own_read && e.ms >= per.from && e.ms < per.to)
      .sort((a, b) => b.ms - a.ms)
      .map((e) => ({ ...investigationEntry(e.ms, e.actor, e.muni, e.a.dept, e.a, [CITIZEN_SUBJECT], 'allow', []), event_id: e.event_id }));
    const cq = new URLSearchParams(body.cursor ? { cursor: body.cursor } : {});
    const { items, next } = pageOf(list, cq, Math.min(1000, Number(body.limit || 1000)));
    return send(res, 200, { from: iso(per.from), to: iso(per.to), entries: items, next_cursor: next, partial: false, unavailable_peers: [] });
  }
  if (p === '/v1/overview' && m === 'GET') {
    const hours = Number(q.get('hours') || 48);
    const start = Math.floor(Date.now() / H) * H - (hours - 1) * H;
    return send(res, 200, {
      hours: Array.from({ length: hours }, (_, i) => ({ hour: iso(start + i * H), allow: 800 + Math.floor(rnd() * 400), review: 20 + Math.floor(rnd() * 30), violation: Math.floor(rnd() * 12), invalid: Math.floor(rnd() * 3) })),
      top_rules: RULES.slice(0, 6).map((r, i) => ({ rule: r, count: 120 - i * 17 })),
      violations_by_department: [{ department: 'sociaal-domein', count: 41 }, { department: 'burgerzaken', count: 12 }, { department: 'financien', count: 4 }],
      invalid: { messages: 81234, invalid: 17, window: 'PT5M' },
      consumer_lag: [0, 1, 2, 3].map((x) => ({ partition: x, lag: Math.floor(rnd() * 500) })),
      policy_revision: 'noaberkracht-2026.1 (sha256:3be1…)',
    });
  }
  return fail(res, 404, 'not_found', 'no such route');
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  try {
    if (url.pathname === '/ui/demo-login' && req.method === 'GET') {
      const code = url.searchParams.get('code') || '';
      const to = url.searchParams.get('to');
      const kind = loginCodes.get(code);
      if (!kind || (to !== 'citizen' && to !== 'console') || kind !== to) return fail(res, 401, 'unauthorized', 'unknown or used login code');
      loginCodes.delete(code);
      const who = kind === 'citizen' ? { role: 'citizen', sub: '999993653', label: 'u' } : { role: 'ciso', sub: 'ciso-1', label: 'ciso-1' };
      newSession(res, who);
      res.writeHead(303, { Location: `/ui/${to}/` });
      return res.end();
    }
    if (url.pathname === '/ui/console/config.json') {
      return send(res, 200, { oidc: OIDC_ISSUER ? { issuer: OIDC_ISSUER, client_id: OIDC_CLIENT, scope: 'openid' } : null, demo: true });
    }
    if (url.pathname === '/ui' || url.pathname.startsWith('/ui/')) {
      if (url.pathname === '/ui') {
        res.writeHead(301, { Location: '/ui/' });
        return res.end();
      }
      return serveStatic(req, res, url.pathname);
    }
    if (url.pathname.startsWith('/v1/')) return await api(req, res, url);
    if (url.pathname === '/readyz' || url.pathname === '/healthz') return send(res, 200, 'ok\n', 'text/plain');
    return fail(res, 404, 'not_found', 'no such route');
  } catch (err) {
    console.error(err);
    return fail(res, 500, 'internal', 'internal error');
  }
});

server.listen(PORT, '127.0.0.1', () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const env = [
    `INZAGE_URL=${base}`,
    `CITIZEN_LOGIN_URL='${base}/ui/demo-login?code=${codeOf('citizen')}&to=citizen'`,
    `CONSOLE_LOGIN_URL='${base}/ui/demo-login?code=${codeOf('console')}&to=console'`,
    `CITIZEN_TOKEN=${tokenOf('citizen')}`,
    `CISO_TOKEN=${tokenOf('ciso')}`,
    `PRIVACY_OFFICER_TOKEN=${tokenOf('privacy-officer')}`,
    '# no Kafka behind the mock: the tests leave out the checks of the alert topic',
    'INZAGE_MOCK_API=1',
  ].join('\n');
  if (ENV_FILE) fs.writeFileSync(ENV_FILE, `${env}\n`);
  process.stdout.write(`${env}\n`);
});

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
