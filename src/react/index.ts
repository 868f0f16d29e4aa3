/**
 * steadycart/react: a provider and hooks over one steadycart instance, built
 * on `useSyncExternalStore`. Safe in a server render: nothing is created
 * there, and every hook reports `loading`.
 * @packageDocumentation
 */
export { SteadyCartProvider, useSteadyCart, type SteadyCartProviderProps, type SteadyCartState } from './context';
export { useCart, type CartState } from './cart';
export { useOutbox, type OutboxState } from './outbox';
export { usePlaceOrder, type PlaceOrderState } from './place-order';
export { useSteadyCartHealth, type HealthState } from './health';
