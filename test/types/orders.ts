/**
 * Typed orders: `placeOrder` takes only JSON-shaped orders (interfaces
 * included), its confirmed result carries the shop's response type, and an
 * outbox entry's order the shop's order type.
 */
import type { Json, OrderResult, OutboxEntry, SteadyCart } from '../../src/index';

declare const sc: SteadyCart;

interface Line {
  sku: string;
  qty: number;
}
interface Order {
  orderRef: string;
  items: Line[];
  total: number;
  coupon?: string;
  gift: { message: string | null } | null;
  tags: readonly string[];
}
interface Receipt {
  orderId: string;
  total: number;
}

declare const order: Order;

export async function typedResponse(): Promise<Receipt | undefined> {
  const r = await sc.placeOrder<Order, Receipt>(order);
  // Discriminated on status: no `!` for a confirmed result, and the body is the shop's type.
  if (r.status == 'confirmed') return r.result.body;
  if (r.status == 'rejected') {
    const body: Json = r.result.body;
    void body;
  }
  if (r.status == 'pending') {
    void r.error?.code;
    // @ts-expect-error a pending result has no server answer
    void r.result.body;
  }
  return undefined;
}

export async function untypedResponse(): Promise<Json> {
  const r = await sc.placeOrder(order);
  // @ts-expect-error the result may be absent until the status says it is confirmed or rejected
  void r.result.body;
  const narrowed: OrderResult = r;
  return narrowed.status == 'confirmed' ? narrowed.result.body : null;
}

export async function interfacesAndLiterals(): Promise<void> {
  await sc.placeOrder(order);
  await sc.placeOrder({ items: [{ sku: 'mug', qty: 1 }], note: null, paid: true });
  const asObject: object = order;
  await sc.placeOrder(asObject);
  const asJson: { [key: string]: Json } = { a: 1 };
  await sc.placeOrder(asJson);
}

interface WithDate {
  orderRef: string;
  placedAt: Date;
}
interface WithMethod {
  orderRef: string;
  total(): number;
}
interface Nested {
  items: Array<{ sku: string; at: Date }>;
}

export async function notJson(withDate: WithDate, withMethod: WithMethod, nested: Nested): Promise<void> {
  // @ts-expect-error a Date is not JSON (it would arrive as a string, or be refused)
  await sc.placeOrder(withDate);
  // @ts-expect-error a Date literal member
  await sc.placeOrder({ placedAt: new Date() });
  // @ts-expect-error a function member
  await sc.placeOrder(withMethod);
  // @ts-expect-error a function value
  await sc.placeOrder({ onDone: () => 1 });
  // @ts-expect-error a Date deep inside
  await sc.placeOrder(nested);
  // @ts-expect-error a member that is undefined
  await sc.placeOrder({ coupon: undefined });
  // @ts-expect-error a required member that may be undefined
  await sc.placeOrder({} as { coupon: string | undefined });
  // @ts-expect-error an array element that may be undefined
  await sc.placeOrder({ items: [] as Array<string | undefined> });
  // @ts-expect-error a bigint
  await sc.placeOrder({ total: 10n });
  // @ts-expect-error not an object
  await sc.placeOrder('order');
}

export async function outboxEntries(): Promise<string[]> {
  const entries = await sc.outbox.list<Order>();
  const refs = entries.map((e: OutboxEntry<Order>) => e.order.orderRef);
  const again = await sc.outbox.retry<Order>('id');
  refs.push(again.order.items[0]?.sku ?? '');
  const plain = await sc.outbox.list();
  const json: Json = plain[0]!.order;
  void json;
  // @ts-expect-error an untyped entry's order is Json, not the shop's type
  void plain[0]!.order.orderRef;
  return refs;
}

declare const hook: import('../../src/react/index').PlaceOrderState;

export async function reactHook(withDate: WithDate): Promise<Receipt | undefined> {
  // @ts-expect-error usePlaceOrder's placeOrder takes JSON-shaped orders too
  await hook.placeOrder(withDate);
  const r = await hook.placeOrder<Order, Receipt>(order);
  return r.status == 'confirmed' ? r.result.body : undefined;
}
