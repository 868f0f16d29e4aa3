// @ts-check
/**
 * Chaos soak, end to end in Chromium (playwright-core): at least 300 orders
 * from two tabs (the built SDK by script tag, with its service worker) under
 * a seeded random schedule of backend faults (refused, silent, slow, lag,
 * hold, 503, 500, 429, commit-drop, decline) on single endpoints and on all of them
 * at once (outages: orders queue and are replayed by a tab or the worker),
 * tab reloads while orders are in flight, and offline flaps
 * (`context.setOffline`); then recovery. Bounded:
 * at most 3 minutes, every loop bounded in count and time; traffic only to
 * 127.0.0.1.
 *
 * Definitions checked at the end (zero lost, zero duplicated):
 * - written ahead: the order has an outbox entry (its write-ahead committed);
 *   every `placeOrder` call that returned a result must have one.
 * - lost: written ahead but not settled after recovery (not `confirmed` or
 *   `rejected`), or a returned result with no outbox entry, or an entry whose
 *   status disagrees with the backend's ledger for its key.
 * - lost-or-duplicated charge: a ledger record whose key the outbox does not
 *   know (the SDK would never reconcile it), a key charged twice or in two
 *   domains, or one orderRef (each call has a unique one) under two keys or
 *   charged twice (`ledger.duplicates`).
 * - a call interrupted by a reload before its write-ahead committed has no
 *   outbox entry and must have no ledger record either (never sent).
 *
 * SOAK_SEED=<n> replays a schedule; SOAK_ORDERS=<n> changes the count (>= 300).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startBackend } from '../backend/index.mjs';
import { seededRandom } from '../backend/faults.mjs';
import { outboxEntries, sharedBrowser, sleep, until } from './helpers.mjs';
import { openSdkPage, sdkPageUrl, sharedSite } from './sdk-page.mjs';

const SEED = Number(process.env.SOAK_SEED ?? 20261126) >>> 0;
const TARGET = Math.max(300, Number(process.env.SOAK_ORDERS ?? 330));
/** Phases, bounded in time (the whole test in 3 minutes). */
const CHAOS_MS = 90_000;
const RECOVERY_MS = 45_000;
/** Orders in flight per tab at most. */
const IN_FLIGHT = 6;
const FINAL = ['confirmed', 'rejected', 'failed', 'needs-payment', 'expired'];

/**
 * For each key a problem names: its requests (ms since the start, endpoint, route, attempt, answer)
 * and the faults, flaps and reloads of the seconds around them, oldest first.
 * @param {string[]} problems
 * @param {import('../backend/log.mjs').RequestLogEntry[]} requests
 * @param {Array<{ t: number, endpoint: string, fault: unknown }>} timeline
 * @param {number} started
 */
function trace(problems, requests, timeline, started) {
  const keys = new Set(problems.flatMap((p) => p.match(/[0-9a-f]{8}-[0-9a-f-]{27}/g) ?? []));
  const lines = [];
  for (const key of keys) {
    const own = requests.filter((r) => r.key === key);
    if (!own.length) continue;
    const from = own[0].t - 3000;
    const to = own[own.length - 1].t + 3000;
    const events = [
      ...own.map((r) => ({ t: r.t, text: `${r.endpoint} ${r.method} ${r.route} attempt ${r.attempt ?? '-'} -> ${r.status}` })),
      ...timeline.filter((e) => e.t >= from && e.t <= to).map((e) => ({ t: e.t, text: `${e.endpoint}: ${JSON.stringify(e.fault)}` })),
    ].sort((a, b) => a.t - b.t);
    lines.push(`key ${key}:`, ...events.map((e) => `  +${e.t - started} ms  ${e.text}`));
  }
  return lines.join('\n');
}

describe('chaos soak (Chromium)', { timeout: 180_000 }, () => {
  const browser = sharedBrowser();
  const site = sharedSite();

  test(`${TARGET} orders under random faults, reloads mid-flight and offline flaps: every one settled as the ledger says, none lost, none duplicated`, { timeout: 175_000 }, async () => {
    const started = Date.now();
    const rnd = seededRandom(SEED);
    const int = (/** @type {number} */ n) => Math.floor(rnd() * n);
    const be = await startBackend({
      endpoints: [
        { name: 'us', domain: 'main' },
        { name: 'eu', domain: 'main' },
        { name: 'backup', domain: 'backup' },
      ],
      logLimit: 200_000,
    });
    const context = await browser().newContext();
    context.setDefaultTimeout(15_000);
    const options = {
      endpoints: be.endpoints.map(({ url, domain }) => ({ url, domain })),
      budgetMs: 1500,
      tuning: { attemptTimeoutMs: 500, minAttemptTimeoutMs: 200, hedgeDelayMs: 300, openMs: 300, maxOpenMs: 2000 },
      serviceWorker: { url: '/dist/steadycart-sw.js', scope: '/' },
    };
    const url = sdkPageUrl(site().origin, options);
    /** @type {Record<string, number>} */
    const faults = {};
    /** What was set when, and where: printed with the requests of any key whose books do not balance. */
    /** @type {Array<{ t: number, endpoint: string, fault: unknown }>} */
    const timeline = [];
    const setFault = async (/** @type {string} */ endpoint, /** @type {any} */ fault) => {
      timeline.push({ t: Date.now(), endpoint, fault });
      await be.setFault(endpoint, fault);
    };
    let reloads = 0;
    let reloadFailures = 0;
    let flaps = 0;
    let offline = false;
    /** @type {Array<{ ref: string, tab: string, result?: { id: string, status: string, error?: string }, interrupted?: string }>} */
    const calls = [];
    /** @type {Set<Promise<void>>} */
    const inFlight = new Set();
    /** @type {Set<Promise<void>>} */
    const chores = new Set();
    const track = (/** @type {Set<Promise<void>>} */ set, /** @type {Promise<void>} */ p) => {
      set.add(p);
      p.finally(() => set.delete(p));
    };

    try {
      const tabs = [];
      for (const name of ['A', 'B']) tabs.push({ name, page: await openSdkPage(context, url), ready: true, busy: 0 });
      await tabs[0].page.evaluate(() => navigator.serviceWorker.ready.then(() => true));

      /** One order from `tab`: a unique orderRef, recorded whatever happens. */
      const place = (/** @type {typeof tabs[number]} */ tab) => {
        const ref = `soak-${SEED}-${calls.length}`;
        /** @type {typeof calls[number]} */
        const call = { ref, tab: tab.name };
        calls.push(call);
        tab.busy++;
        const p = tab.page
          .evaluate(
            (ref) =>
              /** @type {any} */ (window).sc
                .placeOrder({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, payment: { token: 'pm_soak' } })
                .then((/** @type {any} */ r) => ({ id: r.id, status: r.status, error: r.error?.code })),
            ref,
          )
          .then(
            (result) => void (call.result = result),
            (error) => void (call.interrupted = String(error?.message ?? error).split('\n')[0].slice(0, 100)),
          )
          .finally(() => tab.busy--);
        track(inFlight, p);
      };

      const FAULTS = [
        ['healthy', 4, () => 'healthy'],
        ['refuse', 1, () => 'refuse'],
        ['silent', 1, () => ({ kind: 'silent', count: 1 + int(4) })],
        ['slow', 1, () => ({ kind: 'slow', ms: 200 + int(1000) })],
        ['lag', 1, () => ({ kind: 'lag', ms: 200 + int(1000) })],
        // Checkout POSTs answered late, committed whether or not the tab is still there: reloads catch orders in flight.
        ['hold', 1.5, () => ({ kind: 'hold', ms: 300 + int(1200) })],
        ['503', 1, () => '503'],
        ['500', 1, () => ({ kind: 'status', status: 500, count: 1 + int(6) })],
        ['429', 1, () => ({ kind: 'status', status: 429, retryAfter: '1' })],
        ['commit-drop', 1.5, () => ({ kind: 'commit-drop', count: 1 + int(6) })],
        ['decline', 0.7, () => ({ kind: 'decline', count: 1 + int(3) })],
      ];
      const weight = FAULTS.reduce((n, f) => n + /** @type {number} */ (f[1]), 0);
      const pickFault = () => {
        let x = rnd() * weight;
        for (const [name, w, make] of FAULTS) if ((x -= /** @type {number} */ (w)) < 0) return [name, /** @type {() => any} */ (make)()];
        return ['healthy', 'healthy'];
      };

      const reload = async (/** @type {typeof tabs[number]} */ tab) => {
        tab.ready = false;
        reloads++;
        timeline.push({ t: Date.now(), endpoint: `(tab ${tab.name})`, fault: 'reload' });
        try {
          await tab.page.reload({ timeout: 15_000 });
          await tab.page.waitForFunction(() => /** @type {any} */ (window).sc, null, { timeout: 15_000 });
        } catch {
          reloadFailures++;
          // Offline at the wrong moment, say: load it again once connectivity is back.
          await until(() => !offline, { what: 'connectivity', timeout: 10_000 }).catch(() => {});
          await tab.page.goto(url, { timeout: 15_000 }).catch(() => {});
          await tab.page.waitForFunction(() => /** @type {any} */ (window).sc, null, { timeout: 15_000 }).catch(() => {});
        }
        tab.ready = true;
      };

      /** Every endpoint failing at once for 1-4 s: orders queue, and are replayed by a tab or the worker. */
      let outages = 0;
      const outage = async () => {
        outages++;
        for (const e of be.endpoints) {
          const [name, fault] = pickFault();
          const bad = name == 'healthy' ? '503' : fault;
          faults[name == 'healthy' ? '503' : name] = (faults[name == 'healthy' ? '503' : name] ?? 0) + 1;
          await setFault(e.name, bad);
        }
        await sleep(1000 + int(3000));
        for (const e of be.endpoints) await setFault(e.name, 'healthy');
      };

      const flap = async () => {
        flaps++;
        offline = true;
        timeline.push({ t: Date.now(), endpoint: '(browser)', fault: 'offline' });
        await context.setOffline(true);
        await sleep(300 + int(1200));
        await context.setOffline(false);
        timeline.push({ t: Date.now(), endpoint: '(browser)', fault: 'online' });
        offline = false;
      };

      // ---- chaos: bounded by TARGET orders and CHAOS_MS.
      const chaosEnd = started + CHAOS_MS;
      let reloadDue = false;
      let flapDue = false;
      // Besides the random draws, a reload and a flap fall due at fixed shares of the orders, so that
      // every run has several of each whatever its pace (the draws happen per tick, and a fast run has few).
      const RELOAD_EVERY = Math.floor(TARGET / 8);
      const FLAP_EVERY = Math.floor(TARGET / 5);
      let reloadShares = 0;
      let flapShares = 0;
      for (let tick = 0; calls.length < TARGET && Date.now() < chaosEnd && tick < 100_000; tick++) {
        if (rnd() < 0.25 && !chores.size) {
          const endpoint = be.endpoints[int(be.endpoints.length)].name;
          const [name, fault] = pickFault();
          faults[name] = (faults[name] ?? 0) + 1;
          await setFault(endpoint, fault);
        }
        // A reload is due now and then; it happens in the busier tab once that has orders in flight: the point is to cut them.
        if (rnd() < 0.015) reloadDue = true;
        if (calls.length >= (reloadShares + 1) * RELOAD_EVERY) {
          reloadShares++;
          reloadDue = true;
        }
        const tab = tabs[0].busy == tabs[1].busy ? tabs[int(tabs.length)] : tabs[0].busy > tabs[1].busy ? tabs[0] : tabs[1];
        if (reloadDue && tab.ready && tab.busy && !offline) {
          reloadDue = false;
          track(chores, reload(tab));
        }
        if (rnd() < 0.008) flapDue = true;
        if (calls.length >= (flapShares + 1) * FLAP_EVERY) {
          flapShares++;
          flapDue = true;
        }
        if (flapDue && !offline && !chores.size) {
          flapDue = false;
          track(chores, flap());
        }
        if (rnd() < 0.01 && !chores.size) track(chores, outage());
        for (const t of tabs) if (t.ready && t.busy < IN_FLIGHT && rnd() < 0.18) place(t);
        await sleep(40 + int(60));
      }
      const chaosMs = Date.now() - started;

      // ---- recovery: everything healthy and online; every waiting order must settle.
      await Promise.race([Promise.all([...chores]), sleep(10_000)]);
      for (const e of be.endpoints) await setFault(e.name, 'healthy');
      await context.setOffline(false);
      offline = false;
      await Promise.race([Promise.all([...inFlight]), sleep(10_000)]);
      const recoveryEnd = Date.now() + RECOVERY_MS;
      const list = () => outboxEntries(tabs[0].page);
      let open = -1;
      for (let round = 0; Date.now() < recoveryEnd && round < 200; round++) {
        open = (await list()).filter((/** @type {any} */ e) => !FINAL.includes(e.status)).length;
        if (!open) break;
        // A page load replays everything waiting at once; otherwise circuits recover and timers fire by themselves.
        if (round % 16 == 15) for (const t of tabs) await reload(t);
        await sleep(500);
      }
      const recoveryMs = Date.now() - started - chaosMs;
      // Late duplicates would show up now.
      await sleep(1500);

      // ---- the books.
      const entries = /** @type {any[]} */ (await list());
      const ledger = be.ledger();
      const byId = new Map(entries.map((e) => [e.id, e]));
      const refOf = (/** @type {any} */ e) => e.order?.orderRef;
      /** @type {string[]} */
      const problems = [];
      const statuses = /** @type {Record<string, number>} */ ({});
      for (const e of entries) statuses[e.status] = (statuses[e.status] ?? 0) + 1;

      // Every write-ahead settled, exactly as the ledger says.
      const ledgerByKey = new Map();
      for (const o of ledger.orders) {
        if (ledgerByKey.has(o.key)) problems.push(`key ${o.key} recorded in two domains (${ledgerByKey.get(o.key).domain}, ${o.domain})`);
        ledgerByKey.set(o.key, o);
      }
      for (const e of entries) {
        const o = ledgerByKey.get(e.id);
        if (!['confirmed', 'rejected'].includes(e.status)) problems.push(`lost: ${e.id} (${refOf(e)}) ended ${e.status} (${e.lastError?.code ?? ''})`);
        else if (!o) problems.push(`${e.id} (${refOf(e)}) is ${e.status} but the backend has no record of it`);
        else if (e.status == 'confirmed' && !(o.charged && o.status >= 200 && o.status < 300)) problems.push(`${e.id} confirmed, ledger says ${o.status}`);
        else if (e.status == 'rejected' && o.status != 402) problems.push(`${e.id} rejected, ledger says ${o.status}`);
        else if (e.result?.status != o.status) problems.push(`${e.id} result ${e.result?.status}, ledger ${o.status}`);
      }
      // Every charge known to the outbox, under its own orderRef; one key per orderRef.
      for (const o of ledger.orders) {
        const e = byId.get(o.key);
        if (!e) problems.push(`ledger key ${o.key} (${o.orderRef}, ${o.status}) unknown to the outbox: lost or duplicated`);
        else if (o.orderRef != refOf(e)) problems.push(`ledger key ${o.key} has orderRef ${o.orderRef}, outbox ${refOf(e)}`);
      }
      const keysPerRef = new Map();
      for (const e of entries) keysPerRef.set(refOf(e), [...(keysPerRef.get(refOf(e)) ?? []), e.id]);
      for (const [ref, keys] of keysPerRef) if (keys.length > 1) problems.push(`orderRef ${ref} under ${keys.length} keys`);
      if (ledger.duplicates) problems.push(`ledger counts ${ledger.duplicates} duplicate charge(s)`);
      // Every call that returned has its write-ahead; every interrupted call either has one or was never sent.
      let returned = 0;
      const returnedAs = /** @type {Record<string, number>} */ ({});
      let interruptedBefore = 0;
      let interruptedAfter = 0;
      const ledgerRefs = new Set(ledger.orders.map((o) => o.orderRef));
      const entryRefs = new Set(entries.map(refOf));
      for (const c of calls) {
        if (c.result) {
          returned++;
          returnedAs[c.result.status] = (returnedAs[c.result.status] ?? 0) + 1;
          const e = byId.get(c.result.id);
          if (!e) problems.push(`lost: ${c.ref} returned ${c.result.status} as ${c.result.id} but has no outbox entry`);
          else if (refOf(e) != c.ref) problems.push(`${c.result.id} holds ${refOf(e)}, placed as ${c.ref}`);
          else if (c.result.status == 'confirmed' && e.status != 'confirmed') problems.push(`${c.ref} was confirmed to the shopper, now ${e.status}`);
          else if (c.result.status == 'rejected' && e.status != 'rejected') problems.push(`${c.ref} was rejected to the shopper, now ${e.status}`);
        } else if (entryRefs.has(c.ref)) interruptedAfter++;
        else {
          interruptedBefore++;
          if (ledgerRefs.has(c.ref)) problems.push(`${c.ref} has no write-ahead but reached the backend`);
        }
      }
      const writtenAhead = entries.length;
      const health = await tabs[0].page.evaluate(() => /** @type {any} */ (window).sc.health());

      const summary = {
        seed: SEED,
        orders: calls.length,
        writtenAhead,
        returned,
        returnedAs,
        interruptedBeforeWriteAhead: interruptedBefore,
        interruptedAfterWriteAhead: interruptedAfter,
        outcomes: statuses,
        ledger: { records: ledger.orders.length, charges: ledger.charges, declines: ledger.declines, duplicates: ledger.duplicates },
        faultsApplied: faults,
        reloads,
        reloadFailures,
        offlineFlaps: flaps,
        outages,
        stillOpenAtEnd: open,
        storage: health.storage,
        timeMs: { chaos: chaosMs, recovery: recoveryMs, total: Date.now() - started },
      };
      console.log(`chaos soak summary ${JSON.stringify(summary, null, 2)}`);
      if (problems.length) console.log(trace(problems, be.requests(), timeline, started));
      assert.deepEqual(problems, [], `${problems.length} problem(s)`);
      assert.ok(writtenAhead >= 300, `at least 300 orders written ahead (${writtenAhead})`);
      assert.equal(ledger.charges, statuses.confirmed ?? 0, 'one charge per confirmed order');
      assert.equal(ledger.declines, statuses.rejected ?? 0, 'one decline per rejected order');
      assert.equal(health.storage, 'indexeddb');
      assert.ok(reloads >= 5 && flaps >= 3, `reloads (${reloads}) and offline flaps (${flaps}) happened`);
      assert.ok(Object.keys(faults).length >= 8, `most fault kinds were applied: ${Object.keys(faults)}`);
    } finally {
      await context.setOffline(false).catch(() => {});
      await context.close().catch(() => {});
      await be.close();
    }
  });
});
