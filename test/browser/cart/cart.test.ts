import { expect } from 'chai';
import type { Cart } from '../../../src/index';
import { cleanup, item, open, rejection, sleep, uniqueNamespace, until } from '../helpers';

describe('cart', () => {
  afterEach(cleanup);

  it('adds, merges by SKU, sets quantities, removes and clears, with totals', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    await sc.cart.add(item('a'));
    await sc.cart.add(item('b', { qty: 2, unitPrice: 500 }));
    let cart = await sc.cart.add(item('a', { qty: 3 }));
    expect(cart.items.map((i) => [i.sku, i.qty])).to.deep.equal([['a', 4], ['b', 2]]);
    expect(cart.count).to.equal(6);
    expect(cart.subtotal).to.equal(4 * 1250 + 2 * 500);
    expect(cart.currency).to.equal('EUR');
    cart = await sc.cart.setQuantity('b', 7);
    expect(cart.items[1]!.qty).to.equal(7);
    cart = await sc.cart.remove('a');
    expect(cart.items.map((i) => i.sku)).to.deep.equal(['b']);
    cart = await sc.cart.remove('not-there');
    expect(cart.items).to.have.length(1);
    cart = await sc.cart.clear();
    expect(cart).to.include({ count: 0, subtotal: 0, currency: null });
  });

  it('remove(sku, qty) takes that many units of a line, and the line when none is left', async () => {
    const namespace = uniqueNamespace();
    const sc = await open({ namespace });
    await sc.cart.add(item('a', { qty: 5 }));
    await sc.cart.add(item('b', { qty: 2, unitPrice: 500 }));
    let cart = await sc.cart.remove('a', 2);
    expect(cart.items.map((i) => [i.sku, i.qty])).to.deep.equal([['a', 3], ['b', 2]]);
    expect(cart).to.include({ count: 5, subtotal: 3 * 1250 + 2 * 500 });
    cart = await sc.cart.remove('b', 2);
    expect(cart.items.map((i) => [i.sku, i.qty])).to.deep.equal([['a', 3]]);
    // More units than the line holds: the line goes, nothing goes negative.
    cart = await sc.cart.remove('a', 999);
    expect(cart).to.include({ count: 0, subtotal: 0, currency: null });
    cart = await sc.cart.remove('not-there', 1);
    expect(cart.items).to.deep.equal([]);
    await sc.cart.add(item('c', { qty: 4 }));
    sc.close();
    // Stored before it resolved, as every change.
    const reopened = await open({ namespace });
    expect((await reopened.cart.remove('c', 1)).items.map((i) => [i.sku, i.qty])).to.deep.equal([['c', 3]]);
    reopened.close();
    expect((await (await open({ namespace })).cart.get()).items.map((i) => [i.sku, i.qty])).to.deep.equal([['c', 3]]);
  });

  for (const [what, qty] of [['0', 0], ['1000', 1000], ['1.5', 1.5], ['a string', '2'], ['null', null], ['NaN', NaN]] as const) {
    it(`remove(sku, qty) refuses a qty of ${what} with INVALID_ITEM at qty, writing nothing`, async () => {
      const sc = await open({ namespace: uniqueNamespace() });
      await sc.cart.add(item('a', { qty: 3 }));
      const error = await rejection(() => sc.cart.remove('a', qty as never));
      expect(error).to.include({ name: 'SteadyCartError', code: 'INVALID_ITEM', path: 'qty' });
      expect((await sc.cart.get()).items.map((i) => [i.sku, i.qty])).to.deep.equal([['a', 3]]);
    });
  }

  it('adding a SKU again adds to its quantity and takes the new name, price and meta (the last the shopper saw)', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    await sc.cart.add(item('a', { qty: 2, unitPrice: 1000, name: 'Mug', meta: { color: 'blue' } }));
    const cart = await sc.cart.add(item('a', { unitPrice: 900, name: 'Mug (sale)', meta: { color: 'red' } }));
    expect(cart.items).to.deep.equal([{ ...item('a', { unitPrice: 900, name: 'Mug (sale)', meta: { color: 'red' } }), qty: 3 }]);
    expect(cart.subtotal).to.equal(2700);
    expect((await rejection(() => sc.cart.add(item('s'.repeat(201))))).message).to.contain('1 to 200 characters');
    expect((await sc.cart.add(item('s'.repeat(200)))).items).to.have.length(2);
  });

  it('keeps the cart across instances (a reload) because every change is stored before it resolves', async () => {
    const namespace = uniqueNamespace();
    const first = await open({ namespace });
    await first.cart.add(item('a', { meta: { color: 'blue', sizes: [1, 2] } }));
    first.close();
    const second = await open({ namespace });
    const cart = await second.cart.get();
    expect(cart.items).to.deep.equal([{ ...item('a', { meta: { color: 'blue', sizes: [1, 2] } }), qty: 1 }]);
    expect(second.health().storage).to.equal('indexeddb');
  });

  const invalid: Array<[string, Record<string, unknown>, string, string]> = [
    ['a fractional price', item('x', { unitPrice: 12.5 }), 'INVALID_ITEM', 'unitPrice'],
    ['a negative price', item('x', { unitPrice: -1 }), 'INVALID_ITEM', 'unitPrice'],
    ['a price as a string', item('x', { unitPrice: '12' }), 'INVALID_ITEM', 'unitPrice'],
    ['qty 0', item('x', { qty: 0 }), 'INVALID_ITEM', 'qty'],
    ['qty 1000', item('x', { qty: 1000 }), 'INVALID_ITEM', 'qty'],
    ['a fractional qty', item('x', { qty: 1.5 }), 'INVALID_ITEM', 'qty'],
    ['an empty sku', item(''), 'INVALID_ITEM', 'sku'],
    ['a sku of 201 characters', item('s'.repeat(201)), 'INVALID_ITEM', 'sku'],
    ['a missing name', { sku: 'x', unitPrice: 1, currency: 'EUR' }, 'INVALID_ITEM', 'name'],
    ['a bad currency', item('x', { currency: 'euro' }), 'INVALID_ITEM', 'currency'],
    ['non-JSON meta (a function)', item('x', { meta: { f: () => 1 } }), 'INVALID_ITEM', 'meta.f'],
    ['non-JSON meta (a Date)', item('x', { meta: { when: new Date() } }), 'INVALID_ITEM', 'meta.when'],
    ['non-JSON meta (NaN)', item('x', { meta: [NaN] }), 'INVALID_ITEM', 'meta[0]'],
    ['an unknown field', item('x', { price: 1 }), 'INVALID_ITEM', 'price'],
    ['a card number in meta', item('x', { meta: { note: '4111 1111 1111 1111' } }), 'CARD_DATA', 'meta.note'],
    // placeOrder refuses these lines: the cart must not store them meanwhile.
    ['a card number as the name', item('x', { name: '4111 1111 1111 1111' }), 'CARD_DATA', 'name'],
    ['a card number as the price', item('x', { unitPrice: 4111111111111111 }), 'CARD_DATA', 'unitPrice'],
  ];
  for (const [what, bad, code, path] of invalid) {
    it(`refuses ${what} with ${code} at ${path}, writing nothing`, async () => {
      const namespace = uniqueNamespace();
      const sc = await open({ namespace });
      await sc.cart.add(item('keep'));
      const error = await rejection(() => sc.cart.add(bad as never));
      expect(error.name).to.equal('SteadyCartError');
      expect(error.code).to.equal(code);
      expect(error.path).to.equal(path);
      sc.close();
      const reopened = await open({ namespace });
      expect((await reopened.cart.get()).items.map((i) => i.sku)).to.deep.equal(['keep']);
    });
  }

  it('refuses a change whose subtotal would be too large to be exact (past 2^53), writing nothing', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    const price = 3_000_000_000_000_000;
    expect((await sc.cart.add(item('a', { unitPrice: price, qty: 3 }))).subtotal).to.equal(9_000_000_000_000_000);
    const more = await rejection(() => sc.cart.setQuantity('a', 4));
    expect([more.code, more.path]).to.deep.equal(['INVALID_ITEM', 'unitPrice']);
    const other = await rejection(() => sc.cart.add(item('b', { unitPrice: 10_000_000_000_000 })));
    expect(other.code).to.equal('INVALID_ITEM');
    const cart = await sc.cart.get();
    expect([cart.count, cart.subtotal, Number.isSafeInteger(cart.subtotal)]).to.deep.equal([3, 9_000_000_000_000_000, true]);
  });

  it('refuses a second currency, a quantity above 999 in total, and setQuantity of a missing SKU', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    await sc.cart.add(item('a', { qty: 998 }));
    expect((await rejection(() => sc.cart.add(item('b', { currency: 'USD' })))).code).to.equal('CURRENCY_MISMATCH');
    const tooMany = await rejection(() => sc.cart.add(item('a', { qty: 2 })));
    expect([tooMany.code, tooMany.path]).to.deep.equal(['INVALID_ITEM', 'qty']);
    expect((await rejection(() => sc.cart.setQuantity('zzz', 1))).code).to.equal('ITEM_NOT_FOUND');
    expect((await rejection(() => sc.cart.setQuantity('a', 0))).code).to.equal('INVALID_ITEM');
    const cart = await sc.cart.get();
    expect(cart.items).to.have.length(1);
    expect(cart.items[0]!.qty).to.equal(998);
  });

  it('calls subscribers at once and after each change, until unsubscribed', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    const seen: Cart[] = [];
    const stop = sc.cart.subscribe((cart) => seen.push(cart));
    expect(seen).to.have.length(1);
    expect(seen[0]!.count).to.equal(0);
    await sc.cart.add(item('a'));
    await until(() => seen.length == 2, 'the change');
    expect(seen[1]!.items[0]!.sku).to.equal('a');
    stop();
    await sc.cart.add(item('b'));
    expect(seen).to.have.length(2);
  });

  it('a page opened on a stored cart calls a subscriber once with it, then once per change: the cart read while opening comes neither twice nor late', async () => {
    const namespace = uniqueNamespace();
    const first = await open({ namespace });
    await first.cart.add(item('a'));
    first.close();
    const sc = await open({ namespace });
    const seen: number[] = [];
    const heard: number[] = [];
    sc.cart.subscribe((cart) => seen.push(cart.count));
    sc.on('cart', (cart) => heard.push(cart.count));
    await sc.cart.add(item('b'));
    // Long enough for anything held back while the instance was built to have been delivered.
    await sleep(100);
    expect(seen).to.deep.equal([1, 2]);
    expect(heard).to.deep.equal([2]);
    expect(sc.cart.snapshot().count).to.equal(2);
  });

  it('throws CLOSED after close()', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    sc.close();
    expect((await rejection(() => sc.cart.add(item('a')))).code).to.equal('CLOSED');
    expect((await rejection(() => sc.placeOrder({}))).code).to.equal('CLOSED');
  });
});
