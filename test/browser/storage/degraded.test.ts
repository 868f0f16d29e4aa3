import { expect } from 'chai';
import { closeBackends, startBackend } from '../backend';
import { createSchema, pendingRecord, rawGet, rawOpen, rawPut } from '../hardening/raw-idb';
import { cleanup, item, open, openTab, uniqueNamespace, until } from '../helpers';

describe('degraded storage', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('invariant 8: without IndexedDB, orders are still placed online (once) and health() says storage is memory', async () => {
    const be = await startBackend();
    const { sc } = await openTab({ namespace: uniqueNamespace(), endpoints: be.sdk('us', 'eu') }, '&noIndexedDB');
    expect(sc.health().storage).to.equal('memory');
    const r = await sc.placeOrder({ orderRef: 'no-idb', items: [{ sku: 'mug', qty: 1 }], total: 1250 });
    expect(r.status).to.equal('confirmed');
    expect(r.result!.status).to.equal(201);
    expect(await be.charges(r.id)).to.equal(1);
    expect((await sc.outbox.list()).map((e) => [e.id, e.status])).to.deep.equal([[r.id, 'confirmed']]);
  });

  it('in memory, an order keeps only the domains still in doubt, as on IndexedDB: one that met 503 there and no answer elsewhere goes back to the second', async () => {
    const be = await startBackend({ endpoints: [{ name: 'us', domain: 'main' }, { name: 'backup', domain: 'backup' }] });
    const { sc } = await openTab({ namespace: uniqueNamespace(), endpoints: be.sdk('us', 'backup'), budgetMs: 1500, tuning: { attemptTimeoutMs: 400, openMs: 60_000, maxOpenMs: 60_000 } }, '&noIndexedDB');
    expect(sc.health().storage).to.equal('memory');
    // main says "not processed"; backup takes the order and never answers: in doubt in backup only.
    await be.fault('us', '503');
    await be.fault('backup', { kind: 'silent', routes: ['checkout'] });
    const r = await sc.placeOrder({ orderRef: 'in-doubt-in-backup', total: 1250 });
    expect(r.status).to.equal('pending');
    // Now main is away and backup answers: the order may go back to backup, its only domain in doubt.
    await be.fault('us', 'refuse');
    await be.fault('backup', 'healthy');
    // Its 400 ms attempts may time out on a loaded machine (Firefox in CI112): the order then waits again, still in
    // doubt in backup only, and goes there on the next retry. Never to another domain, and charged once.
    let entry = await sc.outbox.retry(r.id);
    for (let i = 0; i < 5 && entry.status == 'pending'; i++) entry = await sc.outbox.retry(r.id);
    expect(entry.status).to.equal('confirmed');
    expect(entry.result!.endpoint).to.equal(be.url('backup'));
    expect(await be.charges(r.id)).to.equal(1);
  });

  it('as in a sandboxed frame (no IndexedDB, Web Locks refusing every request), orders are placed and replayed under the in-memory lease', async () => {
    const be = await startBackend();
    const { sc } = await openTab({ namespace: uniqueNamespace(), endpoints: be.sdk('us', 'eu') }, '&noIndexedDB&refuseLocks');
    expect(sc.health().storage).to.equal('memory');
    const r = await sc.placeOrder({ orderRef: 'sandboxed', items: [{ sku: 'mug', qty: 1 }], total: 1250 });
    expect(r.status).to.equal('confirmed');
    expect(await be.charges(r.id)).to.equal(1);
    // And a replay: an order left waiting is placed once the backend is back.
    await be.fault('us', 'refuse');
    await be.fault('eu', 'refuse');
    const waiting = await sc.placeOrder({ orderRef: 'sandboxed-later', total: 990 }, { budgetMs: 500 });
    expect(waiting.status).to.equal('pending');
    await be.fault('us', 'healthy');
    await be.fault('eu', 'healthy');
    expect((await sc.outbox.retry(waiting.id)).status).to.equal('confirmed');
    expect(await be.charges(waiting.id)).to.equal(1);
    expect(sc.health().lastReplayError).to.equal(undefined);
  });

  it('invariant 3 in memory: an order copied from the database as this tab degrades may have been placed by another context, so it reaches another domain only after a lookup', async () => {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const [us, backup] = be.sdk('us', 'backup');
    const sc = await open({ namespace, endpoints: [us!, backup!], budgetMs: 2000 });
    // An order waiting in the database, which another context is about to send: it holds the order's lock.
    const record = pendingRecord({ orderRef: 'copied', total: 990, payment: { token: 'pm_copy' } });
    const key = record.id as string;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await new Promise<void>((taken) => void navigator.locks.request(`${namespace}:order:${key}`, () => (taken(), held)));
    await rawPut(namespace, 'outbox', [record]);
    // A newer build of the shop upgrades the database: this tab goes on in memory, with a copy of it.
    (await rawOpen(namespace, 99)).close();
    await until(() => sc.health().storage == 'memory', 'the tab to degrade');
    // Meanwhile another context, on the database, placed the order in domain main; its answer was lost, and us went down.
    const placed = await fetch(`${us!.url}/checkout`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key }, body: record.body as string });
    expect(placed.status).to.equal(201);
    await be.fault('us', 'refuse');
    // That context tells every tab us's circuit is open, and that its server asked for 20 s of quiet (Retry-After).
    const channel = new BroadcastChannel(namespace);
    const quietUntil = Date.now() + 20_000;
    channel.postMessage({ t: 'endpoint', record: { id: us!.url, state: 'open', failures: 3, openMs: 20_000, retryAt: quietUntil, notBefore: quietUntil, samples: [], updatedAt: Date.now() } });
    channel.close();
    await until(() => sc.health().endpoints[0]!.state == 'open', "the news of us's circuit");
    release();
    const entry = await sc.outbox.retry(key);
    // main cannot be asked (us refuses), so the order may not go to backup: it waits, charged once.
    expect(entry.status).to.equal('pending');
    expect((await be.requestsTo('backup')).filter((q) => q.route == 'checkout')).to.have.length(0);
    expect(await be.charges(key)).to.equal(1);
  });

  /**
   * An order waiting in the database that this tab copies as it falls back to memory (its lock is held
   * meanwhile, as by another context about to send it); `degrade` makes the tab fall back.
   */
  async function copiedOrder(orderRef: string, degrade: (namespace: string) => Promise<void>, extra: Record<string, unknown> = {}) {
    const be = await startBackend();
    const namespace = uniqueNamespace();
    const [us, backup] = be.sdk('us', 'backup');
    const sc = await open({ namespace, endpoints: [us!, backup!], budgetMs: 2000 });
    const record = pendingRecord({ orderRef, total: 990, payment: { token: 'pm_copy' } }, extra);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await new Promise<void>((taken) => void navigator.locks.request(`${namespace}:order:${record.id}`, () => (taken(), held)));
    await rawPut(namespace, 'outbox', [record]);
    await degrade(namespace);
    await until(() => sc.health().storage == 'memory', 'the tab to degrade');
    release();
    return { be, sc, key: record.id as string };
  }

  it('invariant 3 in memory: a copied order is only looked up from this tab, never sent, since its copy in the database may go to any domain meanwhile', async () => {
    // A newer build of the shop upgrades the database: contexts on that build go on with the order.
    const { be, sc, key } = await copiedOrder('copied-upgraded', async (namespace) => (await rawOpen(namespace, 99)).close());
    const entry = await sc.outbox.retry(key);
    expect(entry.status).to.equal('pending');
    const requests = [...(await be.requestsTo('us')), ...(await be.requestsTo('backup'))].map((q) => q.route);
    expect(requests, 'looked up').to.include('lookup');
    expect(requests, 'never sent from the copy').to.not.include('checkout');
    expect(await be.charges(key)).to.equal(0);
  });

  it('honest states in memory: a copied order whose payment token died is not told needs-payment by lookups that closed nothing (the database\'s copy may still be placed)', async () => {
    // The order may have been sent from the database (as the test above): in doubt in main, its token dying soon.
    const tokenExpiresAt = Date.now() + 1500;
    const { be, sc, key } = await copiedOrder('copied-token-dies', async (namespace) => (await rawOpen(namespace, 99)).close(), { domains: ['main'], tokenExpiresAt });
    const told: string[] = [];
    sc.on('order:needs-payment', ({ id }) => told.push(id));
    await until(() => Date.now() > tokenExpiresAt, 'the payment token to die', 5000);
    // Its lookups (without close=1, as from a copy) find nothing: not yet, or the database's copy never went.
    expect((await sc.outbox.retry(key)).status).to.equal('pending');
    expect((await sc.outbox.retry(key)).status, 'replayed again').to.equal('pending');
    const lookups = (await be.requests()).filter((q) => q.key == key).map((q) => `${q.route} ${q.status}`);
    expect(lookups).to.include('lookup 404');
    expect(lookups).to.not.include('checkout 201');
    expect(told).to.deep.equal([]);
  });

  it('nothing lost in memory: when the database was deleted, the copy is the only one, and is placed once', async () => {
    const { be, sc, key } = await copiedOrder('copied-deleted', (namespace) =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(namespace);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
      }),
    );
    const entry = await sc.outbox.retry(key);
    expect(entry.status).to.equal('confirmed');
    expect(await be.charges(key)).to.equal(1);
  });

  it('without IndexedDB, the cart works in memory and says so through storage:degraded and health()', async () => {
    const { sc } = await openTab({ namespace: uniqueNamespace() }, '&noIndexedDB');
    expect(sc.health().storage).to.equal('memory');
    expect(sc.health().storageError).to.be.a('string');
    const cart = await sc.cart.add(item('a', { qty: 2 }));
    expect(cart.count).to.equal(2);
    expect((await sc.cart.get()).count).to.equal(2);
  });

  it('nothing lost: a cart change made while another tab\'s upgrade has this tab copy its database into memory is in the copy, and stays', async () => {
    const namespace = uniqueNamespace();
    const sc = await open({ namespace });
    await sc.cart.add(item('a'));
    // A connection of the test's own, opened after the SDK's: told of the upgrade right after it, while the
    // SDK copies the database into memory, it makes a change then.
    const mine = await rawOpen(namespace);
    let added: Promise<{ items: Array<{ sku: string }> }> | undefined;
    mine.onversionchange = () => {
      added = sc.cart.add(item('x'));
      mine.close();
    };
    // A newer build of the shop upgrades the database in another tab.
    (await rawOpen(namespace, 99)).close();
    expect((await added!).items.map((i) => i.sku)).to.deep.equal(['a', 'x']);
    expect(sc.health().storage).to.equal('memory');
    expect((await sc.cart.get()).items.map((i) => i.sku)).to.deep.equal(['a', 'x']);
    expect((await sc.cart.add(item('y'))).items.map((i) => i.sku)).to.deep.equal(['a', 'x', 'y']);
  });

  it('when the database cannot open (a newer version exists), it degrades to memory and emits storage:degraded', async () => {
    const namespace = uniqueNamespace();
    // Another build of the shop already upgraded this origin's database past our version.
    (await rawOpen(namespace, 99)).close();
    const sc = await open({ namespace });
    // The event is delivered after createSteadyCart resolves, so a listener added right away hears it.
    const events: string[] = [];
    sc.on('storage:degraded', ({ reason }) => events.push(reason));
    expect(sc.health().storage).to.equal('memory');
    await until(() => events.length == 1, 'storage:degraded');
    await sc.cart.add(item('a'));
    expect((await sc.cart.get()).items).to.have.length(1);
  });

  it('nothing hidden: a page of this build opening a database a newer build upgraded (a stale cached page) shows the cart stored there, in memory', async () => {
    const namespace = uniqueNamespace();
    await createSchema(namespace);
    await rawPut(namespace, 'cart', [{ id: 'cart', items: [{ sku: 'mug', name: 'Mug', unitPrice: 1200, currency: 'EUR', qty: 2 }], rev: 3, updatedAt: Date.now() }]);
    // A newer build upgrades the database past our version, keeping every store.
    (await rawOpen(namespace, 99)).close();
    const sc = await open({ namespace });
    expect(sc.health().storage).to.equal('memory');
    expect((await sc.cart.get()).items.map((i) => [i.sku, i.qty])).to.deep.equal([['mug', 2]]);
    // Read, never written: a change lives in this page's memory, and the newer build's database stays as it was.
    expect((await sc.cart.add(item('b'))).count).to.equal(3);
    const db = await rawOpen(namespace);
    const version = db.version;
    db.close();
    expect(version).to.equal(99);
    expect((await rawGet<{ items: unknown[] }>(namespace, 'cart', 'cart'))!.items).to.have.length(1);
  });

  it('a database that could not be opened and does not exist is not created by the copy into memory', async () => {
    const namespace = uniqueNamespace();
    // No IndexedDB for the SDK's own open (as a browser refusing it): the copy's open must not create one either.
    const native = indexedDB.open.bind(indexedDB);
    let refused = 0;
    indexedDB.open = (name: string, version?: number) => {
      if (name == namespace && version !== undefined) {
        refused++;
        throw new DOMException('refused', 'InvalidStateError');
      }
      return native(name, version);
    };
    try {
      const sc = await open({ namespace });
      expect(sc.health().storage).to.equal('memory');
      expect((await sc.cart.get()).count).to.equal(0);
    } finally {
      indexedDB.open = native;
    }
    expect(refused, "the SDK's own open was refused").to.be.at.least(1);
    // None was made (WebKit lists one at version 0 after the aborted upgrade: nothing in it, upgraded from scratch by the next open).
    expect((await indexedDB.databases()).filter((d) => d.name == namespace && d.version)).to.deep.equal([]);
    const next = await open({ namespace });
    expect(next.health().storage).to.equal('indexeddb');
    expect((await next.cart.add(item('a'))).count).to.equal(1);
  });
});
