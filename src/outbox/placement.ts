import { fail } from '../errors';
import { toJsonBody } from '../guard/json';
import { number, type Config } from '../options';
import type { PlaceOrderOptions } from '../types';

/** @internal A new order's input once checked: what `Outbox.place` stores and sends. */
export interface Placement {
  /** `performance.now()` when the call began, for the result's `elapsedMs`. */
  start: number;
  /** The order serialized once, card guard passed. */
  body: string;
  budgetMs: number;
  tokenExpiresAt?: number;
  signal?: AbortSignal;
}

/**
 * @internal Checks `placeOrder`'s input (and `outbox.resubmit`'s); throws a
 * typed error for bad input, before anything is stored. Page-only: the
 * service worker replays stored orders and never takes a new one.
 */
export function checkPlacement(config: Config, order: unknown, options: PlaceOrderOptions = {}): Placement {
  const start = performance.now();
  if (typeof options != 'object' || options === null) fail('INVALID_OPTIONS', 'must be an object', '');
  const budgetMs = number(options.budgetMs, config.budgetMs, 100, 120_000, 'budgetMs');
  let expires = options.paymentTokenExpiresAt;
  if (expires instanceof Date) expires = expires.getTime();
  if (expires !== undefined && !(typeof expires == 'number' && isFinite(expires))) fail('INVALID_OPTIONS', 'must be a time in ms or a Date', 'paymentTokenExpiresAt');
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) fail('INVALID_OPTIONS', 'must be an AbortSignal', 'signal');
  if (typeof order != 'object' || order === null) fail('INVALID_ORDER', 'an order must be an object', '');
  if (!config.endpoints.length) fail('NO_ENDPOINTS', 'this instance is cart-only (created without endpoints)', 'endpoints');
  const body = toJsonBody(order, config.allowCardLikeAt);
  if (signal?.aborted) fail('ABORTED', 'the signal was already aborted');
  return { start, body, budgetMs, tokenExpiresAt: expires as number | undefined, signal };
}
