/**
 * Hardening, messages between contexts. Tabs and the service worker talk
 * over a BroadcastChannel named after the namespace; the page talks to its
 * worker with postMessage. Anything malformed is dropped, never acted on,
 * and channel drops are counted in `health().droppedMessages`.
 *
 * Other origins cannot be tested because the platform already prevents them:
 * a BroadcastChannel only connects contexts of the same origin (and storage
 * partition), and a service worker only receives messages from clients of
 * its own origin. What a forger on this origin can do is send bad shapes,
 * and that is what is tested here.
 */
import { expect } from 'chai';
import type { OrderEvent, SteadyCart } from '../../../src/index';
import { closeBackends, type TestBackend } from '../backend';
import { cleanup, freshInstance, openTab, sleep, uniqueNamespace, until } from '../helpers';
import { probe, probeWaiting } from '../sw/worker-probe';

const ORDER_EVENTS = ['order:sending', 'order:pending', 'order:confirmed', 'order:rejected', 'order:failed', 'order:needs-payment', 'order:expired'] as const;

/** Id prefix of the end marker `forge` sends after the forged messages. */
const END = 'forge-end-';

/** Records every order event (but `forge`'s end markers) and endpoint state change `sc` emits. */
function record(sc: SteadyCart) {
  const orders: Array<[string, OrderEvent]> = [];
  const states: string[] = [];
  for (const type of ORDER_EVENTS) sc.on(type, (e) => String(e.id).startsWith(END) || orders.push([type, e]));
  sc.on('endpoint:state', (e) => states.push(`${e.url} ${e.state}`));
  return { orders, states };
}

/**
 * Posts `messages` on the namespace's channel as another context would, and
 * waits until `sc` has handled them all: a channel delivers one sender's
 * messages in order, so once `sc` emits the well-formed end marker sent last,
 * it has seen every message before it.
 */
async function forge(sc: SteadyCart, namespace: string, messages: unknown[]): Promise<void> {
  const forger = new BroadcastChannel(namespace);
  const end = `${END}${crypto.randomUUID()}`;
  const done = new Promise<void>((resolve) => sc.on('order:expired', (e) => e.id == end && resolve()));
  for (const m of messages) forger.postMessage(m);
  forger.postMessage({ t: 'order', event: { id: end, status: 'expired' } });
  await done;
  forger.close();
}

const endpointRecord = (url: string, extra: Record<string, unknown> = {}) => ({
  id: url,
  state: 'open',
  failures: 3,
  openMs: 60_000,
  retryAt: Date.now() + 60_000,
  samples: [],
  updatedAt: Date.now() + 1000,
  ...extra,
});

describe('hardening: BroadcastChannel messages', () => {
  let be: TestBackend;
  let namespace: string;
  let sc: SteadyCart;
  freshInstance(['us', 'eu'], (fresh) => void ({ be, namespace, sc } = fresh));

  it('malformed messages are dropped and counted in health().droppedMessages; nothing reaches a listener', async () => {
    const { orders, states } = record(sc);
    const cartEvents: unknown[] = [];
    sc.on('cart', (c) => cartEvents.push(c));
    const malformed = [
      null,
      undefined,
      42,
      'cart',
      ['order', { id: 'x', status: 'confirmed' }],
      {},
      { t: 'unknown' },
      { t: 'ORDER', event: { id: 'abcdefgh', status: 'confirmed' } },
      { t: 'order' },
      { t: 'order', event: null },
      { t: 'order', event: { id: 42, status: 'confirmed' } },
      { t: 'order', event: { id: 'abcdefgh', status: 'shipped' } },
      { t: 'order', event: { id: 'abcdefgh', status: 'confirmed', result: 'paid' } },
      { t: 'endpoint' },
      { t: 'endpoint', record: 'open' },
      { t: 'endpoint', record: endpointRecord(be.url('us'), { state: 'melted' }) },
      { t: 'endpoint', record: endpointRecord(be.url('us'), { retryAt: 'later' }) },
      { t: 'endpoint', record: endpointRecord(be.url('us'), { samples: ['fast'] }) },
      { t: 'endpoint', record: endpointRecord(be.url('us'), { failures: null }) },
    ];
    const before = sc.health().droppedMessages;
    await forge(sc, namespace, malformed);
    expect(sc.health().droppedMessages - before).to.equal(malformed.length);
    expect(orders).to.deep.equal([]);
    expect(states).to.deep.equal([]);
    expect(cartEvents).to.deep.equal([]);
    expect(sc.health().endpoints.map((e) => e.state)).to.deep.equal(['closed', 'closed']);
    expect((await sc.placeOrder({ orderRef: 'still-works', total: 1 })).status).to.equal('confirmed');
  });

  it('forged order events with bad inner shapes (result, error) never reach listeners, and are counted', async () => {
    // A listener relies on the documented shape: `result.status` a number, `error.code` a string.
    const { orders } = record(sc);
    const bad = [
      { t: 'order', event: { id: 'abcdefgh-1', status: 'confirmed', result: {} } },
      { t: 'order', event: { id: 'abcdefgh-2', status: 'confirmed', result: { status: '201', body: null, endpoint: be.url('us') } } },
      { t: 'order', event: { id: 'abcdefgh-3', status: 'rejected', result: { status: 402, body: null, endpoint: 7 } } },
      { t: 'order', event: { id: 'abcdefgh-4', status: 'pending', error: 'boom' } },
      { t: 'order', event: { id: 'abcdefgh-5', status: 'failed', error: { code: 1, message: null } } },
      { t: 'order', event: { id: '', status: 'confirmed' } },
    ];
    const before = sc.health().droppedMessages;
    await forge(sc, namespace, bad);
    expect(orders.map(([type, e]) => `${type} ${e.id}`), 'events that reached listeners').to.deep.equal([]);
    expect(sc.health().droppedMessages - before).to.equal(bad.length);
  });

  it('well-formed messages from another context are still acted on (the drops above are selective)', async () => {
    const { orders } = record(sc);
    const good: OrderEvent = { id: crypto.randomUUID(), status: 'confirmed', result: { status: 201, body: { ok: true }, endpoint: be.url('us') } };
    const before = sc.health().droppedMessages;
    await forge(sc, namespace, [{ t: 'order', event: good }, { t: 'cart' }]);
    expect(orders).to.deep.equal([['order:confirmed', good]]);
    expect(sc.health().droppedMessages - before).to.equal(0);
  });

  it('forged endpoint records for endpoints this page does not use change nothing', async () => {
    const { states } = record(sc);
    await forge(sc, namespace, [
      { t: 'endpoint', record: endpointRecord('http://127.0.0.1:9') },
      { t: 'endpoint', record: endpointRecord(`${be.url('us')}/`) },
      { t: 'endpoint', record: endpointRecord(be.url('us').replace('127.0.0.1', 'localhost')) },
    ]);
    expect(states).to.deep.equal([]);
    expect(sc.health().endpoints.map((e) => e.state)).to.deep.equal(['closed', 'closed']);
    const r = await sc.placeOrder({ orderRef: 'closed-circuits', total: 1 });
    expect(r.result!.endpoint).to.equal(be.url('us'));
  });

  it('a circuit record with an interval below tuning.openMs\'s bounds is dropped: a failing endpoint is not probed without pause', async () => {
    await be.fault('us', '503');
    const before = (await be.requests()).length;
    const dropped = sc.health().droppedMessages;
    const { states } = record(sc);
    // Due now, with openMs 0: each failed probe would make it due again at once, in every context.
    await forge(sc, namespace, [{ t: 'endpoint', record: endpointRecord(be.url('us'), { openMs: 0, retryAt: Date.now(), updatedAt: Date.now() }) }]);
    expect(states).to.deep.equal([]);
    expect(sc.health().droppedMessages).to.equal(dropped + 1);
    await sleep(1500);
    expect((await be.requests()).slice(before).filter((q) => q.route == 'health'), 'health probes of us').to.have.length(0);
  });

  it('a well-typed circuit record with absurd times (years ahead) cannot take an endpoint out of service', async () => {
    // Every context shares one clock, and circuits reopen within maxOpenMs: a record stamped
    // years ahead is forged or broken. If newer-wins trusted it, this page would skip `us`
    // for the rest of its life (a shop with one endpoint could then only queue orders),
    // and no later record from a real tab could replace it.
    const { states } = record(sc);
    const years = Date.now() + 10 * 365 * 86_400_000;
    await forge(sc, namespace, [{ t: 'endpoint', record: endpointRecord(be.url('us'), { updatedAt: years, retryAt: years }) }]);
    const r = await sc.placeOrder({ orderRef: 'absurd-times', total: 1 });
    expect(r.status).to.equal('confirmed');
    expect(r.result!.endpoint, 'the order went to the first endpoint, as configured').to.equal(be.url('us'));
    expect(states).to.deep.equal([]);
  });
});

describe('hardening: service worker messages', () => {
  async function unregister(scope: string): Promise<void> {
    const reg = await navigator.serviceWorker.getRegistration(scope);
    await reg?.unregister();
  }

  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  /**
   * A registration of the steadycart worker whose active worker controls a
   * tab (`waitingWorker`: with a newer version waiting; the versioned fixture
   * differs on every fetch). Registered by the test itself, not by the SDK,
   * and the tab's instance has `serviceWorker: false`: otherwise it would
   * take the worker that controls it as the shop's own and activate a waiting
   * worker by itself as soon as no order is in flight.
   */
  async function controlledWorker(namespace: string, offline = false): Promise<ServiceWorkerRegistration> {
    const scope = `/test/sw-scope/${namespace}/`;
    const reg = await navigator.serviceWorker.register(`/test/fixtures/versioned-sw?namespace=${namespace}${offline ? '&offline=1' : ''}`, { scope });
    await until(() => reg.active?.state == 'activated', 'the first worker to activate', 10_000);
    // A client for the active worker (it claims clients when it activates), so that an update has to wait.
    const { frame } = await openTab({ namespace, serviceWorker: false }, '', `${scope}tab.html`);
    await until(() => (frame.contentWindow as Window).navigator.serviceWorker.controller, 'the tab to be controlled', 10_000);
    return reg;
  }

  async function waitingWorker(namespace: string): Promise<ServiceWorkerRegistration> {
    const reg = await controlledWorker(namespace);
    await reg.update();
    await until(() => reg.waiting, 'a new worker waiting', 10_000);
    return reg;
  }

  it('SKIP_WAITING in a malformed shape does not activate a waiting worker; the exact message does', async () => {
    const namespace = uniqueNamespace();
    try {
      const reg = await waitingWorker(namespace);
      const first = reg.active!;
      for (const message of [
        'SKIP_WAITING',
        null,
        { type: 'skip_waiting' },
        { type: ['SKIP_WAITING'] },
        { type: [['SKIP_WAITING']] },
        { kind: 'SKIP_WAITING' },
        [{ type: 'SKIP_WAITING' }],
        { type: 'SKIP_WAITING ' },
      ]) {
        // The worker handles its messages in order: the probe's answer comes after this one was handled
        // (a replacement of the waiting worker gets the message again).
        const deeds = await probeWaiting(reg, (waiting) => waiting.postMessage(message));
        expect(deeds.skips, `skipWaiting() calls after ${JSON.stringify(message)}`).to.equal(0);
        expect(reg.active == first, `the old worker still active after ${JSON.stringify(message)}`).to.equal(true);
      }
      // Positive control: the message the page sends does activate it.
      await until(() => reg.waiting, 'a worker waiting');
      reg.waiting!.postMessage({ type: 'SKIP_WAITING' });
      await until(() => reg.active != first, 'the new worker to take over', 10_000);
    } finally {
      await unregister(`/test/sw-scope/${namespace}/`);
    }
  });

  it('CACHE_URLS with malformed payloads or other origins caches nothing foreign, and the worker keeps working', async () => {
    const namespace = uniqueNamespace();
    const scope = `/test/sw-scope/${namespace}/`;
    try {
      const reg = await controlledWorker(namespace, true);
      const worker = reg.active!;
      const cacheName = `${namespace}-shell`;
      for (const message of [
        { type: 'CACHE_URLS' },
        { type: 'CACHE_URLS', payload: 'x' },
        { type: 'CACHE_URLS', payload: { urlsToCache: 'http://127.0.0.1:9/evil.js' } },
        { type: 'CACHE_URLS', payload: { urlsToCache: [42, null, {}, 'http://127.0.0.1:9/evil.js', 'https://example.com/evil.js', 'javascript:alert(1)', '::not a url::'] } },
      ]) {
        worker.postMessage(message);
      }
      // Answered once every message before it was handled and the cache work they started settled.
      const tried = (await probe(worker))!.added;
      expect(tried.filter((u) => new URL(u, location.href).origin != location.origin), 'foreign URLs the worker tried to cache').to.deep.equal([]);
      const cached = (await caches.has(cacheName)) ? (await (await caches.open(cacheName)).keys()).map((r) => r.url) : [];
      expect(cached.filter((u) => new URL(u).origin != location.origin)).to.deep.equal([]);
      // The worker still answers: a proper message is still handled.
      worker.postMessage({ type: 'CACHE_URLS', payload: { urlsToCache: ['/test/fixtures/tab.html?cacheable'] } });
      await until(async () => (await caches.open(cacheName).then((c) => c.match('/test/fixtures/tab.html?cacheable'))) !== undefined, 'a same-origin URL to be cached', 10_000);
      expect(worker.state, 'the worker that handled the messages is still the active one').to.equal('activated');
    } finally {
      await caches.delete(`${namespace}-shell`);
      await unregister(scope);
    }
  });
});
