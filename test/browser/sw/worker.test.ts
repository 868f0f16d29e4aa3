import { expect } from 'chai';
import type { SteadyCart, SteadyCartOptions } from '../../../src/index';
import { REMOTE_EVENTS } from '../../../src/core';
import { CONFIG_FORMAT } from '../../../src/options';
import { replaySyncTag } from '../../../src/worker-protocol';
import { closeBackends, down, startBackend, up, type TestBackend } from '../backend';
import { createSchema, pendingRecord, rawGet, rawPut } from '../hardening/raw-idb';
import { probeWaiting } from './worker-probe';
import { backendQuiet, cleanup, open, openTab, QUICK_TUNING, quickOptions, sleep, uniqueNamespace, unhandledRejections, unregisterWorkers, until, workerScope } from '../helpers';

const order = (ref: string) => ({ orderRef: ref, total: 990, payment: { token: 'pm_2' } });

/** A scope of its own per test: registrations are shared by every test file of the origin. */
function worker(namespace: string, script = '/dist/steadycart-sw.js'): SteadyCartOptions['serviceWorker'] {
  return { url: script, scope: workerScope(namespace) };
}

const options = (be: TestBackend, namespace: string, extra: SteadyCartOptions = {}): SteadyCartOptions =>
  quickOptions(be, namespace, { serviceWorker: worker(namespace), ...extra });

async function activeWorker(sc: SteadyCart): Promise<void> {
  await until(() => sc.health().worker == 'active', 'the worker to be active', 10_000);
}

/** A page stores its configuration and has its worker active, then closes: whatever replays from then on is the worker. */
async function workerAlone(be: TestBackend, namespace: string): Promise<void> {
  const sc = await open(options(be, namespace));
  await activeWorker(sc);
  sc.close();
}

/** Waits until the stored record `id` of `namespace` is confirmed (placed by the worker). */
const confirmedInStore = (namespace: string, id: string, what: string, ms = 15_000) =>
  until(async () => (await rawGet<{ status: string }>(namespace, 'outbox', id))?.status == 'confirmed', what, ms);

/** The test worker's registration, with Background Sync (engines that have it). */
type SyncRegistration = ServiceWorkerRegistration & { sync: { register(tag: string): Promise<void>; getTags(): Promise<string[]> } };
const syncRegistration = async (namespace: string) => (await navigator.serviceWorker.getRegistration(workerScope(namespace))) as SyncRegistration;

describe('service worker', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
    await unregisterWorkers();
  });

  it('registers the standalone worker (health and worker:state say so) and hands it the configuration', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open(options(be, namespace));
    await activeWorker(sc);
    const reg = await navigator.serviceWorker.getRegistration(`/test/sw-scope/${namespace}/`);
    expect(reg!.active ?? reg!.installing ?? reg!.waiting).to.be.ok;
    const url = new URL((reg!.active ?? reg!.installing ?? reg!.waiting)!.scriptURL);
    expect(url.pathname).to.equal('/dist/steadycart-sw.js');
    expect(url.searchParams.get('namespace')).to.equal(namespace);
    // The standalone worker reads the pages' configuration from the shared database.
    const stored = await rawGet<{ value: { endpoints: Array<{ url: string; domain: string }> } }>(namespace, 'meta', 'config');
    expect(stored!.value.endpoints.map(({ url, domain }) => ({ url, domain }))).to.deep.equal(be.sdk('us', 'eu'));
  });

  it('when registration fails, the page says so and still places and replays orders by itself', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const states: string[] = [];
    const sc = await open(options(be, namespace, { serviceWorker: worker(namespace, '/dist/no-such-worker.js') }));
    sc.on('worker:state', (e) => states.push(e.state));
    await until(() => sc.health().worker == 'failed', 'the failure to be reported', 10_000);
    expect(states).to.include('failed');
    await down(be);
    const r = await sc.placeOrder(order('page-only'));
    expect(r.status).to.equal('pending');
    await up(be);
    await until(async () => (await be.charges(r.id)) == 1, 'the page to replay it', 15_000);
    expect((await be.ledger()).duplicates).to.equal(0);
  });

  it('a worker URL the browser cannot parse is reported failed, not left registering with an unhandled rejection', async () => {
    const rejections = unhandledRejections();
    try {
      const sc = await open({ namespace: uniqueNamespace(), serviceWorker: 'https://[x/sw.js' });
      await until(() => sc.health().worker == 'failed', 'the failure to be reported', 10_000);
      await sleep(100);
      expect(rejections.reasons.map(String)).to.deep.equal([]);
    } finally {
      rejections.stop();
    }
  });

  it('a worker restart (unregistered and registered again) loses nothing: the new worker alone places the order on sync (engines with Background Sync)', async function () {
    // Firefox and WebKit have no Background Sync, so no event can wake a worker to replay there:
    // the page replays instead ('when registration fails...' above, outbox.test.ts).
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const first = await open(options(be, namespace));
    await activeWorker(first);
    await down(be);
    const r = await first.placeOrder(order('restart'));
    expect(r.status).to.equal('pending');
    // No SDK instance is left in any page: whatever replays now is the worker.
    const previous = (await syncRegistration(namespace)).active!;
    first.close();
    await unregisterWorkers();
    // The old worker may still be in the sync the order asked for, its circuits probing about once a second:
    // unregistering dooms it and the browser stops it a moment later, which a busy machine can delay past
    // the endpoints' recovery. It is gone once redundant and the endpoints hear nothing from it for a while.
    await until(() => previous.state == 'redundant', 'the old worker to be redundant', 10_000);
    await backendQuiet(be, 2500, 'the old worker to fall silent', 20_000);
    await up(be);
    const { url, scope } = worker(namespace) as { url: string; scope: string };
    const reg = await navigator.serviceWorker.register(`${url}?namespace=${namespace}`, { scope });
    await until(() => reg.active?.state == 'activated', 'the new worker to activate', 10_000);
    expect(await be.charges(r.id), 'nothing replayed it before the sync').to.equal(0);
    await (reg as ServiceWorkerRegistration & { sync: { register(tag: string): Promise<void> } }).sync.register(replaySyncTag(namespace));
    await until(async () => (await be.charges(r.id)) == 1, 'the worker to place the order', 15_000);
    await confirmedInStore(namespace, r.id, 'the worker to settle the record', 10_000);
    expect((await be.ledger()).duplicates).to.equal(0);
  });

  it('an order left waiting before the worker of a first visit is active gets its Background Sync once the worker is (engines with Background Sync)', async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await down(be);
    // The worker takes 4 s to install, so the order below is left waiting while no worker is active: a sync registered then is refused.
    const sc = await open(options(be, namespace, { serviceWorker: worker(namespace, '/test/fixtures/versioned-sw?installMs=4000') }));
    const r = await sc.placeOrder(order('first-visit'));
    expect(r.status).to.equal('pending');
    expect(sc.health().worker, 'no worker is active yet').to.equal('registering');
    // No page replays it from here: only the worker, woken by the sync the page registers once it is active, can place it.
    sc.close();
    await up(be);
    await until(async () => (await be.charges(r.id)) == 1, 'the worker to place the order', 20_000);
    expect((await be.ledger()).duplicates).to.equal(0);
  });

  it('an order in flight has its Background Sync from the start: should its tab close before any answer, the worker is woken for it (engines with Background Sync)', async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open(options(be, namespace, { budgetMs: 10_000, tuning: { ...QUICK_TUNING, attemptTimeoutMs: 9000, hedge: false } }));
    await activeWorker(sc);
    // The order's POST gets no answer: it is in flight, never pending, for as long as the tab lives.
    await be.fault('us', { kind: 'silent', routes: ['checkout'] });
    const sending = new Promise((resolve) => sc.on('order:sending', resolve));
    void sc.placeOrder(order('in-flight')).catch(() => {});
    await sending;
    const reg = await syncRegistration(namespace);
    // A sync that fires now finds the order locked by this tab, and stays registered for a later try.
    await until(async () => (await reg.sync.getTags()).includes(replaySyncTag(namespace)), 'a sync registered for the order in flight', 5000);
  });

  it('a page asks for Background Sync at most about once a second, not once per order, and once more after the last order of a burst (engines with Background Sync)', async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    this.timeout(30_000);
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // Circuits that stay open long after the first refusal: nothing replays during the test, only the burst asks.
    const sc = await open(options(be, namespace, { tuning: { attemptTimeoutMs: 400, openMs: 30_000, maxOpenMs: 60_000 } }));
    await activeWorker(sc);
    // The real registration, counted: each is a write to the browser's worker database.
    const manager = (globalThis as unknown as { SyncManager: { prototype: { register(tag: string): Promise<void> } } }).SyncManager.prototype;
    const register = manager.register;
    const calls: number[] = [];
    manager.register = function (this: unknown, tag: string) {
      if (tag == replaySyncTag(namespace)) calls.push(performance.now());
      return register.call(this, tag);
    };
    try {
      await down(be, 'refuse');
      // 30 orders, each asking twice (sent, then left waiting). The worker's own events, heard here, ask nothing.
      let asked = 0;
      let lastAsked = 0;
      sc.on('order:*', (e) => {
        if (!REMOTE_EVENTS.has(e) && (e.status == 'sending' || e.status == 'pending')) (asked++, (lastAsked = performance.now()));
      });
      const start = performance.now();
      for (let i = 0; i < 30; i++) expect((await sc.placeOrder(order(`burst-${i}`), { budgetMs: 100 })).status).to.equal('pending');
      expect(asked).to.be.at.least(60);
      // The last order is covered: a registration follows its last event, within the gap.
      await until(() => calls.at(-1)! >= lastAsked, 'a registration after the last order', 5000);
      // At most one per second from the first, the first included.
      const seconds = (performance.now() - start) / 1000;
      expect(calls.length, `${calls.length} registrations in ${seconds.toFixed(1)} s`).to.be.at.most(Math.ceil(seconds) + 1);
    } finally {
      manager.register = register;
    }
  });

  for (const drilling of [false, true]) {
    it(`a page registers Background Sync for its own sends only: with its tab open${drilling ? ' and a drill running in it' : ''}, an order left pending by a 409 is not resent in a loop (engines with Background Sync)`, async function () {
      if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
      this.timeout(30_000);
      const be = await startBackend();
      const namespace = uniqueNamespace();
      // The default maxOpenMs, so that the page itself waits out the server's 30 s. Roomy attempts, no hedge: a
      // 409 heard after a quick 400 ms attempt ran out would be an ambiguous failure, and the order resent to eu,
      // healthy, in the same domain (confirmed, not left pending).
      const sc = await open(options(be, namespace, { budgetMs: 5000, tuning: { attemptTimeoutMs: 3000, minAttemptTimeoutMs: 3000, hedge: false }, drill: drilling }));
      await activeWorker(sc);
      // The key still runs on the server, which asks for 30 s: a 409 opens no circuit.
      await be.fault('us', { kind: 'status', status: 409, retryAfter: '30', routes: ['checkout'] });
      const r = await sc.placeOrder(order('sync-loop'));
      expect(r.status).to.equal('pending');
      // Drill mode copies the events it tags: the worker's, heard on the channel, must stay marked as remote.
      if (drilling) sc.drill!.start({ endpoint: be.url('eu'), fault: 'slow', slowMs: 1, forMs: 60_000 });
      const since = Date.now();
      // The page's sync is fired by the worker at once; had the page registered it again on the
      // worker's send (heard on the channel), the browser would fire it again at once, for ever.
      await sleep(8000);
      const posts = (await be.requests()).filter((q) => q.key == r.id && q.route == 'checkout' && q.t >= since);
      expect(posts.length, 'POSTs of the order in the 8 s after it was left pending').to.be.at.most(2);
    });
  }

  it('the worker replays one request at a time: a slow answer is waited for, never hedged to the same domain (engines with Background Sync)', async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // us and eu share a domain, so a page would hedge the slow POST to eu after 1 s (hedgeDelayMs: no latency
    // history); the attempt timeout outlasts the slow answer, so no timeout (and retry) sends a second request either.
    const sc = await open(options(be, namespace, { budgetMs: 10_000, tuning: { ...QUICK_TUNING, attemptTimeoutMs: 8000, minAttemptTimeoutMs: 8000 } }));
    await activeWorker(sc);
    // The page stored its configuration for the worker; no SDK instance is left in any page now.
    sc.close();
    // A waiting order written as the outbox stores one: no page registered a sync for it, so the one
    // fired below is the only replay.
    const waiting = pendingRecord(order('unhedged'));
    await rawPut(namespace, 'outbox', [waiting]);
    await be.fault('us', { kind: 'slow', ms: 1500, routes: ['checkout'] });
    const reg = (await navigator.serviceWorker.getRegistration(`/test/sw-scope/${namespace}/`)) as ServiceWorkerRegistration & { sync: { register(tag: string): Promise<void> } };
    // The page said 'active' only once the registration had an active worker: a sync registers on it.
    await reg.sync.register(replaySyncTag(namespace));
    await confirmedInStore(namespace, waiting.id as string, 'the worker to settle the record');
    const posts = (await be.requests()).filter((q) => q.key == waiting.id && q.route == 'checkout');
    expect(posts.map((q) => q.endpoint)).to.deep.equal(['us']);
    expect(await be.charges(waiting.id as string)).to.equal(1);
  });

  it("a Background Sync leaves an open circuit's probe interval to grow through an outage, not back at its base (engines with Background Sync)", async function () {
    // A page with an order waiting registers a sync whenever it stores the order pending; Chromium fires each at once
    // when online. Taking each for connectivity come back, the worker started every open circuit's interval over.
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    // The bounded waits below, and the interval (up to 32 s) before us is asked again once back.
    this.timeout(120_000);
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open(options(be, namespace, { endpoints: be.sdk('us'), tuning: { ...QUICK_TUNING, openMs: 1000, maxOpenMs: 60_000 } }));
    await activeWorker(sc);
    sc.close();
    await down(be, '503', ['us']);
    // us has been down a while: its interval grew to 16 s. An order waits.
    const now = Date.now();
    const usUrl = be.url('us');
    await rawPut(namespace, 'endpoints', [{ id: usUrl, state: 'open', failures: 5, openMs: 16_000, retryAt: now + 16_000, samples: [], updatedAt: now }]);
    const waiting = pendingRecord(order('paced'));
    await rawPut(namespace, 'outbox', [waiting]);
    await (await syncRegistration(namespace)).sync.register(replaySyncTag(namespace));
    // The sync asks at once (the waiting order is the probe), and us answers 503 again.
    await until(async () => (await be.requests()).some((q) => q.key == waiting.id && q.route == 'checkout'), 'the order sent as the probe', 15_000);
    const verdict = await until(async () => {
      const r = await rawGet<{ openMs: number; updatedAt: number }>(namespace, 'endpoints', usUrl);
      return r && r.updatedAt > now ? r : undefined;
    }, "the probe's verdict stored", 10_000);
    expect(verdict!.openMs, 'the interval after the failed probe').to.be.at.least(16_000);
    await up(be, ['us']);
    await confirmedInStore(namespace, waiting.id as string, 'the worker to place the order once us is back', 60_000);
  });

  it("pages of two namespaces on one scope share one worker, which replays each namespace's orders on its own sync (engines with Background Sync)", async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const [checkout, widget] = [uniqueNamespace(), uniqueNamespace()];
    const scope = workerScope(checkout);
    const serviceWorker = { url: '/dist/steadycart-sw.js', scope };
    const sc = await open(quickOptions(be, checkout, { serviceWorker }));
    await activeWorker(sc);
    sc.close();
    const waiting = pendingRecord(order('checkout-order'));
    await rawPut(checkout, 'outbox', [waiting]);
    // A widget in a namespace of its own loads last: the scope's worker is now the widget's URL.
    const other = await open(quickOptions(be, widget, { serviceWorker }));
    const reg = (await navigator.serviceWorker.getRegistration(scope)) as SyncRegistration;
    await until(() => reg.active?.state == 'activated' && new URL(reg.active.scriptURL).searchParams.get('namespace') == widget, "the widget's worker active", 15_000);
    other.close();
    await reg.sync.register(replaySyncTag(checkout));
    await confirmedInStore(checkout, waiting.id as string, "the checkout's order placed");
    expect(await be.charges(waiting.id as string)).to.equal(1);
  });

  it("a merchant's worker with a configuration of its own judges an order's age by the retention the pages stored (engines with Background Sync)", async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // The pages keep orders 7 days; the worker's own configuration says nothing of it (24 h by default).
    (await open({ namespace, endpoints: be.sdk('us'), outbox: { retentionMs: 7 * 86_400_000 } })).close();
    const waiting = pendingRecord(order('two-days-old'), { createdAt: Date.now() - 2 * 86_400_000 });
    await rawPut(namespace, 'outbox', [waiting]);
    const config = encodeURIComponent(JSON.stringify({ namespace, endpoints: be.sdk('us') }));
    const reg = (await navigator.serviceWorker.register(`/test/fixtures/own-config-sw.js?config=${config}`, { scope: workerScope(namespace) })) as SyncRegistration;
    await until(() => reg.active?.state == 'activated', 'the merchant worker to be active', 15_000);
    await reg.sync.register(replaySyncTag(namespace));
    // Expired by the worker's own 24 h, it would be final (expired) with nothing sent.
    await confirmedInStore(namespace, waiting.id as string, 'the worker to place the order');
    expect(await be.charges(waiting.id as string)).to.equal(1);
  });

  it("a merchant's worker whose own configuration says `outbox: false` still replays what the pages left waiting (engines with Background Sync)", async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    // The pages' `headers` function: the configuration they store is none the worker may replay with, so its own is all it has.
    (await open({ namespace, endpoints: be.sdk('us'), headers: () => ({ 'x-shop': 'own' }) })).close();
    const waiting = pendingRecord(order('worker-outbox-false'));
    await rawPut(namespace, 'outbox', [waiting]);
    const config = encodeURIComponent(JSON.stringify({ namespace, endpoints: be.sdk('us'), outbox: false }));
    const reg = (await navigator.serviceWorker.register(`/test/fixtures/own-config-sw.js?config=${config}`, { scope: workerScope(namespace) })) as SyncRegistration;
    await until(() => reg.active?.state == 'activated', 'the merchant worker to be active', 15_000);
    await reg.sync.register(replaySyncTag(namespace));
    // Its retention of 0 replayed nothing before: the sync ended with the order still waiting.
    await confirmedInStore(namespace, waiting.id as string, 'the worker to place the order');
    expect(await be.charges(waiting.id as string)).to.equal(1);
  });

  it('the worker replays with a stored configuration of its own format only: not with another build\'s (engines with Background Sync)', async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await workerAlone(be, namespace);
    type Stored = { id: string; format: number; value: unknown };
    const config = (await rawGet<Stored>(namespace, 'meta', 'config'))!;
    expect(config.format, 'the format the pages stored').to.equal(CONFIG_FORMAT);
    // The same configuration, as pages of another build would have stored it.
    await rawPut(namespace, 'meta', [{ ...config, format: CONFIG_FORMAT + 1 }]);
    const waiting = pendingRecord(order('other-format'));
    await rawPut(namespace, 'outbox', [waiting]);
    const reg = await syncRegistration(namespace);
    const tag = replaySyncTag(namespace);
    await reg.sync.register(tag);
    // The sync ends (it is no longer registered) having found no configuration to replay with.
    await until(async () => !(await reg.sync.getTags()).includes(tag), 'the sync to end', 10_000);
    expect(await be.charges(waiting.id as string), 'sent with another build\'s configuration').to.equal(0);
    expect((await rawGet<{ status: string }>(namespace, 'outbox', waiting.id as string))?.status).to.equal('pending');
    // Stored again in this build's format, the same configuration is replayed with.
    await rawPut(namespace, 'meta', [config]);
    await reg.sync.register(tag);
    await confirmedInStore(namespace, waiting.id as string, 'the worker to settle the record');
    expect(await be.charges(waiting.id as string)).to.equal(1);
  });

  it('a sync that finds the endpoints down keeps replaying as their circuits fall due, so an outage of seconds ends within it (engines with Background Sync)', async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await workerAlone(be, namespace);
    await down(be);
    // Several orders: once the circuit that one of them probed closes, the others go too, within the sync
    // (the worker does not close its core on them mid-replay).
    const waiting = ['outage-of-seconds', 'and-another', 'and-a-third'].map((ref) => pendingRecord(order(ref)));
    await rawPut(namespace, 'outbox', waiting);
    const id = waiting[0]!.id as string;
    const ids = waiting.map((w) => w.id);
    const posts = async () => (await be.requests()).filter((q) => ids.includes(q.key) && q.route == 'checkout').length;
    const reg = await syncRegistration(namespace);
    const tag = replaySyncTag(namespace);
    await reg.sync.register(tag);
    // The sync's first replay ends with the order waiting (its run recorded)...
    await until(async () => ((await rawGet<{ runs: number }>(namespace, 'outbox', id))?.runs ?? 0) >= 1, 'the first replay to end', 10_000);
    // ...and the worker goes on: each circuit that falls due (1 s at most here) has an order as its probe.
    const sent = await posts();
    await until(async () => (await posts()) >= sent + 2, 'the worker to keep replaying after its first replay', 10_000);
    expect((await be.ledger()).charges).to.equal(0);
    await up(be);
    for (const w of waiting) await until(async () => (await be.charges(w.id as string)) == 1, 'the worker to place every order once the endpoints answer', 10_000);
    await until(async () => !(await reg.sync.getTags()).includes(tag), 'the sync to end, done', 10_000);
    expect((await be.ledger()).duplicates).to.equal(0);
  });

  it('the worker replays a stored order whose lines carry barcodes, and quarantines one that holds a card number, unsent (engines with Background Sync)', async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await workerAlone(be, namespace);
    // EAN-13 and GTIN-14 codes that pass the Luhn check, as one barcode in ten does.
    const barcodes = pendingRecord({ ...order('barcodes'), items: [{ sku: '4006381300063', qty: 1 }, { sku: 'mug', gtin14: '30614141000044', qty: 2 }] });
    const tampered = pendingRecord({ ...order('tampered'), items: [{ sku: 'mug', note: '4111 1111 1111 1111' }] });
    await rawPut(namespace, 'outbox', [barcodes, tampered]);
    await (await syncRegistration(namespace)).sync.register(replaySyncTag(namespace));
    await confirmedInStore(namespace, barcodes.id as string, 'the worker to place the order with barcodes');
    expect(await be.charges(barcodes.id as string)).to.equal(1);
    const quarantined = await rawGet<{ status: string; body: string; lastError: { code: string } }>(namespace, 'outbox', tampered.id as string);
    expect(quarantined).to.deep.include({ status: 'failed' });
    expect(quarantined!.lastError.code).to.equal('corrupt');
    expect(quarantined!.body, 'scrubbed').not.to.include('4111 1111');
    expect((await be.requests()).filter((q) => q.key == tampered.id), 'nothing of it sent').to.deep.equal([]);
  });

  it("a sync that fires while a page the worker controls is open sends what is due only, not every waiting order at once: that page's own replay is not sent twice (engines with Background Sync)", async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await workerAlone(be, namespace);
    // A page the worker controls, as a checkout tab is; of another namespace, so that it replays nothing of this one.
    const { frame } = await openTab({ namespace: uniqueNamespace(), serviceWorker: false }, '', `${workerScope(namespace)}tab.html`);
    await until(() => !!frame.contentWindow!.navigator.serviceWorker.controller, 'the worker to control the tab', 10_000);
    // One order due; one whose backoff has a minute to run, as after a page's replay just now (which asked for this sync).
    const due = pendingRecord(order('due'));
    const later = pendingRecord(order('later'), { due: Date.now() + 60_000 });
    await rawPut(namespace, 'outbox', [due, later]);
    await (await syncRegistration(namespace)).sync.register(replaySyncTag(namespace));
    await confirmedInStore(namespace, due.id as string, 'the worker to place the order that was due');
    // A forced drain sends both in one pass, at once: the later one's request would be in by now.
    await sleep(500);
    expect(await be.requests().then((qs) => qs.filter((q) => q.key == later.id)), 'requests for the order not due').to.have.length(0);
  });

  it('a sync that fires while another context holds the replay lock waits for it, still registered, then replays what it left (engines with Background Sync)', async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    await workerAlone(be, namespace);
    const waiting = pendingRecord(order('behind-a-drain'));
    await rawPut(namespace, 'outbox', [waiting]);
    // A page draining the outbox: it holds the replay lock, as long as this test says (within the worker's wait, a lease's length).
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const holding = new Promise<void>((taken) => void navigator.locks.request(`${namespace}:replay`, () => (taken(), held)));
    await holding;
    try {
      const reg = await syncRegistration(namespace);
      const tag = replaySyncTag(namespace);
      await reg.sync.register(tag);
      // The sync fires at once (online), finds the lock taken and waits for it. Should the lock's holder
      // close mid-drain, what it left is replayed then, rather than at the browser's next sync minutes later.
      await until(async () => (await navigator.locks.query()).pending?.some((l) => l.name == `${namespace}:replay`), 'the worker to wait for the lock', 5000);
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        expect(await reg.sync.getTags(), 'the sync is still registered').to.include(tag);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(await be.charges(waiting.id as string), 'nobody replayed it behind the lock').to.equal(0);
    } finally {
      release();
    }
    await until(async () => (await be.charges(waiting.id as string)) == 1, 'the worker to replay it once the lock is free', 10_000);
  });

  /**
   * A tab inside the scope of a worker that finds a new version at every update check (the fixture differs by a
   * byte on every fetch), placing orders on `us` with attempts that outlast a held request; once its worker is
   * active. The tab is the worker's client, so an update has to wait for it.
   */
  async function tabOfUpdatingWorker(be: TestBackend) {
    const namespace = uniqueNamespace();
    const serviceWorker = worker(namespace, '/test/fixtures/versioned-sw');
    const tabOptions = options(be, namespace, { endpoints: be.sdk('us'), serviceWorker, budgetMs: 20_000, tuning: { attemptTimeoutMs: 15_000, minAttemptTimeoutMs: 15_000 } });
    const { sc } = await openTab(tabOptions, '', `${workerScope(namespace)}tab.html`);
    await activeWorker(sc);
    // 'active' means the registration has an active worker.
    const reg = (await navigator.serviceWorker.getRegistration(workerScope(namespace)))!;
    return { sc, reg, serviceWorker };
  }

  for (const outcome of ['confirmed', 'rejected'] as const) {
    it(`a waiting new worker is not activated while an order is in flight, and is once none is (the order ${outcome})`, async () => {
      const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
      // Held until the checks below, which need the order in flight, are done: however long the update takes.
      await be.hold('us', true);
      const { sc, reg } = await tabOfUpdatingWorker(be);
      const first = reg.active!;
      // An update is offered again whenever an order settles, whatever its outcome.
      if (outcome == 'rejected') await be.fault('us', 'decline');
      const placing = sc.placeOrder(order(`in-flight-${outcome}`));
      await until(async () => (await sc.outbox.list())[0]?.status == 'sending', 'the order in flight');
      await reg.update();
      await until(() => reg.waiting?.state == 'installed', 'the new worker to wait', 10_000);
      // The tab hears of it at once, then asks whether an order is in flight: time for its SKIP_WAITING, were it sent.
      await new Promise((r) => setTimeout(r, 2000));
      // The waiting worker has handled every SKIP_WAITING posted so far (see probeWaiting): none, while the order is still in flight.
      expect((await probeWaiting(reg)).skips).to.equal(0);
      expect((await sc.outbox.list())[0]?.status, 'still in flight when the worker answered').to.equal('sending');
      expect(reg.active).to.equal(first);
      await be.hold('us', false);
      expect((await placing).status).to.equal(outcome);
      await until(() => reg.active != first, 'the new worker to take over', 10_000);
      expect(reg.waiting).to.equal(null);
    });
  }

  it('a long-lived tab lets every update in once no order is in flight, not only the first: three deploys in a row each take over', async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    const namespace = uniqueNamespace();
    // Each fetch of this worker script differs by a byte: every update check finds a new version.
    const serviceWorker = worker(namespace, '/test/fixtures/versioned-sw');
    const { sc } = await openTab(options(be, namespace, { endpoints: be.sdk('us'), serviceWorker }), '', `/test/sw-scope/${namespace}/tab.html`);
    await activeWorker(sc);
    const reg = (await navigator.serviceWorker.getRegistration(`/test/sw-scope/${namespace}/`))!;
    for (const deploy of [1, 2, 3]) {
      // (The tab's own load may have made the browser find one more version: it takes over first.)
      await until(() => !reg.waiting && !reg.installing && reg.active?.state == 'activated', `the worker before deploy ${deploy} in charge`, 10_000);
      const before = reg.active;
      await reg.update();
      await until(() => reg.active != before && !reg.waiting, `deploy ${deploy} to take over`, 10_000);
    }
  });

  it('a record left `sending` by a context that died (its lock let go) keeps no update out of a page that never replays it', async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    const namespace = uniqueNamespace();
    const serviceWorker = worker(namespace, '/test/fixtures/versioned-sw');
    // A product page's "buy now" widget: no outbox, so it replays nothing, and the record stays as it is.
    const { sc } = await openTab(options(be, namespace, { endpoints: be.sdk('us'), serviceWorker, outbox: false }), '', `${workerScope(namespace)}tab.html`);
    await activeWorker(sc);
    const reg = (await navigator.serviceWorker.getRegistration(workerScope(namespace)))!;
    // (The tab's own load may have made the browser find one more version: it takes over first.)
    await until(() => !reg.waiting && !reg.installing && reg.active?.state == 'activated', 'the worker in charge', 10_000);
    // A checkout tab that crashed mid-order, in an engine with no Background Sync: its record is still `sending`.
    const orphan = pendingRecord(order('orphan'), { status: 'sending' });
    await rawPut(namespace, 'outbox', [orphan]);
    const first = reg.active!;
    await reg.update();
    await until(() => reg.active != first, 'the new worker to take over', 10_000);
    expect((await sc.outbox.list()).map((e) => [e.id, e.status])).to.deep.equal([[orphan.id, 'sending']]);
  });

  it("a page of another namespace on the same scope lets no update in while this namespace's order is in flight", async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    // Held until the checks below, which need the order in flight, are done.
    await be.hold('us', true);
    const { sc, reg, serviceWorker } = await tabOfUpdatingWorker(be);
    // (The tab's own load may have made the browser find one more version: it takes over first.)
    await until(() => !reg.waiting && !reg.installing && reg.active?.state == 'activated', 'the worker in charge', 10_000);
    const placing = sc.placeOrder(order('in-flight-beside-a-widget'));
    await until(async () => (await sc.outbox.list())[0]?.status == 'sending', 'the order in flight');
    const first = reg.active!;
    // A "buy now" widget of its own namespace on the same scope registers the worker by its own URL: a new worker, which waits.
    await open(quickOptions(be, uniqueNamespace(), { endpoints: be.sdk('us'), serviceWorker, outbox: false }));
    await until(() => reg.waiting?.state == 'installed', 'the new worker to wait', 10_000);
    // The widget hears of it at once, then asks whether an order is in flight: the checkout's is. (Chromium would
    // not let the new worker take over during the order's request anyway: count what it was asked.)
    await new Promise((r) => setTimeout(r, 2000));
    expect((await probeWaiting(reg)).skips, 'SKIP_WAITING while the order is in flight').to.equal(0);
    expect(reg.active, 'the first worker still in charge while the order is in flight').to.equal(first);
    await be.hold('us', false);
    expect((await placing).status).to.equal('confirmed');
    await until(() => reg.active != first, 'the new worker to take over once the order is placed', 10_000);
  });

  /** The SKIP_WAITING messages a tab opened with `&spyWorkerMessages` posted. */
  const skipsBy = (frame: HTMLIFrameElement) => ((frame.contentWindow as Window & { workerMessages: unknown[] }).workerMessages ?? []).filter((m) => (m as { type?: string })?.type == 'SKIP_WAITING').length;

  for (const own of [false, true]) {
    it(`a closed instance lets no update take over (${own ? "the merchant's own worker" : 'the configured worker'})`, async () => {
      const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
      const namespace = uniqueNamespace();
      const scope = workerScope(namespace);
      // The test worker activates a new version only when a page asks it to (SKIP_WAITING). The merchant's
      // own is active before the tab loads, so that it controls the tab (a worker controlling no page
      // would let its update in at once).
      const activeIn = async (reg: ServiceWorkerRegistration) => (await until(() => (reg.active?.state == 'activated' ? reg.active : undefined), 'the first worker active', 10_000))!;
      if (own) await activeIn(await navigator.serviceWorker.register(`/test/fixtures/versioned-sw?namespace=${namespace}`, { scope }));
      const serviceWorker = own ? undefined : worker(namespace, '/test/fixtures/versioned-sw');
      const { sc, frame } = await openTab(quickOptions(be, namespace, { endpoints: be.sdk('us'), serviceWorker }), '&spyWorkerMessages', `${scope}tab.html`);
      if (!own) await activeWorker(sc);
      const reg = (await navigator.serviceWorker.getRegistration(scope))!;
      await activeIn(reg);
      await (frame.contentWindow as Window).navigator.serviceWorker.ready;
      // The tab's own load made the browser look for an update too, which the open instance may have let in:
      // that one takes over first, and only what follows the close counts.
      if (skipsBy(frame)) await until(() => !reg.waiting && reg.active?.state == 'activated', 'the update let in while open', 10_000);
      const skipsOpen = skipsBy(frame);
      const active = reg.active;
      sc.close();
      await reg.update();
      await until(() => reg.waiting?.state == 'installed', 'the new worker to wait', 10_000);
      // The page would hear of it within a few hundred ms (workbox-window waits 200 ms), then offer it the page.
      await new Promise((r) => setTimeout(r, 2000));
      expect(skipsBy(frame) - skipsOpen, 'no SKIP_WAITING from a closed instance').to.equal(0);
      expect(reg.active).to.equal(active);
    });
  }

  // A replay in a domain the order was sent to already is not stored as sending: only its lock says it is in flight
  // (without Web Locks, its lease in IndexedDB).
  for (const [engine, query] of [['', ''], [' (a page without Web Locks)', '&noLocks']]) {
    it(`a waiting new worker is not activated while a replay sends an order, and is once it is placed${engine}`, async () => {
      const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
      await be.hold('us', true);
      const namespace = uniqueNamespace();
      await createSchema(namespace);
      // Left pending by an ambiguous failure in `main`: its replay resends there, with no write before it.
      const waiting = pendingRecord(order('replayed'), { domains: ['main'] });
      await rawPut(namespace, 'outbox', [waiting]);
      const serviceWorker = worker(namespace, '/test/fixtures/versioned-sw');
      const tabOptions = options(be, namespace, { endpoints: be.sdk('us'), serviceWorker, budgetMs: 20_000, tuning: { attemptTimeoutMs: 15_000, minAttemptTimeoutMs: 15_000 } });
      // The tab records every message it posts to a worker.
      const { sc, frame } = await openTab(tabOptions, `&spyWorkerMessages${query}`, `/test/sw-scope/${namespace}/tab.html`);
      const skipsPosted = () => ((frame.contentWindow as Window & { workerMessages: unknown[] }).workerMessages ?? []).filter((m) => (m as { type?: string })?.type == 'SKIP_WAITING').length;
      await activeWorker(sc);
      const reg = (await navigator.serviceWorker.getRegistration(`/test/sw-scope/${namespace}/`))!;
      const first = reg.active!;
      // The page replays the order at load; the backend holds it.
      await until(async () => (await be.requests()).some((r) => r.route == 'checkout'), 'the replay to reach the backend');
      expect((await rawGet(namespace, 'outbox', waiting.id as string))?.status, 'not stored as sending').to.equal('pending');
      await reg.update();
      await until(() => reg.waiting?.state == 'installed', 'the new worker to wait', 10_000);
      // The page hears of the waiting worker within a few hundred ms (workbox-window waits 200 ms), then checks for orders in flight.
      await new Promise((r) => setTimeout(r, 2000));
      expect(skipsPosted(), 'no SKIP_WAITING while the replay is in flight').to.equal(0);
      expect(reg.active).to.equal(first);
      await be.hold('us', false);
      await until(async () => (await be.charges(waiting.id as string)) == 1, 'the order to be placed');
      await until(() => reg.active != first, 'the new worker to take over once the order is placed', 10_000);
      expect(skipsPosted()).to.be.greaterThan(0);
      expect(await be.ledger()).to.include({ charges: 1, duplicates: 0 });
    });
  }
});
