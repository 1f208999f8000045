// Dates and times in Europe/Amsterdam, with the browser's own time zone data (Intl), whatever
// the zone of the computer the page runs on.

export const TZ = 'Europe/Amsterdam';
const DAY_MS = 86400000;

const partsFmt = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function zoneParts(ms) {
  const p = {};
  for (const { type, value } of partsFmt.formatToParts(new Date(ms))) p[type] = value;
  return p;
}

// Minutes Amsterdam is ahead of UTC at instant ms (60 or 120).
export function offsetMinutes(ms) {
  const p = zoneParts(ms);
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

function parseYmd(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  if (!m) return null;
  return [+m[1], +m[2], +m[3]];
}

export function isYmd(ymd) {
  const p = parseYmd(ymd);
  if (!p) return false;
  const d = new Date(Date.UTC(p[0], p[1] - 1, p[2]));
  return d.getUTCFullYear() === p[0] && d.getUTCMonth() === p[1] - 1 && d.getUTCDate() === p[2];
}

// The instant midnight starts day ymd in Amsterdam, as a Date.
export function dayStart(ymd) {
  const p = parseYmd(ymd);
  if (!p) throw new RangeError(`not a date: ${ymd}`);
  const guess = Date.UTC(p[0], p[1] - 1, p[2]);
  let t = guess - offsetMinutes(guess) * 60000;
  t = guess - offsetMinutes(t) * 60000;
  return new Date(t);
}

// RFC 3339 in UTC without milliseconds: 2026-12-03T23:00:00Z
export function rfc3339(date) {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function todayYmd(now = Date.now()) {
  const p = zoneParts(now);
  return `${p.year}-${p.month}-${p.day}`;
}

export function addDays(ymd, n) {
  const p = parseYmd(ymd);
  const d = new Date(Date.UTC(p[0], p[1] - 1, p[2]) + n * DAY_MS);
  return d.toISOString().slice(0, 10);
}

export function addMonths(ymd, n) {
  const p = parseYmd(ymd);
  const d = new Date(Date.UTC(p[0], p[1] - 1 + n, 1));
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(p[2], last));
  return d.toISOString().slice(0, 10);
}

// Whole days from ymd a to ymd b.
export function daysBetween(a, b) {
  const pa = parseYmd(a);
  const pb = parseYmd(b);
  return Math.round((Date.UTC(pb[0], pb[1] - 1, pb[2]) - Date.UTC(pa[0], pa[1] - 1, pa[2])) / DAY_MS);
}

// A period of whole Amsterdam days, both ends included: {from, to} as RFC 3339 for the API.
export function periodOf(fromYmd, toYmd) {
  return { from: rfc3339(dayStart(fromYmd)), to: rfc3339(dayStart(addDays(toYmd, 1))) };
}

function locale(lang) {
  return lang === 'en' ? 'en-GB' : 'nl-NL';
}

// "3 dec. 2026, 10:15" in Amsterdam time.
export function formatDateTime(iso, lang = 'nl') {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(lang), {
    timeZone: TZ,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(d);
}

// "dinsdag 3 december 2026" for a calendar day.
export function formatDay(ymd, lang = 'nl') {
  const p = parseYmd(ymd);
  if (!p) return String(ymd);
  return new Intl.DateTimeFormat(locale(lang), {
    timeZone: 'UTC',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(new Date(Date.UTC(p[0], p[1] - 1, p[2], 12)));
}

// The date and the clock time of a local time the server gave ("2026-12-03T10:15:03+01:00"),
// read from the string itself: the server already put it in Amsterdam time.
export function localParts(localTime, fallbackIso) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(localTime || '');
  if (m) return { date: m[1], time: m[2] };
  const p = zoneParts(new Date(fallbackIso).getTime());
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

// The 72-hour clock: time left until deadline. {overdue, hours, minutes, text}.
export function countdown(deadlineIso, now = Date.now(), lang = 'nl') {
  const deadline = new Date(deadlineIso).getTime();
  if (!deadlineIso || Number.isNaN(deadline)) return null;
  const left = deadline - now;
  if (left <= 0) {
    return { overdue: true, hours: 0, minutes: 0, text: lang === 'en' ? 'overdue' : 'overschreden' };
  }
  const totalMinutes = Math.floor(left / 60000);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  const text = lang === 'en' ? `${hours} h ${minutes} min left` : `nog ${hours} u ${minutes} min`;
  return { overdue: false, hours, minutes, text };
}

// ISO 8601 durations ("PT48H", "PT5M", "P1DT12H", "P2W") in words, Dutch or English.
const DURATION_UNITS = [
  // [designator, in the time part, nl one, nl many, en one, en many]
  ['Y', false, 'jaar', 'jaar', 'year', 'years'],
  ['M', false, 'maand', 'maanden', 'month', 'months'],
  ['W', false, 'week', 'weken', 'week', 'weeks'],
  ['D', false, 'dag', 'dagen', 'day', 'days'],
  ['H', true, 'uur', 'uur', 'hour', 'hours'],
  ['M', true, 'minuut', 'minuten', 'minute', 'minutes'],
  ['S', true, 'seconde', 'seconden', 'second', 'seconds'],
];
// "het laatste uur", "de laatste dag": the article of each unit in Dutch (het for jaar, uur).
const NL_NEUTER = new Set(['jaar', 'uur']);

// The parts of an ISO 8601 duration: [{n, nl: [one, many], en: [one, many]}], or null when it
// is not one.
export function parseDuration(iso) {
  const m = /^P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/.exec(String(iso || '').toUpperCase());
  if (!m || /T$/.test(String(iso).toUpperCase()) || String(iso).length < 3) return null;
  const parts = [];
  DURATION_UNITS.forEach(([, , nlOne, nlMany, enOne, enMany], i) => {
    if (m[i + 1] === undefined) return;
    const n = Number(m[i + 1].replace(',', '.'));
    if (n > 0) parts.push({ n, nl: [nlOne, nlMany], en: [enOne, enMany] });
  });
  return parts;
}

function joinWords(words, lang) {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${lang === 'en' ? 'and' : 'en'} ${words[words.length - 1]}`;
}

// "48 uur", "1 dag en 12 uur", "5 minutes"; the ISO text itself when it is not a duration.
export function formatDuration(iso, lang = 'nl') {
  const parts = parseDuration(iso);
  if (!parts) return String(iso || '');
  if (parts.length === 0) return lang === 'en' ? '0 seconds' : '0 seconden';
  const l = lang === 'en' ? 'en' : 'nl';
  return joinWords(parts.map((p) => `${p.n.toLocaleString(locale(l))} ${p.n === 1 ? p[l][0] : p[l][1]}`), l);
}

// A window that ends now: "de laatste 48 uur", "het laatste uur", "the last 5 minutes".
export function formatLastPeriod(iso, lang = 'nl') {
  const parts = parseDuration(iso);
  const l = lang === 'en' ? 'en' : 'nl';
  if (!parts || parts.length === 0) return l === 'en' ? `the window ${iso || ''}`.trim() : `het venster ${iso || ''}`.trim();
  if (parts.length === 1 && parts[0].n === 1) {
    const unit = parts[0][l][0];
    if (l === 'en') return `the last ${unit}`;
    return `${NL_NEUTER.has(unit) ? 'het laatste' : 'de laatste'} ${unit}`;
  }
  return `${l === 'en' ? 'the last' : 'de laatste'} ${formatDuration(iso, l)}`;
}
