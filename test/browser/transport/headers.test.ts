/**
 * The `headers` option: per instance and per endpoint, static or a function
 * called for every request; steadycart's own headers cannot be overridden;
 * a function's headers never reach IndexedDB, and orders that need them
 * wait for a page.
 */
import { expect } from 'chai';
import type { RequestContext, SteadyCart, SteadyCartOptions } from '../../../src/index';
import { closeBackends, down, startBackend, up } from '../backend';
import { rawAll, rawDump } from '../hardening/raw-idb';
import { createCore } from '../../../src/core';
import { normalizeOptions, storeConfig, storedConfig } from '../../../src/options';
import { replaySyncTag } from '../../../src/worker-protocol';
import { Storage } from '../../../src/storage';
import { cleanup, deleteDatabase, open, rejection, sleep, uniqueNamespace, unregisterWorkers, until, workerScope } from '../helpers';

const order = (ref = 'o-1') => ({ orderRef: ref, items: [{ sku: 'mug', qty: 1 }], total: 1250, currency: 'EUR', payment: { token: 'pm_card_visa' } });

/** No hedging: each test knows exactly which requests leave. */
const TUNING = { hedge: false, attemptTimeoutMs: 1500, openMs: 300, maxOpenMs: 1000 } as const;
/** The same, with an opened circuit shut for a minute: no probe of it (which calls a headers function too) falls due during the test. */
const NO_PROBE = { ...TUNING, openMs: 60_000, maxOpenMs: 60_000 } as const;

async function sdk(options: SteadyCartOptions): Promise<SteadyCart> {
  return open({ namespace: uniqueNamespace(), budgetMs: 3000, tuning: TUNING, ...options });
}

/** A bearer token that changes on every call, and what each call was told. */
function tokens() {
  const calls: RequestContext[] = [];
  const fn = (request: RequestContext) => {
    calls.push(request);
    return { Authorization: `Bearer t${calls.length}` };
  };
  return { calls, fn };
}

describe('headers', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('a function is called for every request: each attempt, and the failover to a second endpoint with its own headers, carries a fresh value', async () => {
    const be = await startBackend();
    await be.fault('us', '503');
    const { calls, fn } = tokens();
    const [us, backup] = be.sdk('us', 'backup');
    // us's circuit opens on its 503: no probe of it may fall due (and call the function) before the checks.
    const sc = await sdk({ headers: fn, endpoints: [us!, { ...backup!, headers: { 'X-Csrf-Token': 'csrf-backup' } }], tuning: NO_PROBE });
    const r = await sc.placeOrder(order());
    expect(r.status).to.equal('confirmed');
    expect(r.result!.endpoint).to.equal(be.url('backup'));
    const sent = (await be.requests()).filter((q) => q.route == 'checkout');
    expect(sent.map((q) => [q.endpoint, q.authorization, q.csrf])).to.deep.equal([
      ['us', 'Bearer t1', null],
      ['backup', 'Bearer t2', 'csrf-backup'],
    ]);
    expect(calls).to.deep.equal([
      { endpoint: be.url('us'), kind: 'order', attempt: 1, context: 'page' },
      { endpoint: be.url('backup'), kind: 'order', attempt: 2, context: 'page' },
    ]);
  });

  it('a lookup carries the headers too, with its kind', async () => {
    const be = await startBackend();
    await be.fault('us', 'commit-drop');
    const { calls, fn } = tokens();
    // Should us's circuit open on the dropped answer, no probe of it may fall due (and call the function) before the checks.
    const sc = await sdk({ endpoints: be.sdk('us', 'backup'), headers: fn, tuning: NO_PROBE });
    const r = await sc.placeOrder(order());
    expect(r.status).to.equal('confirmed');
    const lookup = (await be.requests()).find((q) => q.route == 'lookup');
    expect(lookup?.authorization).to.equal('Bearer t2');
    // The lookup finds the order us committed. On a loaded machine the POST may reach us only after its attempt ran
    // out (seen in Firefox): the lookup then answers 404, closing the key there, and the order goes to backup, a third call.
    expect(calls.map((c) => [c.kind, c.attempt])).to.deep.equal([['order', 1], ['lookup', 2], ...(lookup?.status == 404 ? [['order', 3]] : [])]);
  });

  it('a circuit probe carries the headers too, on the health route or, without one, on a lookup of a random key', async () => {
    const be = await startBackend();
    const { calls, fn } = tokens();
    const namespace = uniqueNamespace();
    const [us, eu] = be.sdk('us', 'eu');
    const core = await createCore(normalizeOptions({ namespace, headers: fn, endpoints: [us!, { ...eu!, paths: { health: false } }] }));
    try {
      const [onUs, onEu] = core.config.endpoints;
      // Open circuits, as a probe finds them (a closed one is not probed).
      for (const e of [onUs!, onEu!]) core.circuits.failure(e, { body: null, error: 'network', ms: 5 });
      expect(await core.circuits.probe(onUs!)).to.equal(true);
      expect(await core.circuits.probe(onEu!)).to.equal(true);
    } finally {
      core.close();
      await deleteDatabase(namespace);
    }
    const probes = (await be.requests()).filter((q) => q.route != 'preflight').map((q) => [q.endpoint, q.route, q.authorization]);
    expect(probes).to.deep.equal([
      ['us', 'health', 'Bearer t1'],
      ['eu', 'lookup', 'Bearer t2'],
    ]);
    expect(calls.map((c) => [c.kind, c.attempt, c.context])).to.deep.equal([
      ['health', 1, 'page'],
      ['health', 1, 'page'],
    ]);
  });

  it('a probe whose headers function throws waits out its circuit\'s interval before the next: no probing without pause', async () => {
    const be = await startBackend();
    let calls = 0;
    const namespace = uniqueNamespace();
    const core = await createCore(
      normalizeOptions({
        namespace,
        endpoints: be.sdk('us'),
        tuning: { openMs: 1000, maxOpenMs: 1000 },
        headers: () => {
          calls++;
          throw new Error('no token offline');
        },
      }),
    );
    try {
      core.start();
      core.circuits.failure(core.config.endpoints[0]!, { body: null, error: 'network', ms: 5 });
      await sleep(3000);
    } finally {
      core.close();
      await deleteDatabase(namespace);
    }
    // One probe a second at most (the first due within 1 s): before, a failed headers call made the circuit due at
    // once, and its timer probed again at once, thousands of times in these seconds.
    expect(calls).to.be.within(1, 10);
    expect((await be.requests()).filter((q) => q.route != 'preflight')).to.deep.equal([]);
  });

  it("a waiting order sent as its due circuit's probe, whose headers function throws, leaves the circuit open for its interval, not half-open and probed again at once", async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }] });
    let broken = false;
    let refused = 0;
    const sc = await open({
      namespace: uniqueNamespace(),
      endpoints: be.sdk('us'),
      budgetMs: 3000,
      tuning: { attemptTimeoutMs: 1500, openMs: 5000, maxOpenMs: 5000 },
      headers: () => {
        if (broken) {
          refused++;
          throw new Error('the token service is down too');
        }
        return {};
      },
    });
    await be.fault('us', '503');
    expect((await sc.placeOrder(order('probe-without-headers'))).status).to.equal('pending');
    await until(() => sc.health().endpoints[0]!.state == 'open', 'the circuit to open');
    broken = true;
    await be.fault('us', 'healthy');
    // The circuit falls due within 5 s and the waiting order is its probe (half-open), which cannot be sent.
    await until(() => refused > 0, 'the order to be the probe', 15_000);
    // Before, the circuit stayed half-open, and its timer replayed the outbox again every attempt timeout.
    await until(
      () => {
        const us = sc.health().endpoints[0]!;
        return us.state == 'open' && us.retryAt! > Date.now() + 2000;
      },
      'the circuit open again for its interval',
      10_000,
    );
    expect(await be.charges((await sc.outbox.list())[0]!.id)).to.equal(0);
  });

  it('static headers of the instance and of an endpoint go on every request; the endpoint wins a name in both', async () => {
    const be = await startBackend();
    const [us] = be.sdk('us');
    const sc = await sdk({ headers: { authorization: 'Bearer shop', 'X-Csrf-Token': 'csrf-shop' }, endpoints: [{ ...us!, headers: { Authorization: 'Bearer us' } }] });
    expect((await sc.placeOrder(order())).status).to.equal('confirmed');
    const [post] = (await be.requests()).filter((q) => q.route == 'checkout');
    expect([post!.authorization, post!.csrf]).to.deep.equal(['Bearer us', 'csrf-shop']);
  });

  it("an endpoint's static value also wins a name the instance's function gives: the main API's token never goes to another backend", async () => {
    const be = await startBackend();
    const [us, backup] = be.sdk('us', 'backup');
    const sc = await sdk({ headers: () => ({ Authorization: 'Bearer main', 'X-Csrf-Token': 'csrf-fn' }), endpoints: [us!, { ...backup!, headers: { Authorization: 'Basic backup' } }] });
    // us refuses the order (not processed): it goes to backup.
    await be.fault('us', { kind: 'status', status: 503, routes: ['checkout'] });
    expect((await sc.placeOrder(order())).status).to.equal('confirmed');
    const posts = (await be.requests()).filter((q) => q.route == 'checkout');
    expect(posts.map((q) => [q.endpoint, q.authorization, q.csrf])).to.deep.equal([
      ['us', 'Bearer main', 'csrf-fn'],
      ['backup', 'Basic backup', 'csrf-fn'],
    ]);
  });

  it('Idempotency-Key, Steadycart-Attempt and Content-Type cannot be overridden: INVALID_OPTIONS at creation for static values, in any case, naming the header', async () => {
    const cases: Array<[SteadyCartOptions, string]> = [
      [{ headers: { 'Idempotency-Key': 'k' } }, 'headers.Idempotency-Key'],
      [{ headers: { value: { 'steadycart-attempt': '9' }, storable: true } }, 'headers.value.steadycart-attempt'],
      [{ endpoints: [{ url: 'https://pay.example.com', headers: { 'CONTENT-TYPE': 'text/plain' } }] }, 'endpoints[0].headers.CONTENT-TYPE'],
    ];
    for (const [options, path] of cases) {
      const error = await rejection(open({ namespace: uniqueNamespace(), ...options }));
      expect(error, path).to.include({ code: 'INVALID_OPTIONS', path });
    }
    const bad: Array<[unknown, string]> = [
      [{ 'Bad Name': 'x' }, 'headers.Bad Name'],
      [{ 'X-Ok': 'a\r\nInjected: 1' }, 'headers.X-Ok'],
      [{ 'X-Number': 1 }, 'headers.X-Number'],
      ['Bearer x', 'headers'],
      [{ value: 'x', storable: true }, 'headers.value'],
    ];
    for (const [headers, path] of bad) {
      const error = await rejection(open({ namespace: uniqueNamespace(), headers: headers as SteadyCartOptions['headers'] }));
      expect(error, path).to.include({ code: 'INVALID_OPTIONS', path });
    }
  });

  it('a function that returns a reserved name, or throws: the request is not sent, the order waits with the error code headers', async () => {
    const be = await startBackend();
    // Budgets of 3 s (sdk's): with 600 ms, a loaded machine once ran out before the first attempt ('unreachable').
    const reserved = await sdk({ endpoints: be.sdk('us'), headers: () => ({ 'Idempotency-Key': 'mine' }) });
    const r = await reserved.placeOrder(order('reserved'));
    expect(r.status).to.equal('pending');
    expect(r.error).to.include({ code: 'headers' });
    expect(r.error!.message).to.contain('idempotency-key');
    const throwing = await sdk({
      endpoints: be.sdk('us'),
      headers: async () => {
        throw new Error('token service down');
      },
    });
    const t = await throwing.placeOrder(order('throwing'));
    expect(t.status).to.equal('pending');
    expect(t.error).to.include({ code: 'headers' });
    expect(t.error!.message).to.contain('token service down');
    expect((await be.requests()).filter((q) => q.route != 'preflight')).to.have.length(0);
    // Nothing was sent, so nothing is in doubt and the endpoint's circuit stays closed.
    expect(throwing.health().endpoints[0]!.state).to.equal('closed');
  });

  it("a slow function's time counts within its attempt's timeout: the attempt never outlasts it", async () => {
    const be = await startBackend();
    const slowly = (ms: number) => async () => {
      await sleep(ms);
      return { Authorization: 'Bearer slow' };
    };
    // The function takes 4 s of a 5 s attempt, against an endpoint that never answers: the attempt
    // ends at 5 s, not after the function's 4 s and a whole attempt more (9 s). The bound sits
    // between the two, 2.5 s above the right answer for a busy machine.
    await be.fault('us', 'silent');
    const squeezed = await sdk({ endpoints: be.sdk('us'), headers: slowly(4000), budgetMs: 5000, tuning: { ...TUNING, attemptTimeoutMs: 5000 } });
    const t = await squeezed.placeOrder(order('squeezed'));
    expect(t.status).to.equal('pending');
    expect(t.elapsedMs, 'within the attempt: the function (4 s) plus a whole attempt (5 s) is 9 s').to.be.below(7500);
    // A function that outlasts the attempt: nothing is sent, the attempt fails with the code headers.
    await be.fault('us', 'healthy');
    const stuck = await sdk({ endpoints: be.sdk('us'), headers: slowly(3000), budgetMs: 1500, tuning: { ...TUNING, attemptTimeoutMs: 1500 } });
    const s = await stuck.placeOrder(order('stuck'));
    expect(s.status).to.equal('pending');
    expect(s.error).to.include({ code: 'headers' });
    expect((await be.requests()).filter((q) => q.key == s.id)).to.deep.equal([]);
    expect(stuck.health().endpoints[0]!.state, 'nothing was sent: nothing is held against the endpoint').to.equal('closed');
  });

  it("nothing of a function's headers or of unmarked static ones is in IndexedDB; health() and replay:needs-page say the worker leaves the order to a page", async () => {
    const be = await startBackend();
    await be.fault('us', '503');
    const namespace = uniqueNamespace();
    const needsPage: Array<{ id: string; reason: string }> = [];
    const [us] = be.sdk('us');
    const sc = await open({
      namespace,
      // Time for a first contact's preflight (slow in Firefox) and a few 503s before the order waits.
      budgetMs: 3000,
      tuning: TUNING,
      headers: () => ({ Authorization: 'Bearer secret-from-function' }),
      endpoints: [{ ...us!, headers: { 'X-Csrf-Token': 'secret-static' } }],
    });
    sc.on('replay:needs-page', (detail) => needsPage.push(detail));
    expect(sc.health().replayNeedsPage).to.equal(true);
    const r = await sc.placeOrder(order());
    expect(r.status).to.equal('pending');
    await until(() => needsPage.length, 'replay:needs-page');
    expect(needsPage[0]).to.deep.equal({ id: r.id, reason: 'headers' });
    const sent = (await be.requests()).filter((q) => q.route == 'checkout');
    expect(sent[0]).to.include({ authorization: 'Bearer secret-from-function', csrf: 'secret-static' });
    const dump = await rawDump(namespace);
    expect(dump).to.not.contain('secret-from-function');
    expect(dump).to.not.contain('secret-static');
    const config = (await rawAll<{ id: string; value: { replayNeedsPage: boolean } }>(namespace, 'meta')).find((m) => m.id == 'config');
    expect(config?.value.replayNeedsPage).to.equal(true);
  });

  it('static headers marked storable are kept for the service worker, which can then replay: no replay:needs-page', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open({ namespace, endpoints: be.sdk('us'), headers: { value: { 'X-Csrf-Token': 'shop-42' }, storable: true } });
    expect(sc.health().replayNeedsPage).to.equal(false);
    const config = (await rawAll<{ id: string; value: { replayNeedsPage: boolean; endpoints: Array<{ headers: unknown }> } }>(namespace, 'meta')).find((m) => m.id == 'config');
    expect(config?.value.replayNeedsPage).to.equal(false);
    expect(config?.value.endpoints[0]!.headers).to.deep.equal({ fixed: { 'x-csrf-token': 'shop-42' }, fns: [] });
  });
});

describe('headers in the service worker', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
    await unregisterWorkers();
  });

  it('the stored configuration keeps storable static headers; one whose headers need a page is not replayed with at all', async () => {
    const namespace = uniqueNamespace();
    const storage = new Storage(namespace, () => {});
    try {
      await storage.ready();
      const endpoints = [{ url: 'https://pay.example.com' }];
      await storeConfig(storage, normalizeOptions({ namespace, endpoints, headers: { value: { 'X-Shop-Id': '42' }, storable: true } }));
      expect((await storedConfig(storage))?.endpoints[0]!.headers).to.deep.equal({ fixed: { 'x-shop-id': '42' }, fns: [] });
      await storeConfig(storage, normalizeOptions({ namespace, endpoints, headers: { 'X-Shop-Id': '42' } }));
      expect(await storedConfig(storage)).to.equal(undefined);
      await storeConfig(storage, normalizeOptions({ namespace, endpoints, headers: () => ({ 'X-Shop-Id': '42' }) }));
      expect(await storedConfig(storage)).to.equal(undefined);
    } finally {
      storage.close();
      await deleteDatabase(namespace);
    }
  });

  it('with no page open, the worker places a waiting order with the storable headers (engines with Background Sync)', async function () {
    if (!('sync' in ServiceWorkerRegistration.prototype)) this.skip();
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const serviceWorker = { url: '/dist/steadycart-sw.js', scope: workerScope(namespace) };
    const sc = await open({ namespace, endpoints: be.sdk('us'), budgetMs: 600, tuning: TUNING, serviceWorker, headers: { value: { 'X-Csrf-Token': 'stored-42' }, storable: true } });
    await until(() => sc.health().worker == 'active', 'the worker to be active', 10_000);
    await down(be, '503', ['us']);
    const r = await sc.placeOrder(order('worker'));
    expect(r.status).to.equal('pending');
    // No page instance is left: whatever places the order now is a worker, with the headers the page stored.
    // A fresh registration, whose sync is registered below, does not wait for the browser's retry of the sync
    // the page registered while the endpoint was down (minutes away, should that sync have ended). That sync's
    // worker, unregistered but still running its event, may place the order first once us is back: a worker too.
    sc.close();
    await (await navigator.serviceWorker.getRegistration(serviceWorker.scope))!.unregister();
    await up(be, ['us']);
    const reg = await navigator.serviceWorker.register(`${serviceWorker.url}?namespace=${namespace}`, { scope: serviceWorker.scope });
    await until(() => reg.active?.state == 'activated', 'the new worker to activate', 10_000);
    await (reg as ServiceWorkerRegistration & { sync: { register(tag: string): Promise<void> } }).sync.register(replaySyncTag(namespace));
    await until(async () => (await be.charges(r.id)) == 1, 'the worker to place the order', 15_000);
    const posts = (await be.requests()).filter((q) => q.route == 'checkout');
    expect(posts.at(-1)).to.include({ key: r.id, status: 201, csrf: 'stored-42' });
  });
});
