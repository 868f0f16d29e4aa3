/**
 * steadycart/cart, the cart alone for product pages: the same cart, database
 * and channel as the full SDK, live in both directions, from source (ESM) and
 * as the script-tag build pinned by its SRI hash; degrading to memory like
 * the full SDK (invariant 8).
 */
import { expect } from 'chai';
import { createCart, type CartInstance } from '../../../src/cart/index';
import type { Cart, SteadyCart } from '../../../src/index';
import { cleanup, deleteDatabase, item, open, openTab, rejection, uniqueNamespace, until } from '../helpers';

type CartEntry = typeof import('../../../src/cart/index');

const carts: CartInstance[] = [];
const frames: HTMLIFrameElement[] = [];
const namespaces = new Set<string>();

/** A cart-only instance in this page (from source), closed after the test. */
async function cartHere(namespace: string): Promise<CartInstance> {
  namespaces.add(namespace);
  const cart = await createCart({ namespace });
  carts.push(cart);
  return cart;
}

/**
 * Another page that loads dist/steadycart-cart.iife.js by script tag with
 * its integrity value from dist/sri.json, both served byte for byte as a
 * merchant serves them (the test server's /test/csp/dist/). A wrong hash
 * fails the load, and the test with it.
 */
async function scriptTagPage(setup?: (win: Window) => void): Promise<CartEntry> {
  const frame = document.createElement('iframe');
  frame.src = '/test/fixtures/blank.html';
  frames.push(frame);
  document.body.append(frame);
  await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  const win = frame.contentWindow as Window & { SteadyCartCart?: CartEntry };
  setup?.(win);
  const sri = (await (await fetch('/test/csp/dist/sri.json', { cache: 'no-store' })).json()) as Record<string, string>;
  expect(sri['steadycart-cart.iife.js'], 'dist/sri.json names the cart bundle').to.match(/^sha384-/);
  const script = win.document.createElement('script');
  script.src = '/test/csp/dist/steadycart-cart.iife.js';
  script.integrity = sri['steadycart-cart.iife.js']!;
  script.crossOrigin = 'anonymous';
  await new Promise((resolve, reject) => {
    script.onload = resolve;
    script.onerror = () => reject(new Error('dist/steadycart-cart.iife.js did not load: its bytes do not match dist/sri.json (rebuild?)'));
    win.document.head.append(script);
  });
  expect(win.SteadyCartCart, 'the script tag defines window.SteadyCartCart').to.be.an('object');
  return win.SteadyCartCart!;
}

/** A product page on the script-tag build and a checkout page on the full SDK, sharing a new namespace. */
async function scriptTagAndCheckout(): Promise<{ product: CartInstance; checkout: SteadyCart }> {
  const namespace = uniqueNamespace();
  namespaces.add(namespace);
  const entry = await scriptTagPage();
  const product = await entry.createCart({ namespace });
  carts.push(product);
  return { product, checkout: await open({ namespace }) };
}

/** Collects every cart a listener is given. */
function watch(subscribe: (listener: (cart: Cart) => void) => () => void): Cart[] {
  const seen: Cart[] = [];
  subscribe((cart) => seen.push(cart));
  return seen;
}
const latest = (seen: Cart[]) => seen[seen.length - 1];

/** Each side's change reaches the other's subscribers without a reload, and both read the same stored cart. */
async function expectSharedLive(product: CartInstance, checkout: SteadyCart): Promise<void> {
  const onProduct = watch(product.subscribe);
  const onCheckout = watch(checkout.cart.subscribe);
  await product.add(item('from-product-page', { qty: 2 }));
  await until(() => latest(onCheckout)?.items[0]?.sku == 'from-product-page', "the product page's add on the checkout page");
  expect(latest(onCheckout)!.count).to.equal(2);
  await checkout.cart.setQuantity('from-product-page', 5);
  await until(() => latest(onProduct)?.count == 5, "the checkout page's change on the product page");
  await checkout.cart.add(item('from-checkout'));
  await until(() => latest(onProduct)?.items.length == 2, "the checkout page's add on the product page");
  expect((await product.get()).items).to.deep.equal((await checkout.cart.get()).items);
  await product.clear();
  await until(() => latest(onCheckout)?.count == 0, "the product page's clear on the checkout page");
}

describe('steadycart/cart: the cart alone, for product pages', () => {
  afterEach(async () => {
    for (const cart of carts.splice(0)) cart.close();
    for (const frame of frames.splice(0)) frame.remove();
    await cleanup();
    await Promise.all([...namespaces].map(deleteDatabase));
    namespaces.clear();
  });

  it('has the cart API of the full SDK, all but removeOrdered (the checkout page\'s)', async () => {
    const namespace = uniqueNamespace();
    const cart = await cartHere(namespace);
    const sc = await open({ namespace });
    const calls = Object.keys(sc.cart).filter((method) => method != 'removeOrdered');
    expect(calls).to.have.length(Object.keys(sc.cart).length - 1);
    for (const method of calls) expect(cart, method).to.have.property(method).that.is.a('function');
    expect(cart).not.to.have.property('removeOrdered');
    expect(cart.health()).to.deep.equal({ storage: 'indexeddb', storageError: undefined, droppedMessages: 0 });
  });

  it('a product page using it and a checkout page using the full SDK share one cart live', async () => {
    const namespace = uniqueNamespace();
    const product = await cartHere(namespace);
    const { sc: checkout } = await openTab({ namespace });
    await expectSharedLive(product, checkout);
  });

  it('the script-tag build, pinned by its SRI hash, shares the cart live with the full SDK', async () => {
    const { product, checkout } = await scriptTagAndCheckout();
    await expectSharedLive(product, checkout);
  });

  it('the script-tag build\'s changes keep the orders the checkout took out of the cart: none leaves twice', async () => {
    const { product, checkout } = await scriptTagAndCheckout();
    await product.add(item('a', { qty: 5 }));
    await checkout.cart.removeOrdered('order-1', [{ sku: 'a', qty: 2 }]);
    // Every change a product page makes rewrites the stored cart: the record of order-1 must survive each.
    await product.add(item('b'));
    await product.setQuantity('a', 4);
    await product.remove('b');
    await product.clear();
    await product.add(item('a', { qty: 3 }));
    const after = await checkout.cart.removeOrdered('order-1', [{ sku: 'a', qty: 2 }]);
    expect(after.items.map((i) => [i.sku, i.qty])).to.deep.equal([['a', 3]]);
  });

  it('a cart written by the full SDK before is there when a product page opens', async () => {
    const namespace = uniqueNamespace();
    const checkout = await open({ namespace });
    await checkout.cart.add(item('kept', { qty: 3 }));
    const product = await cartHere(namespace);
    const seen = watch(product.subscribe);
    expect(seen).to.have.length(1);
    expect(seen[0]!.count, 'the first snapshot, given at once').to.equal(3);
  });

  it('reads only news of the cart: the checkout\'s news passes it by, what is not news at all is counted as dropped', async () => {
    const namespace = uniqueNamespace();
    const product = await cartHere(namespace);
    const seen = watch(product.subscribe);
    const forger = new BroadcastChannel(namespace);
    try {
      // The full SDK's own kinds, even malformed ones, are not the cart's to judge; posted first, so delivered first.
      for (const m of [{ t: 'endpoint', record: 'open' }, { t: 'order' }, { t: 'order', event: { id: 'abcdefgh', status: 'confirmed' } }]) forger.postMessage(m);
      const junk = [null, 42, 'cart', {}, { t: 5 }, ['cart']];
      for (const m of junk) forger.postMessage(m);
      await until(() => product.health().droppedMessages >= junk.length, 'the junk to be counted');
      expect(product.health().droppedMessages).to.equal(junk.length);
      expect(seen, 'no change of the cart was made up').to.have.length(1);
      expect((await product.add(item('still-works'))).count).to.equal(1);
    } finally {
      forger.close();
    }
  });

  it('other namespaces are other carts', async () => {
    const [a, b] = [uniqueNamespace(), uniqueNamespace()];
    const product = await cartHere(a);
    const checkout = await open({ namespace: b });
    await product.add(item('only-in-a'));
    expect((await checkout.cart.get()).count).to.equal(0);
  });

  it('invariant 8: without IndexedDB the cart works in memory and says so in health()', async () => {
    const entry = await scriptTagPage((win) => Object.defineProperty(win, 'indexedDB', { value: undefined }));
    const namespace = uniqueNamespace();
    const cart = await entry.createCart({ namespace });
    carts.push(cart);
    expect(cart.health().storage).to.equal('memory');
    expect(cart.health().storageError).to.be.a('string');
    expect((await cart.add(item('a', { qty: 2 }))).count).to.equal(2);
    expect((await cart.get()).count).to.equal(2);
  });

  it('invariant 8: when IndexedDB stops answering and what it holds cannot be read into memory, the cart this page showed goes on there: no line lost', async () => {
    const cart = await cartHere(uniqueNamespace());
    await cart.add(item('a'));
    await cart.add(item('b'));
    // Every transaction fails, on this connection and on a fresh one, as after WebKit's "Connection to Indexed
    // Database server lost" (fault injection on the engine's own method: the copy into memory cannot read either).
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function () {
      throw new DOMException('Connection to Indexed Database server lost', 'UnknownError');
    };
    try {
      const after = await cart.add(item('c'));
      expect(cart.health().storage).to.equal('memory');
      expect(after.items.map((i) => i.sku)).to.deep.equal(['a', 'b', 'c']);
      expect((await cart.get()).items.map((i) => i.sku)).to.deep.equal(['a', 'b', 'c']);
    } finally {
      IDBDatabase.prototype.transaction = transaction;
    }
  });

  it('invariant 8: a database it cannot open (a newer version exists) degrades to memory with a storage:degraded event', async () => {
    const namespace = uniqueNamespace();
    namespaces.add(namespace);
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(namespace, 99);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    const cart = await cartHere(namespace);
    // Delivered after createCart resolves, so a listener added right away hears it.
    const reasons: string[] = [];
    cart.on('storage:degraded', ({ reason }) => reasons.push(reason));
    await until(() => reasons.length == 1, 'storage:degraded');
    expect(cart.health().storage).to.equal('memory');
    expect((await cart.add(item('a'))).count).to.equal(1);
  });

  it('checks its options and input like the full SDK, with typed errors', async () => {
    for (const namespace of ['', 'has space', 'x'.repeat(65), 7 as unknown as string]) {
      const error = await rejection(createCart({ namespace }));
      expect([error.code, error.path], JSON.stringify(namespace)).to.deep.equal(['INVALID_OPTIONS', 'namespace']);
    }
    expect((await rejection(createCart(null as never))).code).to.equal('INVALID_OPTIONS');
    // A misspelt namespace would open another database than the checkout's: refused, naming it.
    const misspelt = await rejection(createCart({ namespce: 'shop' } as never));
    expect([misspelt.code, misspelt.path]).to.deep.equal(['INVALID_OPTIONS', 'namespce']);
    const cart = await cartHere(uniqueNamespace());
    expect((await rejection(cart.add({ ...item('card'), meta: { cardNumber: '4111 1111 1111 1111' } }))).code).to.equal('CARD_DATA');
    expect((await rejection(cart.setQuantity('missing', 1))).code).to.equal('ITEM_NOT_FOUND');
    expect((await rejection(cart.remove('a', 0))).code).to.equal('INVALID_ITEM');
    await cart.add(item('a', { qty: 3 }));
    expect((await cart.remove('a', 2)).items.map((i) => [i.sku, i.qty])).to.deep.equal([['a', 1]]);
    expect((await rejection(() => cart.on('order:confirmed' as never, () => {}))).code).to.equal('INVALID_OPTIONS');
  });

  it('close() releases it: later calls throw CLOSED and changes elsewhere no longer reach it', async () => {
    const namespace = uniqueNamespace();
    const product = await cartHere(namespace);
    const seen = watch(product.subscribe);
    product.close();
    product.close(); // twice is harmless
    expect((await rejection(product.get())).code).to.equal('CLOSED');
    expect((await rejection(() => product.subscribe(() => {}))).code).to.equal('CLOSED');
    const { sc: checkout } = await openTab({ namespace });
    await checkout.cart.add(item('late'));
    // A live cart-only instance hears the same change: proof that it was announced.
    const witness = await cartHere(namespace);
    await until(async () => (await witness.get()).count == 1, 'the change');
    expect(seen).to.have.length(1);
  });
});
