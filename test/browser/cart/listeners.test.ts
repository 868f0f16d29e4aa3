/**
 * Subscriptions are per call (the same function subscribed twice is two
 * subscriptions), a listener added during an event hears the next one, and a
 * stored cart keeps one line per SKU.
 */
import { expect } from 'chai';
import { createCart } from '../../../src/cart/index';
import type { Cart } from '../../../src/index';
import { cleanup, deleteDatabase, item, open, sleep, uniqueNamespace } from '../helpers';
import { createSchema, rawPut } from '../hardening/raw-idb';

describe('cart: listeners', () => {
  afterEach(cleanup);

  it('two subscriptions of one function are independent: ending one leaves the other live', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    const seen: number[] = [];
    const render = (c: Cart) => seen.push(c.count);
    const stopHeader = sc.cart.subscribe(render);
    sc.cart.subscribe(render); // a second widget with the same render function
    stopHeader(); // the header unmounts
    await sc.cart.add(item('a'));
    await sleep(50);
    // subscribe: "calls fn(cart) now and after every change in any tab; returns the unsubscribe function"
    expect(seen).to.deep.equal([0, 0, 1]);
  });

  it('cart-only: on("cart", fn) and subscribe(fn) are independent', async () => {
    const namespace = uniqueNamespace();
    const cart = await createCart({ namespace });
    const seen: number[] = [];
    const render = (c: Cart) => seen.push(c.count);
    const off = cart.on('cart', render);
    cart.subscribe(render);
    off();
    await cart.add(item('a'));
    await sleep(50);
    cart.close();
    await deleteDatabase(namespace);
    expect(seen).to.deep.equal([0, 1]);
  });

  it('a listener subscribed from inside a cart listener is called once now, not again with the same cart', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    const late: number[] = [];
    let added = false;
    sc.cart.subscribe((c) => {
      if (c.count == 1 && !added) {
        added = true;
        sc.cart.subscribe((d) => late.push(d.count));
      }
    });
    await sc.cart.add(item('a'));
    await sleep(50);
    expect(late).to.deep.equal([1]);
  });
});

describe('cart: a stored cart with two lines for one SKU', () => {
  it('is reported as corrupt and shown with one line per SKU; setQuantity(sku, 1) leaves 1 unit', async () => {
    const namespace = uniqueNamespace();
    await createSchema(namespace);
    await rawPut(namespace, 'cart', [{ id: 'cart', items: [item('d', { qty: 2 }), item('d', { qty: 3 })], rev: 1, updatedAt: 1 }]);
    const sc = await open({ namespace });
    const corrupt: unknown[] = [];
    sc.on('storage:corrupt', (e) => corrupt.push(e));
    const cart = await sc.cart.get();
    const after = await sc.cart.setQuantity('d', 1);
    sc.close();
    await deleteDatabase(namespace);
    expect({ lines: cart.items.length, corrupt: Math.min(corrupt.length, 1), countAfterSetQuantity1: after.count }).to.deep.equal({ lines: 1, corrupt: 1, countAfterSetQuantity1: 1 });
  });
});
