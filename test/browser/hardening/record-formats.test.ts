/**
 * Hardening, builds side by side: a shop deploys while shoppers have pages
 * open, so pages and a worker of two builds share one database. What a build
 * validates in a stored record is pinned here to the schema version, and
 * what it does not know of the cart's record survives its changes.
 */
import { expect } from 'chai';
import { FIELDS } from '../../../src/cart/items';
import { createCart } from '../../../src/cart/index';
import { STATUSES } from '../../../src/outbox/statuses';
import { VERSION } from '../../../src/storage/base';
import { OPTIONAL, REQUIRED } from '../../../src/storage/validate';
import { cleanup, item, open, uniqueNamespace } from '../helpers';
import { createSchema, rawAll, rawPut } from './raw-idb';

/**
 * The stored formats of each schema version. A version's entry never changes once released:
 * a new status, outbox field or cart-line field comes with a new migration (schema.ts) and a
 * new entry here. An older build quarantines an outbox record it cannot validate, and drops a
 * cart line it cannot: without a new version, a page of the older build still open across the
 * deploy would do so in the shared database, to an order or a line of the newer build.
 */
const FORMATS: Record<number, { statuses: string[]; outboxRequired: string[]; outboxOptional: string[]; cartLine: string[] }> = {
  2: {
    statuses: ['sending', 'pending', 'confirmed', 'rejected', 'needs-payment', 'expired', 'failed'],
    outboxRequired: ['id', 'body', 'createdAt', 'updatedAt', 'attempts', 'runs', 'due', 'domains'],
    outboxOptional: ['closed', 'tokenExpiresAt', 'expiresAt', 'holdUntil', 'allowCardLikeAt', 'replaces', 'replacedBy'],
    cartLine: ['sku', 'name', 'unitPrice', 'currency', 'qty', 'meta'],
  },
};

describe('hardening: stored formats across builds', () => {
  afterEach(cleanup);

  it('what a build validates in stored records is the format pinned to its schema version', () => {
    const current = { statuses: [...STATUSES], outboxRequired: REQUIRED.map(([k]) => k), outboxOptional: OPTIONAL.map(([k]) => k), cartLine: [...FIELDS] };
    expect(current, `the stored format changed: it needs schema version ${VERSION + 1} (a migration in src/storage/schema.ts) and its entry here`).to.deep.equal(FORMATS[VERSION]);
  });

  it("a field of the cart's record that a build does not know survives its changes, through steadycart/cart and the full SDK", async () => {
    // As a newer build might add one: an older product page's next change must not erase it.
    const namespace = uniqueNamespace();
    await createSchema(namespace);
    const future = { since: 'a newer build', list: [1, 2] };
    await rawPut(namespace, 'cart', [{ id: 'cart', items: [item('mug')], rev: 4, updatedAt: Date.now(), taken: ['order-0001'], future }]);
    const product = await createCart({ namespace });
    try {
      expect((await product.add(item('tea'))).items.map((i) => i.sku)).to.deep.equal(['mug', 'tea']);
    } finally {
      product.close();
    }
    const [afterProduct] = await rawAll<{ future?: unknown; taken?: unknown; rev: number }>(namespace, 'cart');
    expect(afterProduct, 'after a change by steadycart/cart').to.deep.include({ future, taken: ['order-0001'], rev: 5 });
    const sc = await open({ namespace });
    await sc.cart.remove('mug');
    const [afterFull] = await rawAll<{ future?: unknown; taken?: unknown; rev: number }>(namespace, 'cart');
    expect(afterFull, 'after a change by the full SDK').to.deep.include({ future, taken: ['order-0001'], rev: 6 });
  });
});
