/**
 * cart.removeOrdered(id, lines): an order's lines leave the cart in one
 * transaction, once per order in every tab, with real IndexedDB.
 */
import { expect } from 'chai';
import type { Cart } from '../../../src/index';
import { createSchema, rawGet, rawPut } from '../hardening/raw-idb';
import { cleanup, item, open, openTab, rejection, uniqueNamespace } from '../helpers';

const lines = (cart: Cart) => cart.items.map((i) => [i.sku, i.qty]);

describe('cart.removeOrdered: an order\'s lines out of the cart, once', () => {
  afterEach(cleanup);

  it('takes every line\'s units out in one call, and a second call for the same order, here or after a reload, changes nothing', async () => {
    const namespace = uniqueNamespace();
    const sc = await open({ namespace });
    await sc.cart.add(item('a', { qty: 5 }));
    await sc.cart.add(item('b', { qty: 2 }));
    const ordered = (await sc.cart.add(item('c'))).items.slice(0, 2).map((i) => ({ ...i, qty: 2 }));
    // The order's own cart items will do as lines: only sku and qty are read.
    expect(lines(await sc.cart.removeOrdered('order-1', ordered))).to.deep.equal([['a', 3], ['c', 1]]);
    expect(lines(await sc.cart.removeOrdered('order-1', ordered))).to.deep.equal([['a', 3], ['c', 1]]);
    sc.close();
    const reloaded = await open({ namespace });
    expect(lines(await reloaded.cart.removeOrdered('order-1', [{ sku: 'a', qty: 1 }]))).to.deep.equal([['a', 3], ['c', 1]]);
    // Another order is another matter; a SKU the cart does not hold is no error.
    expect(lines(await reloaded.cart.removeOrdered('order-2', [{ sku: 'a', qty: 3 }, { sku: 'gone', qty: 1 }]))).to.deep.equal([['c', 1]]);
    expect(lines(await reloaded.cart.get())).to.deep.equal([['c', 1]]);
  });

  it('a second call for the same order writes nothing: the stored revision stays, and no subscriber is told', async () => {
    const namespace = uniqueNamespace();
    const sc = await open({ namespace });
    await sc.cart.add(item('a', { qty: 3 }));
    await sc.cart.removeOrdered('order-1', [{ sku: 'a', qty: 1 }]);
    const stored = await rawGet(namespace, 'cart', 'cart');
    const told: Cart[] = [];
    sc.cart.subscribe((cart) => told.push(cart));
    const again = await sc.cart.removeOrdered('order-1', [{ sku: 'a', qty: 1 }]);
    expect(lines(again)).to.deep.equal([['a', 2]]);
    expect(await rawGet(namespace, 'cart', 'cart')).to.deep.equal(stored);
    // Told once, on subscribing, with the cart as it was: the same object as the call's.
    expect(told).to.have.length(1);
    expect(told[0]).to.equal(again);
  });

  it('two tabs taking out the same orders at once take each out once, and keep the units added meanwhile', async () => {
    const namespace = uniqueNamespace();
    const here = await open({ namespace });
    const { sc: there } = await openTab({ namespace });
    await here.cart.add(item('mug', { qty: 50 }));
    // Each round: both tabs see order i kept and take its 2 mugs out, while one more is added.
    // Without the once-guard every order would leave twice: 50 - 40 + 10 = 20.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      const taken = [{ sku: 'mug', qty: 2 }];
      writes.push(here.cart.removeOrdered(`order-${i}`, taken), there.cart.removeOrdered(`order-${i}`, taken), there.cart.add(item('mug')));
    }
    await Promise.all(writes);
    for (const sc of [here, there]) expect(lines(await sc.cart.get())).to.deep.equal([['mug', 40]]);
  });

  it("takes out the lines as they were when called: the caller's array changed before the write (a form reset) changes nothing", async () => {
    const namespace = uniqueNamespace();
    const sc = await open({ namespace });
    await sc.cart.add(item('a', { qty: 3 }));
    await sc.cart.add(item('b', { qty: 2 }));
    const order = { items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }] };
    const removing = sc.cart.removeOrdered('order-1', order.items);
    // Not awaited: the shop empties its form (and with it the array) in the same turn.
    order.items[0] = { sku: 'a', qty: -5 };
    order.items.length = 1;
    expect(lines(await removing)).to.deep.equal([['a', 2]]);
    expect(lines(await sc.cart.get())).to.deep.equal([['a', 2]]);
  });

  it('remembers the last 50 orders taken out: an older one would be taken out again', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    await sc.cart.add(item('a', { qty: 100 }));
    for (let i = 0; i <= 50; i++) await sc.cart.removeOrdered(`order-${i}`, [{ sku: 'a', qty: 1 }]);
    expect(lines(await sc.cart.get())).to.deep.equal([['a', 49]]);
    expect(lines(await sc.cart.removeOrdered('order-50', [{ sku: 'a', qty: 1 }]))).to.deep.equal([['a', 49]]);
    expect(lines(await sc.cart.removeOrdered('order-0', [{ sku: 'a', qty: 1 }]))).to.deep.equal([['a', 48]]);
  });

  const bad: Array<[string, unknown, unknown, string]> = [
    ['an empty id', '', [{ sku: 'a', qty: 1 }], 'id'],
    ['an id that is not a string', 7, [{ sku: 'a', qty: 1 }], 'id'],
    ['an id of 201 characters', 'o'.repeat(201), [{ sku: 'a', qty: 1 }], 'id'],
    ['lines that are not an array', 'order-1', { sku: 'a', qty: 1 }, 'lines'],
    ['a line without a sku', 'order-1', [{ sku: 'a', qty: 1 }, { qty: 1 }], 'lines[1].sku'],
    ['a null line', 'order-1', [null], 'lines[0].sku'],
    ['a qty of 0', 'order-1', [{ sku: 'a', qty: 0 }], 'lines[0].qty'],
    ['a line without a qty', 'order-1', [{ sku: 'a', qty: 1 }, { sku: 'b' }], 'lines[1].qty'],
  ];
  for (const [what, id, given, path] of bad) {
    it(`refuses ${what} with INVALID_ITEM at ${path}, writing nothing and recording no order`, async () => {
      const sc = await open({ namespace: uniqueNamespace() });
      await sc.cart.add(item('a', { qty: 3 }));
      await sc.cart.add(item('b', { qty: 3 }));
      const error = await rejection(() => sc.cart.removeOrdered(id as never, given as never));
      expect(error).to.include({ name: 'SteadyCartError', code: 'INVALID_ITEM', path });
      expect(lines(await sc.cart.get())).to.deep.equal([['a', 3], ['b', 3]]);
      // Not half done: no line left, and the order is not recorded as taken out.
      expect(lines(await sc.cart.removeOrdered('order-1', [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 1 }]))).to.deep.equal([['a', 2], ['b', 2]]);
    });
  }

  it('a stored list of orders taken out that is not a list of ids is read as none, and never matches part of an id', async () => {
    const namespace = uniqueNamespace();
    await createSchema(namespace);
    const cart = { id: 'cart', items: [{ ...item('a'), qty: 5 }], rev: 1, updatedAt: 1 };
    await rawPut(namespace, 'cart', [{ ...cart, taken: 'order-12' }]);
    const sc = await open({ namespace });
    expect(lines(await sc.cart.removeOrdered('order-1', [{ sku: 'a', qty: 1 }]))).to.deep.equal([['a', 4]]);
    expect((await rawGet<{ taken: unknown }>(namespace, 'cart', 'cart'))!.taken).to.deep.equal(['order-1']);
    sc.close();
    await rawPut(namespace, 'cart', [{ ...cart, rev: 9, taken: [7, null, 'order-2'] }]);
    const reloaded = await open({ namespace });
    expect(lines(await reloaded.cart.removeOrdered('order-2', [{ sku: 'a', qty: 1 }]))).to.deep.equal([['a', 5]]);
    expect(lines(await reloaded.cart.removeOrdered('order-3', [{ sku: 'a', qty: 1 }]))).to.deep.equal([['a', 4]]);
  });

  it('every other change keeps the orders taken out: add, setQuantity, remove and clear', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    await sc.cart.add(item('a', { qty: 5 }));
    await sc.cart.removeOrdered('order-1', [{ sku: 'a', qty: 1 }]);
    await sc.cart.add(item('b'));
    await sc.cart.setQuantity('a', 6);
    await sc.cart.remove('b');
    await sc.cart.clear();
    await sc.cart.add(item('a', { qty: 2 }));
    expect(lines(await sc.cart.removeOrdered('order-1', [{ sku: 'a', qty: 1 }]))).to.deep.equal([['a', 2]]);
  });

  it('throws CLOSED after close()', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    sc.close();
    expect(await rejection(() => sc.cart.removeOrdered('order-1', []))).to.include({ code: 'CLOSED' });
  });
});
