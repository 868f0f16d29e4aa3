/**
 * The lab's live charts: what an ops dashboard would show during the outage
 * a visitor just caused, over the last five minutes, from what the SDK in
 * this browser knows (the same figures steadycart/otel exports):
 *
 * - pending orders: the outbox's orders not confirmed yet (`pending` or
 *   `sending`), sampled every two seconds and on every order event;
 * - time to confirm: for each order confirmed in the window, the time from
 *   the shopper's click (the outbox entry's `createdAt`) to its confirmation;
 * - failovers per endpoint: the SDK's `failover` events, by the endpoint
 *   the order moved away from, in 30-second buckets;
 * - circuits: each endpoint's circuit (closed, half-open, open) as
 *   `sc.health()` gives it, sampled with the pending orders.
 *
 * Inline SVG built with DOM APIs (no markup from data, strict CSP: colours
 * come from classes in lab.css). Each chart's figures are also in data
 * attributes, for the end-to-end test and the curious.
 */
import { h, replace } from './dom.js';

/** The charts' window. */
export const WINDOW_MS = 5 * 60_000;
const SAMPLE_MS = 2000;
const BUCKET_MS = 30_000;
const STORE_KEY = 'demo:lab-charts';
/** Drawing size, in viewBox units: the SVG scales to the lab's width. */
const W = 300;
const H = 64;
const SVG = 'http://www.w3.org/2000/svg';

/** @param {string} tag @param {Record<string, string | number>} [attrs] @param {...Node} children */
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** A tooltip for an SVG shape. */
const tip = (text) => {
  const t = document.createElementNS(SVG, 'title');
  t.textContent = text;
  return t;
};

const seconds = (ms) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`);
const round1 = (n) => Math.round(n * 10) / 10;

/**
 * `samples`: [time, orders not confirmed, circuit states] where the states are
 * one letter per endpoint in the lab's order (`c`losed, `h`alf-open, `o`pen).
 * @typedef {{ samples: [number, number, string][], failovers: [number, string][] }} History
 */

/** The history kept across the shop's pages in this tab. */
function load() {
  try {
    const v = JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
    if (v && Array.isArray(v.samples) && Array.isArray(v.failovers)) return /** @type {History} */ (v);
  } catch {
    // A corrupt entry: start again.
  }
  return { samples: [], failovers: [] };
}

/** A plot: an SVG of W × `height` units, stretched to the card's width. */
const plotOf = (height = H, cls = 'chart-plot') => svg('svg', { viewBox: `0 0 ${W} ${height}`, preserveAspectRatio: 'none', class: cls, 'aria-hidden': 'true' });

/**
 * The chart card: a figure with a heading, the figure's value, the plot (or
 * `body` holding plots) and its time axis.
 */
function card(name, label, plot = plotOf(), body = plot) {
  const value = h('span', { class: 'chart-value' }, '–');
  const legend = h('div', { class: 'chart-legend' });
  const figure = h(
    'figure',
    { class: 'chart', dataset: { chart: name } },
    h('figcaption', { class: 'chart-head' }, h('span', { class: 'chart-label' }, label), value),
    body,
    h('div', { class: 'chart-axis', 'aria-hidden': 'true' }, h('span', {}, '5 min ago'), h('span', {}, 'now')),
    legend,
  );
  return { figure, value, plot, legend };
}

/** x of time `t` in the window ending `now`. */
const xOf = (t, now) => round1(((t - (now - WINDOW_MS)) / WINDOW_MS) * W);

/**
 * Creates the charts for `sc`; `element` goes into the lab, `refresh()`
 * redraws them (also called on its own timer and on the SDK's events).
 * @param {{ sc: import('../../../../dist/steadycart').SteadyCart, endpoints: { name: string }[], endpointName: (url: string) => string }} o
 */
export function createCharts({ sc, endpoints, endpointName }) {
  const history = load();
  const save = () => sessionStorage.setItem(STORE_KEY, JSON.stringify(history));
  const names = endpoints.map((e) => e.name);
  const seriesOf = (name) => `series-${Math.max(0, names.indexOf(name)) % 4}`;

  const pending = card('pending', 'Pending orders');
  const confirm = card('time-to-confirm', 'Time to confirm');
  const failovers = card('failovers', 'Failovers per endpoint');
  /** One lane per endpoint, named. */
  const lanes = new Map(names.map((name) => [name, plotOf(10, 'lane-plot')]));
  const circuits = card(
    'circuits',
    'Circuits',
    undefined,
    h('div', { class: 'lanes' }, [...lanes].map(([name, plot]) => h('div', { class: 'lane-row', dataset: { endpoint: name } }, h('span', { class: 'lane-name' }, name), plot))),
  );
  const element = h('div', { class: 'charts' }, pending.figure, confirm.figure, failovers.figure, circuits.figure);

  const prune = (now) => {
    const from = now - WINDOW_MS;
    history.samples = history.samples.filter(([t]) => t >= from - SAMPLE_MS);
    history.failovers = history.failovers.filter(([t]) => t >= from);
  };

  /** @param {number} now @param {number} count */
  function drawPending(now, count) {
    const points = history.samples;
    const peak = points.reduce((m, [, n]) => Math.max(m, n), 0);
    const top = Math.max(2, peak);
    const y = (n) => round1(H - 2 - (n / top) * (H - 6));
    // A step line: each sample holds until the next.
    let d = '';
    points.forEach(([t, n], i) => {
      const x = Math.max(0, xOf(t, now));
      d += i == 0 ? `M${x} ${y(n)}` : `H${x}V${y(n)}`;
    });
    if (points.length) d += `H${W}`;
    const first = points.length ? Math.max(0, xOf(points[0][0], now)) : W;
    replace(
      pending.plot,
      svg('line', { x1: 0, x2: W, y1: y(top), y2: y(top), class: 'chart-grid' }),
      svg('line', { x1: 0, x2: W, y1: H - 2, y2: H - 2, class: 'chart-base' }),
      points.length ? svg('path', { d: `${d}V${H - 2}H${first}Z`, class: 'chart-area' }) : null,
      points.length ? svg('path', { d, class: 'chart-line' }, tip(`${count} pending now, at most ${peak} in the last 5 minutes`)) : null,
    );
    Object.assign(pending.figure.dataset, { now: String(count), peak: String(peak), samples: String(points.length) });
    pending.figure.dataset.state = count > 0 ? 'waiting' : 'clear';
    pending.value.textContent = `${count} now · peak ${peak}`;
    replace(pending.legend, h('span', { class: 'chart-scale' }, `scale 0–${top}`));
  }

  /** @param {number} now @param {import('../../../../dist/steadycart').OutboxEntry[]} entries */
  function drawConfirm(now, entries) {
    const confirmed = entries
      .filter((e) => e.status == 'confirmed' && e.updatedAt >= now - WINDOW_MS)
      .map((e) => ({ at: e.updatedAt, ms: Math.max(0, e.updatedAt - e.createdAt) }))
      .sort((a, b) => a.at - b.at);
    const max = confirmed.reduce((m, c) => Math.max(m, c.ms), 0);
    const top = Math.max(5000, max);
    const y = (ms) => round1(H - 2 - (ms / top) * (H - 6));
    replace(
      confirm.plot,
      svg('line', { x1: 0, x2: W, y1: y(top), y2: y(top), class: 'chart-grid' }),
      svg('line', { x1: 0, x2: W, y1: H - 2, y2: H - 2, class: 'chart-base' }),
      ...confirmed.map((c) => {
        const x = Math.min(W - 2, Math.max(2, xOf(c.at, now)));
        return svg(
          'g',
          { class: `chart-mark ${c.ms > 3000 ? 'slow' : 'fast'}`, 'data-ms': c.ms },
          svg('line', { x1: x, x2: x, y1: H - 2, y2: y(c.ms) }),
          svg('circle', { cx: x, cy: y(c.ms), r: 2.5 }),
          tip(`confirmed in ${seconds(c.ms)}`),
        );
      }),
    );
    const last = confirmed.at(-1);
    Object.assign(confirm.figure.dataset, { count: String(confirmed.length), lastMs: last ? String(last.ms) : '', maxMs: confirmed.length ? String(max) : '' });
    confirm.value.textContent = last ? `last ${seconds(last.ms)} · max ${seconds(max)}` : 'no order yet';
    replace(confirm.legend, h('span', { class: 'chart-scale' }, `scale 0–${seconds(top)} · ${confirmed.length} confirmed`));
  }

  /** @param {number} now */
  function drawFailovers(now) {
    // Buckets on the clock's 30-second marks, so a bar stays put as the window slides.
    const start = Math.floor((now - WINDOW_MS) / BUCKET_MS) * BUCKET_MS;
    const buckets = Math.ceil((now - start) / BUCKET_MS);
    /** @type {Map<string, number>[]} */
    const counts = Array.from({ length: buckets }, () => new Map());
    /** @type {Map<string, number>} */
    const totals = new Map(names.map((n) => [n, 0]));
    for (const [t, from] of history.failovers) {
      if (t < now - WINDOW_MS) continue;
      const i = Math.min(buckets - 1, Math.floor((t - start) / BUCKET_MS));
      if (i < 0) continue;
      counts[i].set(from, (counts[i].get(from) ?? 0) + 1);
      totals.set(from, (totals.get(from) ?? 0) + 1);
    }
    const peak = counts.reduce((m, c) => Math.max(m, [...c.values()].reduce((a, b) => a + b, 0)), 0);
    const top = Math.max(2, peak);
    const unit = (H - 6) / top;
    const bw = (BUCKET_MS / WINDOW_MS) * W;
    const bars = [];
    counts.forEach((bucket, i) => {
      let base = H - 2;
      for (const name of [...names, ...[...bucket.keys()].filter((n) => !names.includes(n))]) {
        const n = bucket.get(name);
        if (!n) continue;
        const height = round1(n * unit);
        base = round1(base - height);
        const x = Math.max(0, xOf(start + i * BUCKET_MS, now) + 2);
        bars.push(
          svg('rect', { x: round1(x), y: base, width: round1(Math.min(bw - 4, W - x)), height, class: `chart-bar ${seriesOf(name)}`, 'data-endpoint': name, 'data-count': n }, tip(`${n} from ${name}`)),
        );
      }
    });
    replace(failovers.plot, svg('line', { x1: 0, x2: W, y1: H - 2, y2: H - 2, class: 'chart-base' }), ...bars);
    const total = [...totals.values()].reduce((a, b) => a + b, 0);
    failovers.figure.dataset.total = String(total);
    failovers.value.textContent = `${total} in 5 min`;
    replace(
      failovers.legend,
      [...totals].map(([name, n]) =>
        h('span', { class: 'chart-key', dataset: { endpoint: name, count: String(n) } }, h('span', { class: `swatch ${seriesOf(name)}` }), `${name} ${n}`),
      ),
    );
  }

  const STATE_OF = { c: 'closed', h: 'half-open', o: 'open' };

  /** One lane per endpoint: a segment per run of one circuit state. @param {number} now */
  function drawCircuits(now) {
    /** @type {Map<string, { state: string, openMs: number }>} */
    const summary = new Map();
    names.forEach((name, i) => {
      const shapes = [];
      let openMs = 0;
      let runStart = 0;
      let runState = '';
      const flush = (until) => {
        if (!runState) return;
        const x = Math.max(0, xOf(runStart, now));
        const width = round1(Math.max(0.5, xOf(until, now) - x));
        if (runState == 'o') openMs += until - Math.max(runStart, now - WINDOW_MS);
        const state = STATE_OF[runState] ?? 'unknown';
        shapes.push(svg('rect', { x, y: 0, width, height: 10, class: `lane ${state}`, 'data-endpoint': name, 'data-state': state }, tip(`${name} ${state}`)));
      };
      for (const [t, , states] of history.samples) {
        const st = states[i] ?? '';
        if (st == runState) continue;
        flush(t);
        runStart = t;
        runState = st;
      }
      flush(now);
      replace(/** @type {SVGElement} */ (lanes.get(name)), svg('rect', { x: 0, y: 0, width: W, height: 10, class: 'lane-track' }), ...shapes);
      summary.set(name, { state: STATE_OF[runState] ?? 'unknown', openMs: Math.max(0, openMs) });
    });
    const open = [...summary].filter(([, v]) => v.state != 'closed').map(([n]) => n);
    circuits.value.textContent = open.length ? `${open.join(', ')} not closed` : 'all closed';
    circuits.figure.dataset.open = open.join(' ');
    replace(
      circuits.legend,
      [...summary].map(([name, v]) =>
        h(
          'span',
          { class: 'chart-key', dataset: { endpoint: name, state: v.state, openMs: String(Math.round(v.openMs)) } },
          h('span', { class: `swatch lane ${v.state}` }),
          `${name} ${v.state}${v.openMs >= 1000 ? ` · open ${seconds(v.openMs)}` : ''}`,
        ),
      ),
    );
  }

  let busy = false;
  /** Samples the outbox and redraws every chart. */
  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const entries = await sc.outbox.list();
      const now = Date.now();
      const count = entries.filter((e) => e.status == 'pending' || e.status == 'sending').length;
      const health = sc.health().endpoints;
      const states = names.map((name) => health.find((e) => endpointName(e.url) == name)?.state[0] ?? '-').join('');
      const last = history.samples.at(-1);
      // One sample per change, and one per interval while nothing changes, so the lines reach "now".
      if (!last || last[1] != count || last[2] != states || now - last[0] >= SAMPLE_MS) history.samples.push([now, count, states]);
      prune(now);
      save();
      drawPending(now, count);
      drawConfirm(now, entries);
      drawFailovers(now);
      drawCircuits(now);
    } finally {
      busy = false;
    }
  }

  sc.on('failover', (e) => {
    history.failovers.push([Date.now(), endpointName(e.from)]);
    save();
    refresh();
  });
  sc.on('order:*', () => refresh());
  sc.on('endpoint:state', () => refresh());
  setInterval(() => document.visibilityState == 'visible' && refresh(), SAMPLE_MS);
  refresh();
  return { element, refresh };
}
