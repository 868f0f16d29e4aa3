/** A cart line's `meta` takes the shop's own JSON type, interfaces too, and nothing that is not JSON. */
import type { SteadyCart } from '../../src/index';
import type { CartApi } from '../../src/cart/index';

declare const sc: SteadyCart;
declare const cartOnly: CartApi;

interface Variant {
  color: string;
  size: 'S' | 'M' | 'L';
  image?: string;
}
interface Dated {
  addedAt: Date;
}

const line = { sku: 'mug', name: 'Mug', unitPrice: 1250, currency: 'EUR' };

export async function meta(variant: Variant, dated: Dated): Promise<void> {
  await sc.cart.add({ ...line, meta: variant });
  await cartOnly.add({ ...line, meta: variant });
  await sc.cart.add({ ...line, meta: { color: 'red', tags: ['a', 'b'] } });
  await sc.cart.add({ ...line, meta: 'gift' });
  await sc.cart.add({ ...line, meta: [1, 2] });
  await sc.cart.add(line);
  // @ts-expect-error a Date in meta is not JSON
  await sc.cart.add({ ...line, meta: dated });
  // @ts-expect-error a function in meta
  await sc.cart.add({ ...line, meta: { onClick: () => 1 } });
}
