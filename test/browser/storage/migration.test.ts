import { expect } from 'chai';
import { openDatabase, VERSION } from '../../../src/storage';
import { rawOpen } from '../hardening/raw-idb';
import { cleanup, open, uniqueNamespace } from '../helpers';

describe('storage migrations', () => {
  afterEach(cleanup);

  it('data written by the v1 schema is readable after the upgrade to the current version', async () => {
    expect(VERSION).to.be.greaterThan(1);
    const namespace = uniqueNamespace();
    const v1 = await openDatabase(namespace, 1);
    expect([...v1.objectStoreNames].sort()).to.deep.equal(['cart', 'meta']);
    await v1.put('cart', {
      id: 'cart',
      items: [{ sku: 'v1', name: 'Written by v1', unitPrice: 100, currency: 'EUR', qty: 2 }],
      rev: 1,
      updatedAt: 1,
    });
    v1.close();

    const sc = await open({ namespace });
    const cart = await sc.cart.get();
    expect(cart.items.map((i) => [i.sku, i.qty])).to.deep.equal([['v1', 2]]);
    expect(sc.health().storage).to.equal('indexeddb');
    const upgraded = await openDatabase(namespace);
    expect(upgraded.version).to.equal(VERSION);
    expect([...upgraded.objectStoreNames].sort()).to.deep.equal(['cart', 'endpoints', 'leases', 'meta', 'outbox']);
    upgraded.close();
  });

  it('an older tab lets go of its connection when a newer version opens, so it never wedges the new tab', async () => {
    const namespace = uniqueNamespace();
    let letGo = false;
    const olderTab = await openDatabase(namespace, 1, { closed: () => (letGo = true) });
    const sc = await open({ namespace });
    expect(letGo).to.equal(true);
    expect(sc.health().storage).to.equal('indexeddb');
    olderTab.close();
  });

  it('a connection that never lets go cannot wedge checkout: after a bounded wait the SDK works in memory', async () => {
    const namespace = uniqueNamespace();
    const stubborn = await rawOpen(namespace, 1, (db) => db.createObjectStore('cart', { keyPath: 'id' }));
    stubborn.onversionchange = () => {
      // Deliberately ignored: some other script on the page holds the database open.
    };
    const sc = await open({ namespace });
    expect(sc.health().storage).to.equal('memory');
    expect((await sc.cart.add({ sku: 'a', name: 'A', unitPrice: 1, currency: 'EUR' })).count).to.equal(1);
    stubborn.close();
  });
});
