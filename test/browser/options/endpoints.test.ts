/** An explicit empty endpoint list is a mistake; no endpoints at all is a cart-only instance. */
import { expect } from 'chai';
import { cleanup, item, open, rejection, uniqueNamespace } from '../helpers';

describe('endpoints', () => {
  afterEach(cleanup);

  it('endpoints: [] is INVALID_OPTIONS at endpoints', async () => {
    const error = await rejection(open({ namespace: uniqueNamespace(), endpoints: [] }));
    expect(error).to.include({ code: 'INVALID_OPTIONS', path: 'endpoints' });
    expect(error.message).to.contain('cart-only');
  });

  it('without endpoints the instance is cart-only: the cart works, placeOrder throws NO_ENDPOINTS saying so', async () => {
    const sc = await open({ namespace: uniqueNamespace() });
    expect((await sc.cart.add(item('mug'))).count).to.equal(1);
    const error = await rejection(sc.placeOrder({ items: [{ sku: 'mug', qty: 1 }] }));
    expect(error).to.include({ code: 'NO_ENDPOINTS', path: 'endpoints' });
    expect(error.message).to.contain('cart-only');
    expect(await sc.outbox.list()).to.deep.equal([]);
  });
});
