/**
 * DOM building without innerHTML: every node comes from createElement and
 * every text from textContent, so shop data can never become markup (and the
 * page runs under Trusted Types with no policy of its own).
 */

/**
 * h('button', { class: 'btn', onclick: fn, 'aria-label': 'Close' }, 'text', child)
 * @param {string} tag
 * @param {Record<string, unknown>} [props]
 * @param {...(Node | string | number | null | undefined | false | (Node | string)[])} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key == 'class') el.className = String(value);
    else if (key == 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value == 'function') el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * An inline icon from a list of path `d` strings (stroke style).
 * @param {string[]} paths
 * @param {string} [cls]
 */
export function icon(paths, cls = 'icon') {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '2');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', cls);
  for (const d of paths) {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', d);
    svg.append(p);
  }
  return svg;
}

export const ICONS = {
  close: ['M6 6l12 12', 'M18 6L6 18'],
  check: ['M5 12.5l4.5 4.5L19 7.5'],
  clock: ['M12 3a9 9 0 1 1 0 18 9 9 0 0 1 0-18z', 'M12 7v5l3 2'],
  alert: ['M12 3l9.5 17h-19z', 'M12 10v4', 'M12 17.2v.3'],
  card: ['M3 6h18v12H3z', 'M3 10h18', 'M7 15h4'],
  bag: ['M6 7h12l-1 13H7z', 'M9 7a3 3 0 0 1 6 0'],
  shield: ['M12 3l8 4v5c0 5-3.5 8-8 9-4.5-1-8-4-8-9V7z', 'M8.5 12l2.5 2.5L16 9.5'],
  flask: ['M9 3h6', 'M10 3v6L4.5 18.5A1.6 1.6 0 0 0 5.9 21h12.2a1.6 1.6 0 0 0 1.4-2.5L14 9V3', 'M7 15h10'],
  minus: ['M6 12h12'],
  plus: ['M12 6v12', 'M6 12h12'],
};

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Says something to screen-reader users through the page's polite live region. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  // Cleared first, so that the same sentence twice is announced twice.
  region.textContent = '';
  setTimeout(() => (region.textContent = text), 50);
}
