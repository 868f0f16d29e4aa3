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
