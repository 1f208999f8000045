// Building the page without HTML strings: every text goes in through a text node
// (textContent), never innerHTML, so a department, reason or case id that holds markup is shown
// as the characters it is. Attributes are set one by one; event handlers are functions.

const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction']);

// A URL attribute may only point at this site or at http(s)/mailto/tel: no javascript: or data:.
export function safeUrl(value) {
  const s = String(value);
  if (s.startsWith('/') || s.startsWith('#') || s.startsWith('?')) return s;
  try {
    const u = new URL(s, window.location.href);
    if (['http:', 'https:', 'mailto:', 'tel:', 'blob:'].includes(u.protocol)) return u.href;
  } catch {
    /* fall through */
  }
  return '#';
}

// h('p', {class: 'x', onclick: fn}, 'text', child, [more, children]); null/false children skip.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') {
        el.addEventListener(k.slice(2), v);
      } else if (k === 'class') {
        el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
      } else if (k === 'text') {
        el.textContent = String(v);
      } else if (k === 'style') {
        throw new Error('no style attributes (Content-Security-Policy): use a class');
      } else if (URL_ATTRS.has(k)) {
        el.setAttribute(k, safeUrl(v));
      } else if (k === 'dataset') {
        for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
      } else if (v === true) {
        el.setAttribute(k, '');
      } else {
        el.setAttribute(k, String(v));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

export function $(sel, root = document) {
  return root.querySelector(sel);
}

export function $$(sel, root = document) {
  return Array.from(root.querySelectorAll(sel));
}

// Sets the text of a polite live region; clearing first makes a repeated message heard again.
export function announce(region, message) {
  if (!region) return;
  region.textContent = '';
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

// Moves focus to a heading or region after it changed, without a visible outline jump
// for mouse users (tabindex=-1 makes a non-interactive element focusable by script only).
export function focusElement(el) {
  if (!el) return;
  if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: false });
}

// Saves a Blob as a file through a temporary object URL (no token or data in a page URL).
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, class: 'inzage-hidden' });
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}
