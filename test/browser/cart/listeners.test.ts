/**
 * Subscriptions of the cart and of the outbox are per call (the same function
 * subscribed twice is two subscriptions), a listener added during an event hears the next one, and a
 * stored cart keeps one line per SKU.
 */
import { expect } from 'chai';
import { createCart } from '../../../src/cart/index';
import type { Cart, OutboxSnapshot } from '../../../src/index';
import { closeBackends, startBackend } from '../backend';
import { cleanup, deleteDatabase, item, open, quickOptions, sleep, uniqueNamespace, until } from '../helpers';
import { createSchema, rawGet, rawPut } from '../hardening/raw-idb';

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

describe('cart: a change that changes nothing', () => {
  afterEach(cleanup);

  for (const entry of ['the full SDK', 'steadycart/cart'] as const) {
    it(`writes nothing and tells no one, in this tab or another: a SKU not there removed, the same quantity set, an empty cart cleared (${entry})`, async () => {
      const namespace = uniqueNamespace();
      const only = entry == 'steadycart/cart' ? await createCart({ namespace }) : undefined;
      const cart = only ?? (await open({ namespace })).cart;
      const other = await open({ namespace });
      await cart.add(item('a', { qty: 2 }));
      await until(() => other.cart.snapshot().count == 2, 'the other tab in step');
      const stored = await rawGet(namespace, 'cart', 'cart');
      const here: Cart[] = [];
      const there: Cart[] = [];
      cart.subscribe((c) => here.push(c));
      other.cart.subscribe((c) => there.push(c));
      const shown = cart.snapshot();
      expect(await cart.remove('not-there')).to.equal(shown);
      expect(await cart.setQuantity('a', 2)).to.equal(shown);
      expect(await rawGet(namespace, 'cart', 'cart'), 'the stored record, revision included').to.deep.equal(stored);
      await cart.clear();
      const cleared = await rawGet(namespace, 'cart', 'cart');
      await cart.clear();
      expect(await rawGet(namespace, 'cart', 'cart')).to.deep.equal(cleared);
      // The other tab hears of the one real change (the clear), and only of it.
      await until(() => there.length == 2, 'the other tab told of the clear');
      await sleep(300);
      expect(here.map((c) => c.count)).to.deep.equal([2, 0]);
      expect(there.map((c) => c.count)).to.deep.equal([2, 0]);
      only?.close();
    });
  }
});

describe('outbox: subscriptions', () => {
  afterEach(async () => {
    await cleanup();
    await closeBackends();
  });

  it('two subscriptions of one function are independent, and one added from inside a listener hears the next change, not this one again', async () => {
    const be = await startBackend();
    const sc = await open(quickOptions(be, uniqueNamespace()));
    const seen: OutboxSnapshot[] = [];
    const render = (s: OutboxSnapshot) => seen.push(s);
    const stopFirst = sc.outbox.subscribe(render);
    sc.outbox.subscribe(render);
    stopFirst();
    const late: OutboxSnapshot[] = [];
    let added = false;
    sc.outbox.subscribe((s) => {
      if (s.entries.length && !added) {
        added = true;
        sc.outbox.subscribe((t) => late.push(t));
      }
    });
    const r = await sc.placeOrder({ items: [{ sku: 'mug', qty: 1 }], payment: { token: 'pm_1' } });
    await until(() => sc.outbox.snapshot().entries.some((e) => e.id == r.id && e.status == 'confirmed'), 'the outbox snapshot to show the order confirmed');
    await sleep(50);
    // The second subscription of `render` lives on: it hears the order (before, ending the first ended both).
    expect(seen.some((s) => s.entries.some((e) => e.id == r.id)), 'render told of the order').to.equal(true);
    // Told once of the snapshot current when it subscribed, then once per later snapshot: never twice of one.
    expect(late.length).to.be.at.least(1);
    expect(new Set(late).size, 'snapshots told twice').to.equal(late.length);
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
