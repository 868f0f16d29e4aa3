/**
 * The resilience lab beside the shop: a fault panel per checkout endpoint
 * (through the backend's control API at /__backend, same origin), and a live
 * dashboard: each endpoint as the SDK sees it (`sc.health()`), live charts of
 * the last five minutes (lab-charts.js), the event log, this browser's
 * outbox, and the backend's ledger with its duplicate-charge counter (which
 * must stay 0).
 */
import { config, endpointName } from './config.js';
import { h, icon, ICONS, replace } from './dom.js';
import { createCharts } from './lab-charts.js';
import { ORDER_EVENTS, orderIdOf, orderSummary, shortKey } from './orders.js';
import { sc, TOKEN_LIFETIME_KEY, tokenLifetimeMs } from './sdk.js';

/** What the fault panel offers, and the backend fault each choice sets (test/backend/README.md). */
export const FAULTS = [
  { value: 'healthy', label: 'Healthy', fault: 'healthy' },
  { value: 'refuse', label: 'Refusing connections', fault: { kind: 'refuse' } },
  { value: 'silent', label: 'Silent (never answers)', fault: { kind: 'silent' } },
  { value: 'slow', label: 'Slow (2.5 s)', fault: { kind: 'slow', ms: 2500 } },
  { value: '503', label: '503 Service Unavailable', fault: { kind: 'status', status: 503 } },
  { value: '500', label: '500 Internal Server Error', fault: { kind: 'status', status: 500 } },
  { value: 'commit-drop', label: 'Commit, then drop', fault: { kind: 'commit-drop' } },
  { value: 'decline', label: 'Decline cards (402)', fault: { kind: 'decline' } },
];

const SCENARIOS = [
  { label: 'US refuses', title: 'The us region refuses connections; eu and backup are healthy', faults: { us: 'refuse', eu: 'healthy', backup: 'healthy' } },
  { label: 'All down', title: 'Every endpoint refuses connections', faults: { us: 'refuse', eu: 'refuse', backup: 'refuse' } },
  { label: 'US drops', title: 'The us region commits the order, then drops the connection before answering', faults: { us: 'commit-drop', eu: 'healthy', backup: 'healthy' } },
  { label: 'US slow', title: 'The us region answers 2.5 s late', faults: { us: 'slow', eu: 'healthy', backup: 'healthy' } },
  { label: 'Declines', title: 'Every endpoint declines the card (402)', faults: { us: 'decline', eu: 'decline', backup: 'decline' } },
  { label: 'All healthy', title: 'Every endpoint healthy again', faults: { us: 'healthy', eu: 'healthy', backup: 'healthy' } },
];

/**
 * The panel value of a fault as the backend reports it. One the panel does not
 * offer (a 422, a lag, set through the control API) is 'other': shown as such,
 * never as a blank choice nor as healthy.
 */
function faultValue(fault) {
  if (!fault || fault.kind == 'healthy') return 'healthy';
  const value = fault.kind == 'status' ? String(fault.status) : fault.kind;
  return FAULTS.some((f) => f.value == value) ? value : 'other';
}

const LOG_KEY = 'demo:lab-log';
const LOG_MAX = 120;
const clock = (t) => new Date(t).toLocaleTimeString('en-GB', { hour12: false });
const ago = (t) => {
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  return s < 60 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
};

async function backend(path = '', init) {
  const res = await fetch(config.backend + path, { cache: 'no-store', ...init });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error ?? `HTTP ${res.status}`);
  return body;
}

export function startLab() {
  const root = document.getElementById('lab');
  if (!root) return;

  // ---------------------------------------------------------------- layout
  const title = h('h2', { class: 'lab-title', id: 'lab-title', tabindex: '-1' }, icon(ICONS.flask), 'Resilience lab');
  const closeButton = h('button', { type: 'button', class: 'icon-button lab-close', 'aria-label': 'Close the lab', onclick: () => toggle(false) }, icon(ICONS.close));
  const meta = h('p', { class: 'lab-meta' });
  const labStatus = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });

  const endpointRows = new Map();
  const endpointList = h(
    'ol',
    { class: 'endpoints', role: 'list' },
    config.endpoints.map((e) => {
      const select = h(
        'select',
        { id: `fault-${e.name}`, dataset: { endpoint: e.name } },
        FAULTS.map((f) => h('option', { value: f.value }, f.label)),
        // Shown, not chosen: a fault the panel does not offer (see faultValue).
        h('option', { value: 'other', disabled: true }, 'Other (set through the control API)'),
      );
      select.addEventListener('change', () => setFaults({ [e.name]: select.value }));
      const pill = h('span', { class: 'pill', dataset: { circuit: '' } }, '…');
      const stats = h('div', { class: 'ep-stats' });
      const row = h(
        'li',
        { class: 'endpoint', dataset: { endpoint: e.name } },
        h(
          'div',
          { class: 'ep-head' },
          h('span', { class: 'ep-name' }, e.name),
          pill,
          h('label', { for: `fault-${e.name}`, class: 'visually-hidden' }, `What the ${e.name} endpoint does`),
          select,
        ),
        h('p', { class: 'ep-label' }, `${e.label} · domain ${e.domain} · ${new URL(e.url).host}`),
        stats,
      );
      endpointRows.set(e.name, { row, pill, stats, select, busy: false });
      return row;
    }),
  );

  const scenarioButtons = h(
    'div',
    { class: 'scenarios', role: 'group', 'aria-label': 'Scenarios' },
    SCENARIOS.map((s) => h('button', { type: 'button', class: 'lab-btn', title: s.title, onclick: () => setFaults(s.faults) }, s.label)),
  );

  const stat = (label, cls) => {
    const dd = h('dd', {}, '0');
    return { el: h('div', { class: `stat ${cls}` }, h('dt', {}, label), dd), dd };
  };
  const charges = stat('Charges', 'charges');
  const declines = stat('Declines', 'declines');
  const duplicates = stat('Duplicate charges', 'dup');
  duplicates.el.dataset.testid = 'duplicates';
  const ledgerRows = h('ol', { class: 'rows', role: 'list', 'data-empty': 'No orders have reached the backend yet.' });
  const ledgerNote = h('p', { class: 'lab-note' });

  const charts = createCharts({ sc, endpoints: config.endpoints, endpointName });

  const outboxRows = h('ol', { class: 'rows', role: 'list', 'data-empty': 'No orders in this browser yet.' });
  const log = h('ol', { class: 'log', role: 'log', 'aria-live': 'off', 'aria-label': 'Event log' });

  const lifetime = h(
    'select',
    { id: 'token-lifetime' },
    h('option', { value: String(15 * 60_000) }, '15 minutes'),
    h('option', { value: '30000' }, '30 seconds'),
  );
  lifetime.value = String(tokenLifetimeMs());
  lifetime.addEventListener('change', () => localStorage.setItem(TOKEN_LIFETIME_KEY, lifetime.value));

  /** A section named by its heading; `heading` may be [text, button]: the button goes beside the heading, not in it, where it would become part of the section's name. */
  const section = (id, heading, ...children) => {
    const [text, ...beside] = [heading].flat();
    const title = h('h2', { id }, text);
    return h('section', { class: 'lab-section', 'aria-labelledby': id }, beside.length ? h('div', { class: 'lab-section-head' }, title, beside) : title, ...children);
  };

  root.append(
    h(
      'div',
      { class: 'lab-inner' },
      h('div', { class: 'lab-head' }, h('div', {}, title, h('p', { class: 'lab-sub' }, 'Break the checkout backend; watch steadycart keep every order safe.')), closeButton),
      meta,
      labStatus,
      section('lab-endpoints', 'Checkout endpoints', scenarioButtons, endpointList),
      section('lab-charts', 'Last 5 minutes (this browser)', charts.element),
      section('lab-ledger', 'Backend ledger', h('dl', { class: 'stats' }, charges.el, declines.el, duplicates.el), ledgerRows, ledgerNote),
      section('lab-outbox', 'Outbox (this browser)', outboxRows),
      section(
        'lab-events',
        ['Event log', h('button', { type: 'button', class: 'lab-btn small', onclick: () => { entries.length = 0; saveLog(); renderLog(); } }, 'Clear')],
        log,
      ),
      section(
        'lab-settings',
        'Payment',
        h('div', { class: 'lab-field' }, h('label', { for: 'token-lifetime' }, 'Demo Pay token lifetime'), lifetime),
        h('p', { class: 'lab-note' }, 'A token that expires while an order waits moves it to “needs payment” instead of sending it.'),
      ),
    ),
  );

  // ---------------------------------------------------------------- open/close on small screens
  const toggles = [...document.querySelectorAll('[data-lab-toggle]')];
  // Below 1180 px the open lab covers the whole screen (lab.css): the page under it is
  // made inert, so that Tab and a screen reader cannot wander into what cannot be seen.
  const smallScreen = matchMedia('(max-width: 1179.98px)');
  const covered = [...document.querySelectorAll('.store, .skip-link')];
  const syncInert = () => {
    const inert = smallScreen.matches && document.body.classList.contains('lab-open');
    for (const el of covered) el.toggleAttribute('inert', inert);
  };
  smallScreen.addEventListener('change', syncInert);
  function toggle(open) {
    document.body.classList.toggle('lab-open', open);
    for (const t of toggles) t.setAttribute('aria-expanded', String(open));
    syncInert(); // before the focus moves: the toggle button is in the page
    if (open) title.focus();
    else toggles[0]?.focus();
  }
  for (const t of toggles) t.addEventListener('click', () => toggle(!document.body.classList.contains('lab-open')));
  document.addEventListener('keydown', (e) => {
    if (e.key == 'Escape' && document.body.classList.contains('lab-open')) toggle(false);
  });

  // ---------------------------------------------------------------- faults
  async function setFaults(faults) {
    const names = Object.keys(faults);
    for (const name of names) {
      const r = endpointRows.get(name);
      if (r) {
        r.busy = true;
        r.select.value = faults[name];
      }
    }
    try {
      await Promise.all(
        names.map((name) => backend('/fault', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, fault: FAULTS.find((f) => f.value == faults[name]).fault }) })),
      );
      const text = names.map((n) => `${n}: ${FAULTS.find((f) => f.value == faults[n]).label.toLowerCase()}`).join(', ');
      addLog('lab', 'ev-other', text);
      labStatus.textContent = `Server behaviour set. ${text}.`;
    } catch (err) {
      addLog('lab', 'ev-bad', `could not set the fault: ${err.message}`);
      labStatus.textContent = `Could not set the fault: ${err.message}`;
    } finally {
      for (const name of names) if (endpointRows.get(name)) endpointRows.get(name).busy = false;
      refreshBackend();
    }
  }

  // ---------------------------------------------------------------- health (as the SDK sees it)
  function renderHealth() {
    const health = sc.health();
    replace(
      meta,
      h('span', {}, 'Worker ', h('b', {}, health.worker)),
      h('span', {}, 'Storage ', h('b', {}, health.storage)),
      h('span', {}, 'Retry budget ', h('b', {}, String(Math.floor(health.retryTokens)))),
      h('span', {}, navigator.onLine ? 'Online' : h('b', {}, 'Offline')),
    );
    for (const e of health.endpoints) {
      const r = endpointRows.get(endpointName(e.url));
      if (!r) continue;
      r.row.dataset.state = e.state;
      r.pill.className = `pill ${e.state == 'closed' ? 'ok' : e.state == 'open' ? 'bad' : 'wait'}`;
      r.pill.textContent = e.state;
      r.pill.setAttribute('aria-label', `circuit ${e.state}`);
      const parts = [
        h('span', {}, 'latency ', h('b', {}, e.latencyMs == null ? '–' : `${e.latencyMs} ms`)),
        h('span', {}, 'p95 ', h('b', {}, e.p95Ms == null ? '–' : `${e.p95Ms} ms`)),
        h('span', {}, 'failures ', h('b', {}, String(e.failures))),
      ];
      if (e.state != 'closed' && e.retryAt) parts.push(h('span', {}, 'probe in ', h('b', {}, `${Math.max(0, Math.ceil((e.retryAt - Date.now()) / 1000))} s`)));
      if (e.state != 'closed' && e.lastError) parts.push(h('span', {}, 'last error ', h('b', {}, e.lastError.message)));
      replace(r.stats, parts);
    }
  }

  // ---------------------------------------------------------------- backend state and ledger
  let backendBusy = false;
  async function refreshBackend() {
    if (backendBusy) return;
    backendBusy = true;
    try {
      const [state, ledger] = await Promise.all([backend(), backend('/ledger')]);
      for (const [name, fault] of Object.entries(state.faults)) {
        const r = endpointRows.get(name);
        if (!r || r.busy || document.activeElement == r.select) continue;
        r.select.value = faultValue(fault);
      }
      for (const r of endpointRows.values()) r.select.classList.toggle('faulty', r.select.value != 'healthy');
      charges.dd.textContent = String(ledger.charges);
      declines.dd.textContent = String(ledger.declines);
      duplicates.dd.textContent = String(ledger.duplicates);
      duplicates.el.dataset.bad = String(ledger.duplicates > 0);
      replace(
        ledgerRows,
        ledger.orders
          .slice(-6)
          .reverse()
          .map((o) =>
            h(
              'li',
              { class: 'row', dataset: { key: o.key } },
              h('span', { class: 'mono' }, `${o.charged ? 'charge' : 'decline'} · key ${shortKey(o.key)}`),
              h('span', { class: `pill ${o.charged ? 'ok' : 'bad'}` }, `HTTP ${o.status}`),
              h('span', { class: 'sub' }, [`via ${o.endpoint} (domain ${o.domain})`, orderSummary(o.body), clock(o.committedAt)].filter(Boolean).join(' · ')),
            ),
          ),
      );
      ledgerNote.textContent = ledger.duplicates ? 'A duplicate charge! This must never happen.' : 'Every order charged at most once.';
    } catch (err) {
      ledgerNote.textContent = `The backend cannot be reached (${navigator.onLine ? err.message : 'this browser is offline'}).`;
    } finally {
      backendBusy = false;
    }
  }

  // ---------------------------------------------------------------- outbox
  let outboxBusy = false;
  async function renderOutbox() {
    if (outboxBusy) return;
    outboxBusy = true;
    try {
      const entries = (await sc.outbox.list()).slice(-8).reverse();
      replace(
        outboxRows,
        entries.map((e) => {
          const tone = e.status == 'confirmed' ? 'ok' : e.status == 'pending' || e.status == 'sending' ? 'wait' : 'bad';
          const id = orderIdOf(e.result);
          // A run under way stores its requests with its outcome: while it is out, the stored count is the runs' before it.
          const requests = e.status == 'sending' ? 'on its way' : `${e.attempts} ${e.attempts == 1 ? 'request' : 'requests'}`;
          const detail = [orderSummary(e.order), requests, `updated ${ago(e.updatedAt)}`];
          if (e.result) detail.push(`HTTP ${e.result.status} from ${endpointName(e.result.endpoint)}`);
          else if (e.lastError) detail.push(e.lastError.message);
          return h(
            'li',
            { class: 'row', dataset: { key: e.id, status: e.status } },
            h('span', { class: 'mono' }, `key ${shortKey(e.id)}${id ? ` · ${id}` : ''}`),
            h('span', { class: `pill ${tone}` }, e.status),
            h('span', { class: 'sub' }, detail.filter(Boolean).join(' · ')),
            e.status == 'pending'
              ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'lab-btn small', onclick: () => sc.outbox.retry(e.id).then(renderOutbox, () => {}) }, 'Retry now'))
              : null,
          );
        }),
      );
    } finally {
      outboxBusy = false;
    }
  }

  // ---------------------------------------------------------------- event log (kept across pages of this tab)
  /** @type {{ t: number, type: string, cls: string, text: string }[]} */
  const entries = JSON.parse(sessionStorage.getItem(LOG_KEY) || '[]');
  const saveLog = () => sessionStorage.setItem(LOG_KEY, JSON.stringify(entries.slice(-LOG_MAX)));
  function renderLog() {
    replace(
      log,
      entries
        .slice(-LOG_MAX)
        .reverse()
        .map((e) => h('li', { dataset: { type: e.type } }, h('time', {}, clock(e.t)), h('span', {}, h('span', { class: `ev ${e.cls}` }, e.type), ' ', h('span', { class: 'detail' }, e.text)))),
    );
  }
  let logQueued = false;
  function addLog(type, cls, text) {
    entries.push({ t: Date.now(), type, cls, text });
    if (entries.length > LOG_MAX) entries.splice(0, entries.length - LOG_MAX);
    saveLog();
    if (!logQueued) {
      logQueued = true;
      requestAnimationFrame(() => {
        logQueued = false;
        renderLog();
      });
    }
  }

  sc.on('attempt', (e) => addLog('attempt', 'ev-attempt', `#${e.attempt} ${e.kind} → ${endpointName(e.endpoint)} · key ${shortKey(e.id)}`));
  sc.on('failover', (e) => addLog('failover', 'ev-failover', `${endpointName(e.from)} → ${endpointName(e.to)}${e.reason ? ` (${e.reason})` : ''} · key ${shortKey(e.id)}`));
  sc.on('endpoint:state', (e) => {
    addLog('endpoint:state', 'ev-endpoint', `${endpointName(e.url)} ${e.state}${e.state != 'closed' && e.lastError ? ` (${e.lastError.message})` : ''}`);
    renderHealth();
  });
  for (const type of ORDER_EVENTS) {
    sc.on(type, (e) => {
      const cls = e.status == 'confirmed' ? 'ev-ok' : e.status == 'pending' || e.status == 'sending' ? 'ev-wait' : 'ev-bad';
      const how = e.result ? ` · HTTP ${e.result.status} via ${endpointName(e.result.endpoint)}${orderIdOf(e.result) ? ` · ${orderIdOf(e.result)}` : ''}` : e.error ? ` · ${e.error.message}` : '';
      addLog(type, cls, `key ${shortKey(e.id)}${how}`);
      renderOutbox();
      renderHealth();
      refreshBackend();
    });
  }
  sc.on('worker:state', (e) => {
    addLog('worker:state', 'ev-other', `${e.state}${e.reason ? ` (${e.reason})` : ''}`);
    renderHealth();
  });
  sc.on('storage:degraded', (e) => addLog('storage:degraded', 'ev-bad', e.reason));
  try {
    sc.on('storage:corrupt', (e) => addLog('storage:corrupt', 'ev-bad', `${e.store}${e.id ? ` ${shortKey(e.id)}` : ''}: ${e.reason}`));
  } catch {
    // An SDK build without this event.
  }
  addEventListener('online', () => addLog('browser', 'ev-other', 'online'));
  addEventListener('offline', () => addLog('browser', 'ev-other', 'offline'));

  renderLog();
  renderHealth();
  renderOutbox();
  refreshBackend();
  // Bounded, light polling while the page is visible: health is a local snapshot,
  // the ledger one small request.
  setInterval(() => document.visibilityState == 'visible' && renderHealth(), 1000);
  setInterval(() => document.visibilityState == 'visible' && refreshBackend(), 1500);
  setInterval(() => document.visibilityState == 'visible' && renderOutbox(), 3000);
}
