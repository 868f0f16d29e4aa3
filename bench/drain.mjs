// Outbox drain: 1,000 orders queued while the browser was offline, then
// connectivity returns to a backend that drops 5% of responses after
// committing. steadycart's outbox against workbox-background-sync's Queue
// replaying the same orders in a real service worker; the floor (the same
// requests by plain fetch from a page), and where each drain's CPU time went.
import { startBackend } from '../test/backend/index.mjs';
import { syncDispatcher } from '../test/e2e/background-sync.mjs';
import { SNAPSHOT, cpuMeter, launchBrowser, mainThreadMeter, median, ms, openBenchPage, p95, progress, sleep, startStatic, table } from './lib.mjs';

export const ORDERS = 1000;
export const DROP = { kind: 'commit-drop', rate: 0.05 };
const SEEDS = { us: 1, eu: 2 };
/**
 * The last two rows' backend: as far as the healthy path's and the failover's (a nearby
 * region's round trip), where the judged rows' backend adds no latency at all.
 */
const FAR_MS = 25;
/** Every wait of a drain is bounded by this. */
const DRAIN_LIMIT_MS = 120_000;

const body = (ref, i) => JSON.stringify({ orderRef: ref, items: [{ sku: `sku-${i % 50}`, qty: 1 + (i % 3), unitPrice: 990 }], currency: 'EUR', total: 990 * (1 + (i % 3)), payment: { token: 'pm_bench' } });

/**
 * Polls every 25 ms until every order is charged (by orderRef) and `done(charged)`
 * agrees; returns what the ledger and the request log say.
 */
async function settle(be, prefix, t0, done) {
  const end = Date.now() + DRAIN_LIMIT_MS;
  while (Date.now() < end) {
    const charged = new Set(be.ledger().orders.filter((o) => o.charged && o.orderRef.startsWith(prefix)).map((o) => o.orderRef)).size;
    if (await done(charged)) break;
    await sleep(25);
  }
  const doneMs = Date.now() - t0;
  await sleep(300); // anything still in flight lands
  const ledger = be.ledger();
  const firstCharge = new Map();
  for (const o of ledger.orders) if (o.charged && !firstCharge.has(o.orderRef)) firstCharge.set(o.orderRef, o.committedAt - t0);
  const times = [...firstCharge.values()];
  const requests = {};
  for (const r of be.requests()) {
    const k = r.status == 'dropped' ? 'dropped after commit' : r.route;
    requests[k] = (requests[k] ?? 0) + 1;
  }
  return {
    orders: ORDERS,
    placed: firstCharge.size,
    // Seen done: every order charged and the queue empty (Workbox) or every entry confirmed (steadycart).
    drainMs: doneMs,
    lastChargeMs: times.length ? Math.max(...ledger.orders.map((o) => o.committedAt - t0)) : null,
    orderMedian: median(times),
    orderP95: p95(times),
    charges: ledger.charges,
    duplicates: ledger.duplicates,
    requests,
  };
}

/** Gaps (ms) in one summary: count, median, max, total. */
const gapStats = (gaps) => ({ n: gaps.length, median: gaps.length ? median(gaps) : null, max: gaps.length ? Math.max(...gaps) : null, totalMs: Math.round(gaps.reduce((a, b) => a + b, 0)) });

/**
 * workbox-background-sync: queued offline by pushRequest, replayed on sync. A failed replay
 * rethrows, and Chromium would fire the sync again only minutes later; here the worker tells the
 * harness the moment a replay fails and the harness fires the next sync at once.
 */
async function workbox(site, drop, latencyMs = 0) {
  const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main', latencyMs }], requireKey: false });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const fireSync = await syncDispatcher(browser.context, page);
    const sync = () => fireSync(`${site.origin}/bench/`, 'workbox-background-sync:orders');
    await page.goto(`${site.origin}/bench/pages/workbox.html`);
    await page.evaluate(() => window.ready.then(() => true));
    const sw = browser.context.serviceWorkers().find((w) => w.url().includes('workbox-sw')) ?? (await browser.context.waitForEvent('serviceworker'));
    const url = `${be.endpoints[0].url}/checkout`;
    await browser.context.setOffline(true);
    const queued = await sw.evaluate(([u, bodies]) => self.enqueue(u, bodies), [url, Array.from({ length: ORDERS }, (_, i) => body(`wb-${i}`, i))]);
    if (queued != ORDERS) throw new Error(`workbox queued ${queued} of ${ORDERS}`);
    if (drop) await be.setFault('us', { ...DROP, seed: SEEDS.us });
    const state = () => sw.evaluate(async () => ({ ...self.bench, size: await self.queue.size() }));
    const cpu = cpuMeter();
    const t0 = Date.now();
    await browser.context.setOffline(false);
    // Re-fire: wait in the worker for the next failed replay, then fire the sync at once (CDP ServiceWorker.dispatchSyncEvent).
    let refired = 0;
    let stopped = false;
    const refire = (async () => {
      let seen = 0;
      while (!stopped) {
        const failed = await sw.evaluate((n) => self.benchFailures.next(n), seen).catch(() => null);
        if (failed === null || stopped) return;
        seen = failed;
        refired++;
        await sync();
      }
    })();
    // Fallback only (expected 0): Chromium fires the first sync itself on reconnecting; the harness fires one
    // if no sync started within 1 s, or if the queue still holds entries with no replay running for 1 s (each
    // seen at the once-a-second reads below: 1 to 2 s).
    let fallbacks = 0;
    let firstByHarness = false;
    let idleSince = 0;
    let stateAt = 0;
    let result;
    try {
      result = await settle(be, 'wb-', t0, async (charged) => {
        // The worker's queue is read once a second until every order is charged (then at each turn): a count of its
        // IndexedDB store, in the worker that is replaying, every 25 ms would slow the drain it times (as steadycart's
        // outbox is read only once the ledger is complete). The fallback's second of idleness is judged at that pace.
        if (charged < ORDERS && Date.now() - stateAt < 1000) return false;
        stateAt = Date.now();
        const s = await state();
        if (s.size == 0 && !s.running && charged >= ORDERS) return true;
        if (s.running || (!s.syncs && Date.now() - t0 < 1000) || (s.syncs && s.size == 0)) idleSince = 0;
        else if (!idleSince) idleSince = Date.now();
        else if (!s.syncs || Date.now() - idleSince >= 1000) {
          fallbacks++;
          firstByHarness ||= !s.syncs;
          idleSince = 0;
          await sync();
        }
        return false;
      });
    } finally {
      stopped = true;
      await sw.evaluate(() => self.benchFailures.release()).catch(() => {});
      await refire;
    }
    result.cpu = cpu.stop();
    const s = await state();
    const gaps = gapStats(s.gaps);
    // Workbox's working time: the drain less the measured gaps between a failed replay and the next sync.
    return { ...result, syncs: s.syncs, failedSyncs: s.failed, refired, fallbacks, firstByHarness, gaps, gapsMs: s.gaps, workingMs: result.drainMs - gaps.totalMs, left: s.size };
  } finally {
    await browser.close();
    await be.close();
  }
}

/** steadycart: orders placed while offline (budgetMs 100) wait in the outbox; connectivity returns; the page ('online') and its worker (Background Sync) replay. */
async function steadycart(site, names, drop, latencyMs = 0) {
  const be = await startBackend({ endpoints: names.map((name) => ({ name, domain: 'main', latencyMs })), requireKey: false });
  const browser = await launchBrowser();
  try {
    const page = await openBenchPage(browser.context, site.origin);
    const endpoints = be.endpoints.map(({ url, domain }) => ({ url, domain }));
    await page.evaluate(([e, url]) => window.bench.create('d', { endpoints: e, serviceWorker: { url, scope: '/' } }), [endpoints, `/${SNAPSHOT}/steadycart-sw.js`]);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await browser.context.setOffline(true);
    const queued = await page.evaluate(
      async ([n, bodies]) => {
        const out = {};
        for (let i = 0; i < n; i++) {
          const r = await window.bench.place('d', JSON.parse(bodies[i]), { budgetMs: 100 });
          out[r.outcome] = (out[r.outcome] ?? 0) + 1;
        }
        return out;
      },
      [ORDERS, Array.from({ length: ORDERS }, (_, i) => body(`sc-${i}`, i))],
    );
    if (queued.pending != ORDERS) throw new Error(`steadycart queued ${JSON.stringify(queued)}`);
    if (drop) for (const name of names) await be.setFault(name, { ...DROP, seed: SEEDS[name] });
    const mainThread = await mainThreadMeter(page);
    const cpu = cpuMeter();
    const t0 = Date.now();
    await browser.context.setOffline(false);
    // The outbox is read only once the ledger is complete, so that polling does not slow the drain.
    const result = await settle(be, 'sc-', t0, async (charged) => charged >= ORDERS && page.evaluate(() => window.bench.list('d').then((l) => l.every((e) => e.status == 'confirmed'))));
    result.cpu = cpu.stop();
    result.mainThreadMs = await mainThread.stop();
    const statuses = await page.evaluate(async () => {
      const out = {};
      for (const e of await window.bench.list('d')) out[e.status] = (out[e.status] ?? 0) + 1;
      return out;
    });
    return { ...result, statuses };
  } finally {
    await browser.close();
    await be.close();
  }
}

/**
 * The floor under any replay from a page on this machine: the same 1,000 POSTs (body and
 * headers as steadycart sends them, so one CORS preflight) with plain `fetch`, the first alone
 * then 64 at a time as the page's drain replays from a fast endpoint, nothing stored, nothing dropped.
 */
async function plainFetch(site) {
  const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }], requireKey: false });
  const browser = await launchBrowser();
  try {
    const page = await openBenchPage(browser.context, site.origin);
    const url = `${be.endpoints[0].url}/checkout`;
    const bodies = Array.from({ length: ORDERS }, (_, i) => body(`pf-${i}`, i));
    const mainThread = await mainThreadMeter(page);
    const cpu = cpuMeter();
    const t0 = Date.now();
    // The bench page's plain fetch (bench/pages/clients.mjs), with the attempt header: the SDK's request byte for byte.
    const sent = page.evaluate(
      async ([url, bodies, width]) => {
        let next = 0;
        // The first alone, as the page's drain sends it: its answer caches the CORS preflight.
        await window.bench.fetch(url, crypto.randomUUID(), bodies[next++], { attemptHeader: true });
        await Promise.all(
          Array.from({ length: width }, async () => {
            while (next < bodies.length) await window.bench.fetch(url, crypto.randomUUID(), bodies[next++], { attemptHeader: true });
          }),
        );
      },
      [url, bodies, 64],
    );
    const result = await settle(be, 'pf-', t0, async (charged) => charged >= ORDERS);
    result.cpu = cpu.stop();
    result.mainThreadMs = await mainThread.stop();
    await sent;
    return result;
  } finally {
    await browser.close();
    await be.close();
  }
}

/** The kinds of drain. The main pair runs ROUNDS times, taking turns; the others once. */
const KINDS = {
  workbox: { label: 'workbox-background-sync Queue (us; POST without Idempotency-Key)', drop: true, go: (site) => workbox(site, true) },
  steadycart: { label: 'steadycart outbox (us)', drop: true, go: (site) => steadycart(site, ['us'], true) },
  steadycart2: { label: 'steadycart outbox (us + eu, one domain)', drop: true, go: (site) => steadycart(site, ['us', 'eu'], true) },
  steadycart0: { label: 'control, no drops: steadycart outbox (us)', drop: false, go: (site) => steadycart(site, ['us'], false) },
  workbox0: { label: 'control, no drops: workbox-background-sync Queue (us)', drop: false, go: (site) => workbox(site, false) },
  fetch0: { label: 'floor, no drops: plain fetch from the page, 64 at a time, nothing stored (us)', drop: false, go: (site) => plainFetch(site) },
  workboxFar: { label: `backend ${FAR_MS} ms away: workbox-background-sync Queue (us; not judged)`, drop: true, go: (site) => workbox(site, true, FAR_MS) },
  steadycartFar: { label: `backend ${FAR_MS} ms away: steadycart outbox (us; not judged)`, drop: true, go: (site) => steadycart(site, ['us'], true, FAR_MS) },
};
const ROUNDS = 3;
const ORDER = [...Array.from({ length: ROUNDS }, (_, i) => (i % 2 ? ['steadycart', 'workbox'] : ['workbox', 'steadycart'])).flat(), 'steadycart2', 'steadycart0', 'workbox0', 'fetch0', 'workboxFar', 'steadycartFar'];

/** Several drains of one kind in one row: medians over the rounds; counts summed. */
function combine(label, drop, rounds) {
  const pick = (k) => rounds.map((r) => r[k]);
  const sum = (k) => pick(k).reduce((a, b) => a + b, 0);
  const requests = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.requests)) requests[k] = (requests[k] ?? 0) + v;
  return {
    ...rounds[0],
    label,
    drop,
    rounds: rounds.length,
    drainMs: median(pick('drainMs')),
    drainsMs: pick('drainMs'),
    lastChargeMs: median(pick('lastChargeMs')),
    orderMedian: median(pick('orderMedian')),
    orderP95: median(pick('orderP95')),
    orders: sum('orders'),
    placed: sum('placed'),
    charges: sum('charges'),
    duplicates: sum('duplicates'),
    requests,
    cpu: rounds[0].cpu && Object.fromEntries(Object.keys(rounds[0].cpu).map((k) => [k, median(rounds.map((r) => r.cpu[k]))])),
    // The page's main thread, where steadycart and the floor replay (Workbox replays in its worker).
    mainThreadMs: rounds[0].mainThreadMs === undefined ? undefined : median(pick('mainThreadMs')),
    // Workbox only: the gaps before re-fired syncs, pooled over the drains, and the working time (median over the drains).
    ...(rounds[0].gapsMs && {
      gaps: gapStats(rounds.flatMap((r) => r.gapsMs)),
      gapsPerDrain: rounds.map((r) => r.gaps),
      gapsMs: undefined,
      workingMs: median(pick('workingMs')),
      workingsMs: pick('workingMs'),
      syncs: sum('syncs'),
      failedSyncs: sum('failedSyncs'),
      refired: sum('refired'),
      fallbacks: sum('fallbacks'),
      firstByHarness: rounds.filter((r) => r.firstByHarness).length,
    }),
  };
}

export async function run() {
  const site = await startStatic();
  const done = Object.fromEntries(Object.keys(KINDS).map((k) => [k, []]));
  try {
    // Each drain in a fresh profile against a fresh backend.
    for (const key of ORDER) {
      const r = await KINDS[key].go(site);
      done[key].push(r);
      progress(`  drain: ${KINDS[key].label}: ${ms(r.drainMs)} ms, ${r.placed} placed, ${r.duplicates} duplicates${r.gaps ? `; ${r.syncs} syncs (${r.refired} re-fired, ${r.fallbacks} fallback), ${gapsSay(r.gaps)}, working ${ms(r.workingMs)} ms` : ''}`);
    }
  } finally {
    await site.close();
  }
  const runs = Object.fromEntries(Object.entries(done).map(([k, rounds]) => [k, combine(KINDS[k].label, KINDS[k].drop, rounds)]));
  return { orders: ORDERS, dropRate: DROP.rate, farMs: FAR_MS, runs };
}

const requests = (r) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');

const gapsSay = (g) => (g.n ? `${g.n} gaps, median ${ms(g.median)} ms, max ${ms(g.max)} ms, total ${ms(g.totalMs)} ms` : 'no gaps (no replay failed)');

export function report(d) {
  const { workbox: w, steadycart: s, steadycart2: s2, steadycart0: s0, workbox0: w0, fetch0: f0 } = d.runs;
  const row = (r) => [
    r.label,
    String(r.rounds),
    r.placed == r.orders ? `${ms(r.drainMs)}${r.rounds > 1 ? ` (${r.drainsMs.map(ms).join(', ')})` : ''}` : `not drained in ${DRAIN_LIMIT_MS / 1000} s`,
    r.workingMs === undefined ? '–' : `${ms(r.workingMs)}${r.rounds > 1 ? ` (${r.workingsMs.map(ms).join(', ')})` : ''}`,
    ms(r.lastChargeMs),
    ms(r.orderMedian),
    ms(r.orderP95),
    `${r.placed}/${r.orders}`,
    String(r.charges),
    r.duplicates ? `**${r.duplicates}**` : '0',
  ];
  const lines = [
    `${d.orders} orders queued while the browser context was offline (\`context.setOffline(true)\`), then connectivity returns (t = 0) to a backend with no added latency whose checkout drops ${d.dropRate * 100}% of responses after committing ` +
      `(\`commit-drop\`, \`rate: ${d.dropRate}\`, seeded; the connection closes with no response byte); the two control rows are the same drains without drops, and the floor row sends the same requests with plain \`fetch\` from a page, nothing stored` +
      (d.runs.steadycartFar ? `; the last two rows are the first two drains again, once each, against a backend ${d.farMs} ms away (as in the healthy path's and the failover's tables; not judged)` : '') +
      `. Each drain runs in a fresh Chromium profile on disk against a fresh backend; the first two rows ran ${d.runs.workbox.rounds} times each, taking turns, and show medians over the drains (counts are summed). ` +
      'Per-order times are each order\'s first charge after t = 0 (median and p95 within a drain, then the median over drains). "Drained" is when the harness saw every order charged (it reads the backend\'s ledger every 25 ms) and then the queue empty (Workbox) or every outbox entry `confirmed` (steadycart); it reads neither the queue nor the outbox more often than once a second before every order is charged, so that its reads do not slow the drain it times (before 2026-12-07 it counted Workbox\'s queue every 25 ms throughout, which slowed Workbox\'s drain: its median was 11.7 s in the last run before the change, 9.5 s in the first after it).',
    '',
    table(['queue', 'drains', 'drained ms, median (each)', 'Workbox working ms (drained less sync gaps; not judged)', 'last charge ms', 'order charged ms, median', 'p95', 'orders placed', 'charges', 'duplicates'], Object.values(d.runs).map(row)),
    '',
    ...cpuTable(d.runs),
    `- **Workbox**: the Queue (bench/pages/workbox-sw.mjs) is filled while offline with \`queue.pushRequest\`, the call \`BackgroundSyncPlugin\` makes when a POST fails; the backend runs with \`requireKey: false\` and counts duplicates by the \`orderRef\` in each body. ` +
      (w.firstByHarness ? `Chromium did not fire the first sync within 1 s of reconnecting in ${w.firstByHarness} of the ${w.rounds} drains (the harness fired it); in the others it did. ` : 'Chromium fired the first sync itself on reconnecting. ') +
      `\`replayRequests\` stops at the first network error (every dropped response), puts that entry back and rethrows, and Chromium would fire the sync again only minutes later. ` +
      (w.gaps
        ? `Here the worker tells the harness the moment a replay fails (a pending devtools evaluation in the worker resolves) and the harness fires the next sync at once through CDP \`ServiceWorker.dispatchSyncEvent\`: a best case for Workbox, far kinder than a browser${w.gaps.n ? ` (the next sync started a median of ${ms(w.gaps.median)} ms after a failed replay, where Chromium would wait minutes)` : ''}. ` +
          `Measured in the worker (\`performance.now()\`), from the end of each failed replay to the start of the next sync: ${gapsSay(w.gaps)} over the ${w.rounds} drains (per drain: ${w.gapsPerDrain.map((g) => `${g.n} gaps, ${ms(g.totalMs)} ms`).join('; ')}); ` +
          `${w.syncs} syncs, ${w.failedSyncs} failed; the harness fired ${w.refired} syncs on a failed replay and ${w.fallbacks} as a fallback (when no sync started within 1 s of reconnecting, or the queue kept entries with no replay running for 1 s, each seen at the harness\'s once-a-second reads of the queue). ` +
          `Without the gaps, Workbox's working time is ${ms(w.workingMs)} ms (median; ${w.workingsMs.map(ms).join(', ')}): steadycart's ${ms(s.drainMs)} ms drain is ${(w.drainMs / s.drainMs).toFixed(2)}x as fast as Workbox's whole drain (the judged figure) and ${(w.workingMs / s.drainMs).toFixed(2)}x as fast as its working time (not judged). `
        : 'The harness fired the sync again after each failed replay (results from before the gaps were measured: no gaps to show). ') +
      `Every dropped order was sent again without a key: one duplicate charge each. ` +
      `Requests, summed over the drains: ${requests(w.requests)}.`,
    `- **steadycart**: each order was placed with \`placeOrder(order, { budgetMs: 100 })\` while offline (all ${d.orders} \`pending\`), with the service worker registered; ` +
      `on reconnecting, the page's \`online\` trigger and the worker's Background Sync replay the outbox (one replayer at a time). Outbox at the end of the first drain: ${JSON.stringify(s.statuses)} (us), ${JSON.stringify(s2.statuses)} (us + eu). ` +
      `Requests, summed over the drains (us): ${requests(s.requests)}. Requests (us + eu): ${requests(s2.requests)}. Requests without drops (us): ${requests(s0.requests)}.`,
  ];
  const preflights = (r) => (r.requests.preflight ?? 0) / r.orders;
  if (s0.drainMs > w0.drainMs) {
    lines.push(
      `- Without drops, steadycart drains at ${Math.round(d.orders / (s0.drainMs / 1000))} orders/s and Workbox at ${Math.round(d.orders / (w0.drainMs / 1000))} requests/s. ` +
        'Per order, steadycart takes a Web Lock, reads the entry again under it and checks it, writes its outcome (one IndexedDB transaction, which serializes with every other on the store), posts BroadcastChannel messages to the other contexts' +
        (preflights(s0) > 0.5 ? `, and pays a CORS preflight (${preflights(s0).toFixed(2)} per order; see 2)` : '') +
        "; Workbox reads the first queue entry and deletes it before sending one request. steadycart's page replays 64 orders at a time from this backend, Workbox one.",
    );
  }
  const perDrain = (r, k) => Math.round((r.requests[k] ?? 0) / r.rounds);
  if (s.drainMs > w.drainMs && s0.drainMs < s.drainMs / 2) {
    lines.push(
      `- With drops, steadycart takes ${ms((s.drainMs - s0.drainMs) / 1000)} s more than without, for ${perDrain(s, 'dropped after commit')} drops per drain, and probed the endpoint's health ${perDrain(s, 'health')} times per drain (${perDrain(s0, 'health')} without drops): ` +
        'dropped responses opened the circuit, and every replay worker that starts an order while it is open waits for the next probe. ' +
        `Every dropped order itself was recovered without a second charge (a retry with its key, or a lookup). With a second region of the same domain: ${ms(s2.drainMs / 1000)} s.`,
    );
  }
  if (f0?.cpu && s0.cpu && w.drainMs) {
    const half = w.drainMs / 2;
    const extraCpu = (cpuTotal(s0.cpu) - cpuTotal(f0.cpu)) / d.orders;
    lines.push(
      `- **The floor under a page's replay here**: plain \`fetch\` from the page, 64 at a time (after a first one alone) as steadycart's page drains a fast endpoint, nothing stored, sent the same ${d.orders} POSTs in ${ms(f0.drainMs)} ms, keeping ${cores(f0)} of the machine's cores busy (table above). ` +
        `Twice Workbox's speed is ${ms(half)} ms for this drain: ${half > f0.drainMs ? `${ms((half - f0.drainMs) / d.orders)} ms per order beyond the request itself, for steadycart's lock, read, outcome write, messages and outbox scans.` : 'less than the requests alone take here.'} ` +
        `Without drops, steadycart's drain spent ${ms(extraCpu)} ms more CPU per order than plain fetch (${ms(cpuTotal(s0.cpu) / 1000)} s against ${ms(cpuTotal(f0.cpu) / 1000)} s in all), most of it in Chromium's browser process (${ms((s0.cpu.browser - f0.cpu.browser) / d.orders)} ms per order; the process that serves IndexedDB, Web Locks and BroadcastChannel), and kept ${cores(s0)} cores busy: it is bound by the machine's CPU, not by waiting.` +
        (s0.mainThreadMs !== undefined && f0.mainThreadMs !== undefined
          ? ` Nor by one thread: the page's main thread, where it replays, was on a core ${ms(s0.mainThreadMs / 1000)} s of that ${ms(s0.drainMs / 1000)} s drain (${Math.round((100 * s0.mainThreadMs) / s0.drainMs)}%; the floor's, ${ms(f0.mainThreadMs / 1000)} s of ${ms(f0.drainMs / 1000)} s).`
          : ''),
    );
  }
  const { workboxFar: wf, steadycartFar: sf } = d.runs;
  if (wf && sf) {
    lines.push(
      `- **A backend ${d.farMs} ms away** (not judged: the target is judged on the backend that adds no latency, where the drain is bound by the machine's CPU): ` +
        `steadycart drained in ${ms(sf.drainMs)} ms and Workbox in ${ms(wf.drainMs)} ms, ${(wf.drainMs / sf.drainMs).toFixed(2)}x as fast, with ${sf.duplicates} and ${wf.duplicates} duplicates. ` +
        "Workbox's `replayRequests` sends one request at a time, each waiting for its round trip; steadycart's page replays 64 orders at a time (a fast endpoint: 25 ms), over the browser's connections to the host.",
    );
  }
  return lines.join('\n');
}

/** All CPU time of a drain, ms. */
const cpuTotal = (c) => c.browser + c.renderer + c.network + c.other + c.node;
/** Cores kept busy on average over a drain. */
const cores = (r) => (cpuTotal(r.cpu) / r.drainMs).toFixed(2);

/** Where each drain's CPU time went (median over its drains), when it was measured (Linux). */
function cpuTable(runs) {
  const measured = Object.values(runs).filter((r) => r.cpu);
  if (!measured.length) return [];
  const s = (v) => (v / 1000).toFixed(1);
  return [
    "CPU time spent from t = 0 until the harness saw the drain done (s, median over a row's drains; user + system, from /proc): Chromium's browser process (IndexedDB, Web Locks, BroadcastChannel, the network stack's bookkeeping, the devtools protocol the harness drives it by), its renderers (the page and its service worker), its network service, its other processes, and this Node process (the harness and the backend, in one process). " +
      "Of the renderers' time, the page's main thread, where steadycart and the floor replay (Chromium's `ThreadTime` in thread ticks, through CDP `Performance.getMetrics`; Workbox replays in its worker: –).",
    '',
    table(
      ['queue', 'browser', 'renderers', "of which the page's main thread", 'network', 'other', 'Node', 'all', 'cores busy (all / drained)'],
      measured.map((r) => [r.label, s(r.cpu.browser), s(r.cpu.renderer), r.mainThreadMs === undefined ? '–' : s(r.mainThreadMs), s(r.cpu.network), s(r.cpu.other), s(r.cpu.node), s(cpuTotal(r.cpu)), cores(r)]),
    ),
    '',
  ];
}
