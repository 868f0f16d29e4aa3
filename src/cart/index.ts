/**
 * steadycart/cart: the persistent, cross-tab cart alone, for the pages of a
 * shop that need nothing else. Same cart, same database, as `steadycart`.
 * @packageDocumentation
 */
export { createCart } from './create';
export { SteadyCartError, isSteadyCartError, type ErrorCode } from '../errors';
export type { CartEvents, CartHealth, CartInstance, CartOptions } from './types';
export type { Cart, CartApi, CartItem, Json, JsonShaped, NewCartItem } from '../types';
