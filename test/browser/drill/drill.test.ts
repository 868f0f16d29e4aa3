import { expect } from 'chai';
import type { DrillEvent, DrillOptions, SteadyCart, SteadyCartEvents, SteadyCartOptions } from '../../../src/index';
import { closeBackends, startBackend, type LoggedRequest, type TestBackend } from '../backend';
import { cleanup, open, openTab, order, QUICK_TUNING, rejection, sleep, uniqueNamespace, until } from '../helpers';
import { ON_ONE_ENDPOINT } from './faults';

/** An instance in drill mode on `names`, with short timeouts so that a drilled order queues in about a second. */
const drillable = (be: TestBackend, names = ['us', 'eu', 'backup'], extra: SteadyCartOptions = {}): Promise<SteadyCart> =>
  open({ namespace: uniqueNamespace(), endpoints: be.sdk(...names), tuning: QUICK_TUNING, budgetMs: 2000, drill: true, ...extra });

/** Requests for order `id` that reached the backend (preflights excluded). */
const requestsFor = async (be: TestBackend, id: string): Promise<LoggedRequest[]> => (await be.requests()).filter((r) => r.key == id && r.route != 'preflight');

/** Every event of `type` from now on. */
function record<K extends keyof SteadyCartEvents>(sc: SteadyCart, type: K): Array<SteadyCartEvents[K]> {
  const seen: Array<SteadyCartEvents[K]> = [];
  sc.on(type, (detail) => seen.push(detail));
  return seen;
}

/**
 * The drill left nothing behind: every order in the outbox is confirmed (waiting
 * for a replay if need be), each one charged exactly once, and no order lost.
 */
async function settledOnce(sc: SteadyCart, be: TestBackend, ids: string[]): Promise<void> {
  await until(async () => (await sc.outbox.list()).every((e) => e.status == 'confirmed'), 'every order confirmed', 20_000);
  expect((await sc.outbox.list()).map((e) => e.id).sort()).to.deep.equal([...ids].sort());
  for (const id of ids) expect(await be.charges(id), `charges of ${id}`).to.equal(1);
  expect((await be.ledger()).duplicates).to.equal(0);
}

/**
 * Normal traffic again: every circuit closed, and a new order sent first to the first endpoint and
 * confirmed (on a busy machine, possibly by its hedge to the second), without the drill header.
 */
async function normalTraffic(sc: SteadyCart, be: TestBackend, ref: string): Promise<string> {
  expect(sc.health().drill).to.equal(undefined);
  await until(() => sc.health().endpoints.every((e) => e.state == 'closed'), 'every circuit closed', 15_000);
  const r = await sc.placeOrder(order(ref));
  expect(r.status).to.equal('confirmed');
  const sent = await requestsFor(be, r.id);
  expect(sent[0]?.endpoint).to.equal('us');
  expect([be.url('us'), be.url('eu')]).to.include(r.result!.endpoint);
  expect(sent.map((q) => q.drill)).to.deep.equal(sent.map(() => null));
  return r.id;
}

// Every test's instances, frames and backends go when it ends.
afterEach(async () => {
  await cleanup();
  await closeBackends();
});

describe('drill mode: off unless asked for', () => {
  afterEach(() => {
    localStorage.removeItem('steadycart:drill');
    sessionStorage.removeItem('steadycart:drill');
  });

  it('without drill: true there is no sc.drill, and no query string, message or stored value starts a drill', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const drillLike = JSON.stringify({ fault: 'refuse', forMs: 60_000 } satisfies DrillOptions);
    localStorage.setItem('steadycart:drill', drillLike);
    sessionStorage.setItem('steadycart:drill', drillLike);
    const query = `&drill=${encodeURIComponent(drillLike)}&steadycart-drill=refuse#drill=refuse`;
    // Default tuning: a first request slower than QUICK_TUNING's 400 ms on a busy machine would queue the order.
    const plain = await openTab({ namespace, endpoints: be.sdk('us') }, query);
    const drillMode = await openTab({ namespace: uniqueNamespace(), endpoints: be.sdk('us'), drill: true }, query);
    for (const { frame } of [plain, drillMode]) frame.contentWindow!.postMessage({ type: 'steadycart:drill', drill: JSON.parse(drillLike) }, '*');
    const channel = new BroadcastChannel(namespace);
    channel.postMessage({ t: 'drill', drill: JSON.parse(drillLike) });
    channel.close();
    await sleep(100);

    expect(plain.sc.drill).to.equal(undefined);
    expect('drill' in plain.sc).to.equal(false);
    for (const { sc } of [plain, drillMode]) {
      expect(sc.health().drill).to.equal(undefined);
      const r = await sc.placeOrder(order('not-drilled'));
      expect(r.status).to.equal('confirmed');
      // Without the drill header (a busy machine may send the order twice: each time without it).
      const sent = await requestsFor(be, r.id);
      expect(sent).to.not.deep.equal([]);
      expect(sent.map((q) => q.drill)).to.deep.equal(sent.map(() => null));
    }
  });

  it('the script-tag build leaves drill mode out: drill: true fails there with INVALID_OPTIONS, before anything starts', async () => {
    const frame = document.createElement('iframe');
    frame.srcdoc = '<script src="/dist/steadycart.iife.js"></script>';
    const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    document.body.append(frame);
    await loaded;
    try {
      const { createSteadyCart } = (frame.contentWindow as Window & { SteadyCart: typeof import('../../../src/index') }).SteadyCart;
      const namespace = uniqueNamespace();
      const error = await rejection(createSteadyCart({ namespace, drill: true }));
      expect(error).to.include({ code: 'INVALID_OPTIONS', path: 'drill' });
      // As for every bad option: no database opened, so no worker registered, no probe sent either.
      expect((await indexedDB.databases()).filter((d) => d.name == namespace)).to.deep.equal([]);
    } finally {
      frame.remove();
    }
  });

  it('bad options fail with INVALID_OPTIONS naming the field, and nothing starts', async () => {
    const be = await startBackend();
    expect((await rejection(open({ namespace: uniqueNamespace(), drill: 'yes' as unknown as boolean }))).code).to.equal('INVALID_OPTIONS');
    const sc = await drillable(be, ['us']);
    const bad: Array<[unknown, string]> = [
      [{ fault: 'explode' }, 'fault'],
      [{ fault: 'refuse', endpoint: be.url('eu') }, 'endpoint'],
      [{ fault: 'refuse', endpoint: 'not a url' }, 'endpoint'],
      [{ fault: 'refuse', forMs: 0 }, 'forMs'],
      [{ fault: 'refuse', forMs: 7_200_000 }, 'forMs'],
      [{ fault: 'slow', slowMs: -1 }, 'slowMs'],
      [{ fault: '503', retryAfterSeconds: 1.5 }, 'retryAfterSeconds'],
      // A misspelt option is never ignored (a 3 s slow-down would run where 10 s was asked for).
      [{ fault: 'slow', slowMS: 10_000 }, 'slowMS'],
      [null, ''],
    ];
    for (const [options, path] of bad) {
      const error = await rejection(() => sc.drill!.start(options as DrillOptions));
      expect(error, JSON.stringify(options)).to.include({ code: 'INVALID_OPTIONS', path });
    }
    expect(sc.health().drill).to.equal(undefined);
  });
});

describe('drill mode: each fault against the reference backend', () => {
  for (const { fault, options, tuning, reaches } of ON_ONE_ENDPOINT) {
    it(`${fault} on one endpoint: confirmed through the other, charged once, every request and event says drill; stop() returns to normal traffic`, async () => {
      const be = await startBackend();
      const sc = await drillable(be, undefined, { tuning: { ...QUICK_TUNING, ...tuning }, budgetMs: 6000 });
      const attempts = record(sc, 'attempt');
      const drills = record(sc, 'drill');
      const started = sc.drill!.start({ endpoint: be.url('us'), fault, forMs: 60_000, ...options });
      expect(sc.health().drill).to.deep.equal(started);
      expect(started).to.include({ endpoint: be.url('us'), fault });

      const r = await sc.placeOrder(order(`one-${fault}`));
      expect(r.status).to.equal('confirmed');
      expect(r.result!.endpoint).to.equal(be.url('eu'));
      expect(await be.charges(r.id)).to.equal(1);
      const sent = await requestsFor(be, r.id);
      expect(sent.map((q) => q.drill)).to.deep.equal(sent.map(() => '1'));
      // Refused, silent and 503 never reach the server; slow and drop-after-commit really send.
      expect(sent.some((q) => q.endpoint == 'us')).to.equal(reaches);
      expect(attempts.filter((a) => a.id == r.id).map((a) => a.drill)).to.include(true).and.not.include(undefined);

      sc.drill!.stop();
      expect(drills.map((d) => [d.state, d.reason])).to.deep.equal([['started', undefined], ['ended', 'stop']]);
      const after = await normalTraffic(sc, be, `after-${fault}`);
      await settledOnce(sc, be, [r.id, after]);
    });
  }

  it('a slow drill that ends while it holds answers back teaches no latency either: its requests began while it ran', async () => {
    const be = await startBackend();
    const sc = await drillable(be, ['us', 'eu'], { tuning: { ...QUICK_TUNING, attemptTimeoutMs: 4000, hedge: false }, budgetMs: 10_000 });
    expect((await sc.placeOrder(order('before'))).status).to.equal('confirmed');
    const learned = ({ latencyMs, p95Ms }: { latencyMs: number | null; p95Ms: number | null }) => [latencyMs, p95Ms];
    const before = learned(sc.health().endpoints[0]!);
    // The drill ends by its timer (300 ms) while the answers are still held back (1,500 ms).
    sc.drill!.start({ endpoint: be.url('us'), fault: 'slow', slowMs: 1500, forMs: 300 });
    const results = await Promise.all([0, 1, 2].map((i) => sc.placeOrder(order(`slow-${i}`))));
    expect(results.map((r) => r.status)).to.deep.equal(['confirmed', 'confirmed', 'confirmed']);
    expect(sc.health().drill).to.equal(undefined);
    // Only the drill's orders reached us since: what it knew of us's latency is what it knew before them.
    expect(learned(sc.health().endpoints[0]!), "us's latency and p95").to.deep.equal(before);
  });

  for (const fault of ['refuse', 'silent', 'slow', '503'] as const) {
    it(`${fault} on every endpoint: the order waits unconfirmed; after stop() it is placed, charged once`, async () => {
      const be = await startBackend();
      const sc = await drillable(be, ['us', 'eu', 'backup'], { budgetMs: 800 });
      sc.drill!.start({ fault, forMs: 60_000, slowMs: 3000 });
      const r = await sc.placeOrder(order(`all-${fault}`));
      expect(r.status).to.equal('pending');
      // Only a slow backend has the order (its answer is still on the way); none reached backup.
      expect((await requestsFor(be, r.id)).some((q) => q.endpoint == 'backup')).to.equal(false);
      if (fault != 'slow') expect(await be.charges(r.id)).to.equal(0);

      sc.drill!.stop();
      await settledOnce(sc, be, [r.id]);
      await normalTraffic(sc, be, `after-all-${fault}`);
    });
  }

  it('drop-after-commit on every endpoint: the order is found by a lookup and confirmed during the drill, charged once', async () => {
    const be = await startBackend();
    const sc = await drillable(be);
    sc.drill!.start({ fault: 'drop-after-commit', forMs: 60_000 });
    const r = await sc.placeOrder(order('all-drop'));
    expect(r.status).to.equal('confirmed');
    expect(await be.charges(r.id)).to.equal(1);
    const sent = await requestsFor(be, r.id);
    expect(sent.some((q) => q.route == 'lookup')).to.equal(true);
    expect(sent.some((q) => q.endpoint == 'backup')).to.equal(false);
    sc.drill!.stop();
    await settledOnce(sc, be, [r.id]);
  });
});

describe('drill mode: the end of a drill', () => {
  it('its timer ends it: the waiting order is placed and traffic is normal again', async () => {
    const be = await startBackend();
    const sc = await drillable(be, ['us', 'eu'], { budgetMs: 600 });
    const ended = new Promise<DrillEvent>((resolve) => sc.on('drill', (e) => e.state == 'ended' && resolve(e)));
    sc.drill!.start({ fault: 'refuse', forMs: 1500 });
    const r = await sc.placeOrder(order('timer'));
    expect(r.status).to.equal('pending');
    expect((await ended).reason).to.equal('timer');
    await settledOnce(sc, be, [r.id]);
    await normalTraffic(sc, be, 'after-timer');
  });

  it('a reload ends it: the new page sends normal traffic', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const { sc, frame } = await openTab({ namespace, endpoints: be.sdk('us', 'eu'), tuning: QUICK_TUNING, budgetMs: 600, drill: true });
    sc.drill!.start({ fault: 'refuse', forMs: 60_000 });
    const r = await sc.placeOrder(order('reload'));
    expect(r.status).to.equal('pending');

    const win = frame.contentWindow as Window & { steadycart?: Promise<SteadyCart> };
    const reloaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    win.location.reload();
    await reloaded;
    const fresh = frame.contentWindow as Window & { steadycart?: Promise<SteadyCart> };
    await until(() => fresh.steadycart, 'the reloaded page');
    const again = await fresh.steadycart!;
    try {
      expect(again.health().drill).to.equal(undefined);
      // The new page replays the order the drill left waiting, and its own orders go as usual.
      const id = await normalTraffic(again, be, 'after-reload');
      await settledOnce(again, be, [r.id, id]);
    } finally {
      again.close();
    }
  });

  it("stop() ends a 503 drill's Retry-After: the endpoint is probed at once, not when the drill's pace runs out", async () => {
    const be = await startBackend();
    // The default tuning (maxOpenMs 30 s), so that the drill's 20 s would be honoured in full.
    const sc = await open({ namespace: uniqueNamespace(), endpoints: be.sdk('us', 'eu'), drill: true });
    sc.drill!.start({ endpoint: be.url('us'), fault: '503', retryAfterSeconds: 20, forMs: 60_000 });
    const r = await sc.placeOrder(order('paced'));
    expect(r.status).to.equal('confirmed');
    expect(sc.health().endpoints[0]!.state).to.equal('open');
    sc.drill!.stop();
    // Within 10 s of the 20 the drill asked for.
    await until(() => sc.health().endpoints[0]!.state == 'closed', 'us closed again after the drill', 10_000);
    await normalTraffic(sc, be, 'after-503');
  });

  it("stop() of a drill other than 503 leaves a server's Retry-After alone: the endpoint's next probe stays where the server put it", async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const sc = await open({ namespace, endpoints: be.sdk('us', 'eu'), drill: true });
    // Another tab met us's real 503 with Retry-After: 30, and says so.
    const now = Date.now();
    const news = new BroadcastChannel(namespace);
    news.postMessage({ t: 'endpoint', record: { id: be.url('us'), state: 'open', failures: 1, openMs: 2000, retryAt: now + 30_000, notBefore: now + 30_000, samples: [], updatedAt: now } });
    news.close();
    await until(() => sc.health().endpoints[0]!.state == 'open', "us's circuit open in this tab");
    sc.drill!.start({ endpoint: be.url('us'), fault: 'refuse', forMs: 60_000 });
    sc.drill!.stop();
    expect(sc.health().endpoints[0]!.retryAt, "us's next probe").to.equal(now + 30_000);
  });

  it('the latency a slow drill adds is not learned: attempt timeouts and hedges after it are as before it', async () => {
    const be = await startBackend();
    const sc = await drillable(be, ['us', 'eu'], { tuning: { attemptTimeoutMs: 1500, hedge: false }, budgetMs: 10_000 });
    expect((await sc.placeOrder(order('before'))).status).to.equal('confirmed');
    const learned = ({ latencyMs, p95Ms }: { latencyMs: number | null; p95Ms: number | null }) => [latencyMs, p95Ms];
    const before = learned(sc.health().endpoints[0]!);
    sc.drill!.start({ endpoint: be.url('us'), fault: 'slow', slowMs: 700, forMs: 60_000 });
    for (let i = 0; i < 5; i++) expect((await sc.placeOrder(order(`slow-${i}`))).status).to.equal('confirmed');
    sc.drill!.stop();
    // Five drilled answers of 700 ms and more would make both the median and the p95: they are as they were.
    expect(learned(sc.health().endpoints[0]!), "us's latency and p95").to.deep.equal(before);
  });

  it('a new start() replaces the running drill; close() ends it quietly', async () => {
    const be = await startBackend();
    const sc = await drillable(be, ['us', 'eu']);
    const drills = record(sc, 'drill');
    sc.drill!.start({ fault: 'refuse', forMs: 60_000 });
    sc.drill!.start({ endpoint: be.url('us'), fault: '503', forMs: 60_000 });
    expect(drills.map((d) => [d.state, d.drill.fault, d.reason])).to.deep.equal([
      ['started', 'refuse', undefined],
      ['ended', 'refuse', 'replaced'],
      ['started', '503', undefined],
    ]);
    expect(sc.health().drill).to.include({ fault: '503', retryAfterSeconds: 5 });
    sc.close();
    expect((await rejection(() => sc.drill!.start({ fault: 'refuse' }))).code).to.equal('CLOSED');
  });
});
