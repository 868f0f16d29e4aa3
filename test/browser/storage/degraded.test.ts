import { expect } from 'chai';
import { cleanup, item, open, openTab, uniqueNamespace, until } from '../helpers';

describe('degraded storage', () => {
  afterEach(cleanup);

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
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(namespace, 99);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
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
