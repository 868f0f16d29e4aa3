import { expect } from 'chai';
import { closeBackends, startBackend } from '../backend';
import { rawOpen } from '../hardening/raw-idb';
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

  it('without IndexedDB, the cart works in memory and says so through storage:degraded and health()', async () => {
    const { sc } = await openTab({ namespace: uniqueNamespace() }, '&noIndexedDB');
    expect(sc.health().storage).to.equal('memory');
    expect(sc.health().storageError).to.be.a('string');
    const cart = await sc.cart.add(item('a', { qty: 2 }));
    expect(cart.count).to.equal(2);
    expect((await sc.cart.get()).count).to.equal(2);
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
});
